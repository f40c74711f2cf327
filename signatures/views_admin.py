"""Province administrators manage job positions and certificates of their agencies.

The position list of an agency is replaced by an upload (CSV ``code,title,holder``); the
re-issue runs in the background and its page shows progress, then what changed. Single
certificates are revoked (with a reason) or renewed here too.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from signatures import ca
from signatures.models import Certificate, Position, ReissueBatch, RevocationReason
from signatures.reissue import PositionListInvalid, parse_positions, reissue_start
from units.models import Agency
from units.selectors import agencies_administered_by

MAX_LIST_BYTES = 2 * 1024 * 1024


def managed_agencies(user):
    """Agencies whose positions ``user`` manages: those of the provinces they administer."""
    return agencies_administered_by(user)


def _agency(request, identifier: str | None) -> Agency:
    agencies = managed_agencies(request.user)
    if not agencies.exists():
        raise PermissionDenied
    if identifier:
        return get_object_or_404(agencies, identifier=identifier)
    return agencies.order_by("identifier").first()


@login_required
def positions(request):
    """An agency's positions, their holders and certificates; the upload of a new list."""
    agency = _agency(request, request.GET.get("agency") or request.POST.get("agency"))
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("Choose the CSV file of the position list.")
        elif upload.size > MAX_LIST_BYTES:
            error = _("The file is larger than 2 MB.")
        else:
            try:
                rows = parse_positions(upload.read(), agency=agency)
            except (PositionListInvalid, UnicodeDecodeError) as exc:
                error = "; ".join(getattr(exc, "errors", [_("The file is not UTF-8 text.")]))
            else:
                batch = reissue_start(agency=agency, rows=rows, user=request.user)
                return redirect("signatures:reissue", pk=batch.pk)
    now = timezone.now()
    listed = (
        Position.objects.filter(agency=agency)
        .select_related("holder")
        .prefetch_related("certificates")
        .order_by("-is_active", "code")
    )
    rows = []
    for position in listed:
        certificates = sorted(position.certificates.all(), key=lambda c: c.not_before, reverse=True)
        rows.append({"position": position, "certificates": certificates[:3]})
    return render(
        request,
        "signatures/positions.html",
        {
            "agency": agency,
            "agencies": managed_agencies(request.user).order_by("identifier")[:500],
            "rows": rows,
            "now": now,
            "error": error,
            "reasons": RevocationReason.choices,
            "batches": ReissueBatch.objects.filter(agency=agency)[:10],
        },
        status=400 if error else 200,
    )


@login_required
@vary_on_headers("HX-Request")
def reissue(request, pk: int):
    batch = get_object_or_404(
        ReissueBatch.objects.filter(agency__in=managed_agencies(request.user)), pk=pk
    )
    percent = int(100 * batch.done / batch.total) if batch.total else 100
    context = {"batch": batch, "percent": percent}
    template = "signatures/_reissue_progress.html" if request.htmx else "signatures/reissue.html"
    return render(request, template, context)


def _certificate(request, serial: str) -> Certificate:
    return get_object_or_404(
        Certificate.objects.filter(position__agency__in=managed_agencies(request.user)),
        serial=serial,
    )


@login_required
@require_POST
def revoke(request, serial: str):
    certificate = _certificate(request, serial)
    reason = request.POST.get("reason", RevocationReason.UNSPECIFIED)
    if reason not in RevocationReason.values:
        reason = RevocationReason.UNSPECIFIED
    ca.revoke(certificate=certificate, reason=reason)
    messages.success(request, _("The certificate is revoked; the next CRL lists it."))
    return redirect(f"{_positions_url()}?agency={certificate.position.agency.identifier}")


@login_required
@require_POST
def renew(request, serial: str):
    certificate = _certificate(request, serial)
    if certificate.revoked_at is not None:
        messages.error(request, _("A revoked certificate cannot be renewed: issue a new one."))
    else:
        ca.renew(certificate=certificate)
        messages.success(request, _("A new certificate was issued; the old one is superseded."))
    return redirect(f"{_positions_url()}?agency={certificate.position.agency.identifier}")


def _positions_url() -> str:
    from django.urls import reverse

    return reverse("signatures:positions")
