"""Bulk re-issue when an agency's position list is replaced, and single revocations."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.models import User
from signatures import ca, pdf
from signatures.models import Certificate, Position, ReissueBatch
from signatures.reissue import PositionListInvalid, parse_positions, reissue_apply
from tests.factories.portal import UserFactory
from tests.factories.units import AgencyFactory, MembershipFactory, UnitFactory

pytestmark = pytest.mark.django_db


def csv_of(rows) -> bytes:
    return ("code,title,holder\n" + "".join(f"{c},{t},{h}\n" for c, t, h in rows)).encode()


@pytest.fixture
def agency(commune_a):
    return AgencyFactory(unit=commune_a)


@pytest.fixture
def officials(agency):
    """Sixty staff members of the agency (a position's holder must be one)."""
    users = [UserFactory(full_name=f"Cán bộ số {i}") for i in range(60)]
    for user in users:
        MembershipFactory(agency=agency, user=user)
    return users


def test_fifty_positions_reissued_with_a_report_and_old_certificates_revoked(
    agency, officials, settings
):
    first = [(f"VT{i:02d}", f"Chuyên viên {i}", officials[i].username) for i in range(50)]
    batch = ReissueBatch.objects.create(
        agency=agency,
        positions=[{"code": c, "title": t, "holder": h} for c, t, h in first],
    )
    batch.total = 50
    report = reissue_apply(batch)
    assert len(report["added"]) == 50 and len(report["issued"]) == 50
    old = Certificate.objects.get(position__code="VT07")
    signed = _signed_by(old)

    # The merged agency's new list: 10 positions gone, 5 renamed, 5 with a new holder, 8 new.
    second = [
        (f"VT{i:02d}", f"Chuyên viên {i}" + (" (mới)" if i < 5 else ""), officials[i].username)
        for i in range(10, 50)
    ]
    second = [
        (c, t, officials[50 + int(c[2:]) - 10].username) if 10 <= int(c[2:]) < 15 else (c, t, h)
        for c, t, h in second
    ]
    second += [(f"MOI{i}", f"Vị trí mới {i}", officials[55].username) for i in range(8)]
    rows = parse_positions(csv_of(second), agency=agency)
    again = ReissueBatch.objects.create(
        agency=agency, positions=[r.__dict__ for r in rows], total=len(rows) + 50
    )
    report = reissue_apply(again)

    again.refresh_from_db()
    assert again.status == "done" and again.done == again.total
    assert sorted(report["removed"]) == [f"VT{i:02d}" for i in range(10)]
    assert len(report["added"]) == 8
    assert sorted(report["reissued"]) == [f"VT{i:02d}" for i in range(10, 15)]
    assert len(report["unchanged"]) == 35
    assert not Position.objects.get(agency=agency, code="VT03").is_active
    assert Certificate.objects.filter(revoked_at__isnull=False).count() == 15
    # The verification page shows a result signed with a closed position's certificate as
    # revoked now (and good when it was signed).
    [signature] = pdf.verify(signed).signatures
    assert signature.status_at_signing == "good" and signature.status_now == "revoked"
    from django.test import Client

    page = Client().post("/signatures/verify/", {"file": SimpleUploadedFile("ket-qua.pdf", signed)})
    assert page.status_code == 200 and "đã thu hồi" in page.content.decode()


def _signed_by(certificate) -> bytes:
    from dossiers.receipts import _Receipt

    doc = _Receipt()
    doc.add_page()
    doc.write_line("Kết quả thử")
    return pdf.sign(
        pdf=bytes(doc.output()), certificate=certificate, verification_url="https://x.vn/v/1/"
    )


def test_a_bad_list_names_every_bad_line_and_changes_nothing(agency, officials):
    content = csv_of(
        [("A1", "Trưởng phòng", officials[0].username), ("A1", "Lặp", ""), ("", "x", "")]
    )
    content += b"B2,Pho phong,khong-co-ai\n"

    with pytest.raises(PositionListInvalid) as caught:
        parse_positions(content, agency=agency)

    assert len(caught.value.errors) == 3
    assert not Position.objects.exists()


def test_only_members_of_the_agency_may_hold_its_positions_and_nothing_tells_who_exists(
    agency, officials, citizen, officer_b, english
):
    elsewhere = MembershipFactory(agency=AgencyFactory(unit=UnitFactory(code="01"))).user
    cases = {
        "B1": citizen.username,  # a citizen's account exists, and must not be revealed
        "B2": officer_b.username,  # staff of another commune
        "B3": elsewhere.username,  # staff of another province
        "B4": "khong-co-ai",  # nobody
    }
    content = csv_of([("A1", "Trưởng phòng", officials[0].username)])
    content += "".join(f"{code},Phó phòng,{holder}\n" for code, holder in cases.items()).encode()

    with pytest.raises(PositionListInvalid) as caught:
        parse_positions(content, agency=agency)

    messages = caught.value.errors
    assert len(messages) == 4
    for line, holder in enumerate(cases.values(), start=3):
        assert messages[line - 3] == (
            f"Line {line}: {holder} is not a staff member of this agency."
        )
    assert not Position.objects.exists()


def test_the_upload_page_runs_the_reissue_with_progress(
    client,
    agency,
    officials,
    province_admin,
    officer_b,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.STAFF_OTP_REQUIRED = False  # the second factor has its own tests
    client.force_login(officer_b)  # a commune officer manages no positions
    denied = client.get(f"/signatures/positions/?agency={agency.identifier}")
    assert denied.status_code == 403
    client.force_login(province_admin)
    upload = SimpleUploadedFile("vi-tri.csv", csv_of([("LD1", "Chủ tịch", officials[1].username)]))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/signatures/positions/?agency={agency.identifier}",
            {"agency": agency.identifier, "file": upload},
        )

    batch = ReissueBatch.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{batch.pk}/")
    assert batch.status == "done"  # eager Celery in tests
    page = client.get(response["Location"]).content.decode()
    assert "LD1" in page
    assert Certificate.objects.get().holder == User.objects.get(pk=officials[1].pk)


def test_revocation_reaches_the_crl(agency, officials, client):
    position = Position.objects.create(agency=agency, code="X", title="Y", holder=officials[0])
    certificate = ca.issue(holder=officials[0], position=position)
    ca.revoke(certificate=certificate, reason="key_compromise")

    from cryptography import x509

    crl = x509.load_der_x509_crl(client.get("/signatures/ca/crl").content)
    entry = crl.get_revoked_certificate_by_serial_number(int(certificate.serial, 16))
    assert entry is not None
    root = client.get("/signatures/ca/root.crt")
    assert root.status_code == 200 and b"BEGIN CERTIFICATE" in root.content
