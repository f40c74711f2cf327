"""The administrators' view of the sync with the national portal: backlog, dead letters (with
manual retry), reconciliation reports; and one dossier's sync history for its staff."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dossiers.models_work import OutboxEntry, ReconciliationRun, SyncAttempt
from dossiers.selectors import dossier_visible_to
from dossiers.sync.relay import backlog, retry_dead
from units.selectors import provinces_administered_by


def _administrator(user) -> bool:
    return user.is_superuser or provinces_administered_by(user).exists()


@login_required
def sync_overview(request):
    """Backlog, the oldest unsynced change, dead letters and the last reconciliations."""
    if not _administrator(request.user):
        raise PermissionDenied
    dead = (
        OutboxEntry.objects.filter(state=OutboxEntry.State.DEAD)
        .select_related("dossier")
        .order_by("id")[:200]
    )
    return render(
        request,
        "sync/overview.html",
        {
            "figures": backlog(),
            "dead": dead,
            "runs": ReconciliationRun.objects.all()[:10],
        },
    )


@login_required
@require_POST
def sync_retry(request):
    """Put the chosen dead letters back in line (after the cause was fixed)."""
    if not _administrator(request.user):
        raise PermissionDenied
    ids = [int(pk) for pk in request.POST.getlist("entry") if pk.isdigit()]
    count = retry_dead(entry_ids=ids)
    messages.success(request, _("%(count)d changes are back in line.") % {"count": count})
    return redirect("sync:overview")


@login_required
def dossier_sync(request, code: str):
    """One dossier's sync history: every change, every attempt, the portal's answers."""
    dossier = get_object_or_404(dossier_visible_to(request.user), code=code)
    entries = list(OutboxEntry.objects.filter(dossier=dossier).order_by("revision"))
    attempts = SyncAttempt.objects.filter(entry__in=entries).order_by("at", "id")
    by_entry: dict[int, list] = {}
    for attempt in attempts:
        by_entry.setdefault(attempt.entry_id, []).append(attempt)
    rows = [{"entry": e, "attempts": by_entry.get(e.pk, [])} for e in entries]
    return render(request, "sync/dossier.html", {"dossier": dossier, "rows": rows})
