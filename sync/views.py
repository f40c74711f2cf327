"""The administrators' view of the sync with the national portal: backlog, dead letters (with
manual retry), reconciliation reports; and one dossier's sync history for its staff.

A province administrator sees and acts only on the records of their province's dossiers
(``sync.selectors``); superusers see everything. A retry naming an entry outside the
viewer's share answers 404, logs the attempt, and sends nothing again.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dossiers.models_work import DeniedAction
from dossiers.selectors import dossier_visible_to
from sync.models import OutboxEntry, SyncAttempt
from sync.relay import backlog, retry_dead
from sync.selectors import (
    outbox_visible_to,
    reconciliations_visible_to,
    sync_administrator,
)


@login_required
def sync_overview(request):
    """Backlog, the oldest unsynced change, dead letters and the last reconciliations, of the
    viewer's provinces. A dossier's code links to its sync history when the viewer may see
    the dossier (a working role at its agency)."""
    if not sync_administrator(request.user):
        raise PermissionDenied
    scope = outbox_visible_to(request.user)
    dead = list(
        scope.filter(state=OutboxEntry.State.DEAD).select_related("dossier").order_by("id")[:200]
    )
    openable = set(
        dossier_visible_to(request.user)
        .filter(pk__in={e.dossier_id for e in dead})
        .values_list("pk", flat=True)
    )
    for entry in dead:
        entry.openable = entry.dossier_id in openable
    return render(
        request,
        "sync/overview.html",
        {
            "figures": backlog(entries=scope),
            "dead": dead,
            "runs": reconciliations_visible_to(request.user),
        },
    )


@login_required
@require_POST
def sync_retry(request):
    """Put the chosen dead letters back in line (after the cause was fixed)."""
    if not sync_administrator(request.user):
        raise PermissionDenied
    ids = {int(pk) for pk in request.POST.getlist("entry") if pk.isdigit()}
    scope = outbox_visible_to(request.user)
    outside = ids - set(scope.filter(pk__in=ids).values_list("pk", flat=True))
    if outside:
        DeniedAction.objects.bulk_create(
            DeniedAction(
                user=request.user,
                action="sync:retry",
                dossier_code=code[:30],
                reason="outside the administrator's provinces",
            )
            for code in OutboxEntry.objects.filter(pk__in=outside).values_list(
                "dossier__code", flat=True
            )
        )
        raise Http404
    count = retry_dead(entry_ids=sorted(ids), scope=scope)
    messages.success(request, _("%(count)d changes are back in line.") % {"count": count})
    return redirect("sync:overview")


@login_required
def dossier_sync(request, code: str):
    """One dossier's sync history: every change, every attempt, the portal's answers. For whoever
    may see the dossier (``dossier_visible_to``); 404 for anyone else."""
    dossier = get_object_or_404(dossier_visible_to(request.user), code=code)
    entries = list(OutboxEntry.objects.filter(dossier=dossier).order_by("revision"))
    attempts = SyncAttempt.objects.filter(entry__in=entries).order_by("at", "id")
    by_entry: dict[int, list] = {}
    for attempt in attempts:
        by_entry.setdefault(attempt.entry_id, []).append(attempt)
    rows = [{"entry": e, "attempts": by_entry.get(e.pk, [])} for e in entries]
    return render(request, "sync/dossier.html", {"dossier": dossier, "rows": rows})
