"""The amount due comes from the version's fee lines for the dossier's case and channel."""

import pytest

from dossiers.payments import fees
from procedures.models import ExemptGroup, FeeExemption, FeeLine
from tests.payments.conftest import RESIDENCE

pytestmark = pytest.mark.django_db


def _version(demo):
    from procedures.models import Procedure

    return Procedure.objects.get(code=RESIDENCE).current_version


def test_the_amount_follows_the_channel(demo):
    version = _version(demo)
    case = version.cases.first()
    online = fees.amount_due(version=version, case_id=case.pk, channel=2)
    counter = fees.amount_due(version=version, case_id=case.pk, channel=1)
    assert (online.amount, counter.amount) == (7000, 10000)
    assert online.lines == [{"name": "Lệ phí", "amount": 7000}]
    assert fees.format_vnd(online.amount) == "7.000 đ"
    assert fees.format_vnd(1500000) == "1.500.000 đ"


def test_a_line_of_one_case_counts_only_for_that_case(demo):
    version = _version(demo)
    case = version.cases.first()
    other = version.cases.create(name="Trường hợp khác", position=9)
    channel = version.channels.get(kind="online")
    FeeLine.objects.create(channel=channel, case=other, name="Phí thẩm định", amount=3000)
    assert fees.amount_due(version=version, case_id=case.pk, channel=2).amount == 7000
    mine = fees.amount_due(version=version, case_id=other.pk, channel=2)
    assert mine.amount == 10000
    assert [line["name"] for line in mine.lines] == ["Lệ phí", "Phí thẩm định"]


def test_an_exempt_group_owes_nothing_and_another_group_is_refused(demo):
    version = _version(demo)
    case = version.cases.first()
    FeeExemption.objects.create(
        version=version, group=ExemptGroup.POOR_HOUSEHOLD, legal_basis="Thông tư 75/2022/TT-BTC"
    )
    due = fees.amount_due(
        version=version, case_id=case.pk, channel=2, exemption=ExemptGroup.POOR_HOUSEHOLD
    )
    assert (due.amount, due.exemption) == (0, "poor_household")
    with pytest.raises(ValueError):
        fees.amount_due(version=version, case_id=case.pk, channel=2, exemption=ExemptGroup.MERIT)


def test_a_free_procedure_owes_nothing(submitted):
    assert fees.dossier_due(submitted).amount == 0


def test_the_procedure_page_shows_the_fees_and_who_is_exempt(client, demo):
    version = _version(demo)
    FeeExemption.objects.create(
        version=version, group=ExemptGroup.MERIT, legal_basis="Thông tư 75/2022/TT-BTC"
    )
    page = client.get(f"/procedures/{RESIDENCE}/").content.decode()
    assert 'data-testid="fee-rules"' in page and "Thông tư 75/2022/TT-BTC" in page
    assert "7,000" in page or "7.000" in page
