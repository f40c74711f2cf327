"""The actions of the one-stop desk: accept, refuse, ask for a supplement, the citizen's
supplement and withdrawal."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.channels import legal_channel
from dossiers.documents import NewDocument, documents_add
from dossiers.errors import TransitionNotAllowed
from dossiers.lifecycle.engine import Change, perform, perform_making, reason_text
from dossiers.lifecycle.rules import Action, acting_agency
from dossiers.models import Dossier, Status
from portal.dispatch import after_commit

logger = logging.getLogger("dossiers.lifecycle")


def receive(
    *,
    dossier: Dossier,
    actor,
    received_at: dt.datetime | None = None,
    documents: list | None = None,
    revision: int | None = None,
) -> Dossier:
    """Accept a submitted dossier (1 → 2): the appointment comes from the working-day calendar.

    ``documents`` lists what the desk checked in, as ``(name, originals, copies)``; it is kept
    on the event and printed on the receipt (form 01). The citizen is e-mailed the receipt.
    """
    from dossiers.calendar import appointment, calendar_for

    moment = received_at or timezone.now()

    def change(locked: Dossier, role: str) -> Change:
        from dossiers.payments.selectors import upfront_unpaid

        if upfront_unpaid(locked):
            raise TransitionNotAllowed(
                _(
                    "The fee of this online dossier is not paid yet: it can be received once "
                    "the applicant has paid it."
                )
            )
        channel = legal_channel(locked)
        due = appointment(
            moment,
            channel.processing_time,
            channel.time_unit,
            locked.version.same_day_cutoff,
            calendar_for(timezone.localtime(moment).date()),
        )
        return Change(
            status=Status.RECEIVED,
            fields={
                "received_at": moment,
                "appointment_at": due,
                "original_appointment_at": due,
                "assignee": None,
                "claimed_at": None,
            },
            data={"documents": [list(d) for d in documents]} if documents else None,
        )

    done = perform(Action.RECEIVE, dossier=dossier, actor=actor, change=change, revision=revision)
    if done.applicant_email:
        from dossiers.tasks import send_received_notice

        after_commit(send_received_notice, done.pk)
    return done


def refuse(*, dossier: Dossier, actor, reason: str, revision: int | None = None) -> Dossier:
    """Refuse reception (1 → 3, form 03) with the reason the applicant will read."""
    reason = reason_text(reason)
    return perform(
        Action.REFUSE,
        dossier=dossier,
        actor=actor,
        revision=revision,
        change=lambda locked, role: Change(
            status=Status.REFUSED, note=reason, fields={"finished_at": timezone.now()}
        ),
    )


def request_supplement(
    *,
    dossier: Dossier,
    actor,
    reason: str,
    items: list[str] | None = None,
    at: dt.datetime | None = None,
    revision: int | None = None,
):
    """Ask for more documents (form 02, status 5): the clock stops until they arrive."""
    from dossiers.models_documents import SupplementRequest

    reason = reason_text(reason)
    now = at or timezone.now()

    def change(locked: Dossier, role: str) -> Change:
        request = SupplementRequest.objects.create(
            dossier=locked,
            requested_by=actor,
            agency=acting_agency(locked),
            reason=reason,
            items=[item.strip() for item in items or [] if item.strip()],
            previous_status=locked.status,
            requested_at=now,
            old_appointment=locked.appointment_at,
        )
        return Change(status=Status.SUPPLEMENT_REQUESTED, note=reason, made=request)

    locked, request = perform_making(
        Action.REQUEST_SUPPLEMENT, dossier=dossier, actor=actor, change=change, revision=revision
    )
    if locked.applicant_email:
        from dossiers.tasks import send_supplement_notice

        after_commit(send_supplement_notice, locked.pk)
    return request


def supplement(
    *,
    dossier: Dossier,
    actor,
    files: list,
    note: str = "",
    at: dt.datetime | None = None,
) -> Dossier:
    """The applicant answers the open request with ``files`` (pairs of component or ``None``
    and an upload): the dossier goes back to where it was and the appointment moves by the time
    the clock stood still."""
    from django.core.exceptions import ValidationError
    from django.db.models import Sum

    from dossiers.calendar import calendar_for, paused_appointment
    from dossiers.errors import SubmissionInvalid
    from dossiers.models_documents import DocumentKind, SupplementRequest
    from dossiers.uploads import check_upload

    now = at or timezone.now()

    def change(locked: Dossier, role: str) -> Change:
        request = (
            SupplementRequest.objects.select_for_update()
            .filter(dossier=locked, supplied_at__isnull=True)
            .first()
        )
        if request is None:
            raise TransitionNotAllowed(_("No supplement is being asked for on this dossier."))
        if not files:
            raise SubmissionInvalid(_("Attach at least one file."), field="file")
        stored = locked.documents.aggregate(n=Sum("size"))["n"] or 0
        checked = []
        for component, upload in files:
            if component is not None and component.case.version_id != locked.version_id:
                raise SubmissionInvalid(
                    _("This document is not part of the procedure."), field="file"
                )
            try:
                info = check_upload(upload, already_stored=stored)
            except ValidationError as exc:
                raise SubmissionInvalid(exc.messages[0], field="file") from exc
            stored += info.size
            checked.append((component, upload, info))
        new_appointment = None
        if request.old_appointment:
            new_appointment = paused_appointment(
                request.old_appointment,
                request.requested_at,
                now,
                calendar_for(
                    timezone.localtime(request.requested_at).date(),
                    timezone.localtime(max(now, request.old_appointment)).date(),
                ),
                unit=legal_channel(locked).time_unit,
            )
        documents_add(
            (
                NewDocument(
                    dossier=locked,
                    kind=DocumentKind.SUPPLEMENT,
                    supplement=request,
                    component=component,
                    upload=upload,
                    info=info,
                )
                for component, upload, info in checked
            ),
            uploaded_by=actor,
        )
        request.supplied_at = now
        request.note = note.strip()
        request.new_appointment = new_appointment
        request.save(update_fields=["supplied_at", "note", "new_appointment"])
        return Change(
            status=request.previous_status,
            note=note.strip(),
            fields={"appointment_at": new_appointment} if new_appointment else None,
        )

    return perform(Action.SUPPLEMENT, dossier=dossier, actor=actor, change=change)


def withdraw(*, dossier: Dossier, actor, reason: str = "") -> Dossier:
    """The applicant withdraws the dossier (status 7) while it is not being decided on."""
    return perform(
        Action.WITHDRAW,
        dossier=dossier,
        actor=actor,
        change=lambda locked, role: Change(
            status=Status.WITHDRAWN,
            note=(reason or "").strip(),
            fields={"finished_at": timezone.now()},
        ),
    )
