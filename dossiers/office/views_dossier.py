"""The back office's dossier pages: a dossier's work page and its actions, its files and its
printed forms (receipt, notices).

Everything staff see starts from ``dossier_visible_to`` (``office.views._visible_dossier``); who
may take which action is for ``dossiers.lifecycle`` alone.
"""

from __future__ import annotations

from django.contrib import messages
from django.forms import CharField
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from dossiers import actions, lifecycle
from dossiers.errors import DossierError, NotPermitted, StaleDossier, SubmissionInvalid
from dossiers.lifecycle import APPLICANT, Action
from dossiers.models import Dossier
from dossiers.models_documents import DocumentKind, DossierDocument
from dossiers.models_work import PaymentMethod
from dossiers.notices import FORMS, NoticeUnavailable, available_notices, notice_pdf
from dossiers.office.forms import ACTION_FORMS, RETURN_LABELS
from dossiers.office.queues import is_overdue
from dossiers.office.views import _forbidden, _render, _visible_dossier, office_login
from dossiers.receipts import receipt_pdf
from dossiers.tracking import tracking_path
from dossiers.uploads import download_name
from units.models import Role

ROLE_LABELS = {**dict(Role.choices), APPLICANT: gettext_lazy("applicant")}
# The work page offers the step forward first and the actions that end a dossier last.
ACTION_ORDER = [
    Action.RECEIVE,
    Action.CLAIM,
    Action.FORWARD,
    Action.APPROVE,
    Action.ATTACH_RESULT,
    Action.ISSUE_RESULT,
    Action.RETURN_RESULT,
    Action.CONFIRM_PAYMENT,
    Action.ASSIGN,
    Action.REQUEST_SUPPLEMENT,
    Action.REQUEST_PAYMENT,
    Action.HAND_OVER,
    Action.HAND_BACK,
    Action.SEND_BACK,
    Action.EXTEND,
    Action.REFUSE,
    Action.STOP,
]

# --- The work page -------------------------------------------------------------------------------


PAYMENT_LABELS = dict(PaymentMethod.choices)


def _describe(events) -> list:
    """Events with the labels the timeline shows (role, action)."""
    for event in events:
        event.role_label = ROLE_LABELS.get(event.role, event.role)
        action = (event.data or {}).get("action")
        event.action_label = Action(action).label if action in Action.values else ""
        method = (event.data or {}).get("method")
        labels = PAYMENT_LABELS if action == Action.CONFIRM_PAYMENT else RETURN_LABELS
        event.method_label = labels.get(method, "")
    return events


def _work_context(request, dossier: Dossier, *, bound=None, typed=None, stale=None) -> dict:
    bound = bound or {}
    typed = typed or {}
    allowed = sorted(
        (
            action
            for action in lifecycle.allowed_actions(dossier, request.user)
            if action in ACTION_FORMS
            # Taking in hand a dossier one already holds changes nothing: no form for it.
            and not (action == Action.CLAIM and dossier.assignee_id == request.user.pk)
        ),
        key=ACTION_ORDER.index,
    )
    forms = []
    for action in dict.fromkeys([*allowed, *bound]):
        if action in bound:
            forms.append(bound[action])
        else:
            initial = dict(typed.get(action, {}))
            forms.append(ACTION_FORMS[action](dossier=dossier, initial=initial))
    # Typed text for an action the officer may no longer take (someone acted first): shown so
    # nothing is lost.
    kept = [
        (field.label, value)
        for action, values in typed.items()
        if action not in allowed
        for name, value in values.items()
        if value and isinstance(field := ACTION_FORMS[action].base_fields.get(name), CharField)
    ]
    documents = list(dossier.documents.select_related("component").order_by("uploaded_at", "id"))
    return {
        "dossier": dossier,
        "overdue": is_overdue(dossier.appointment_at, dossier.status, timezone.now()),
        "forms": forms,
        "stale": stale,
        "stale_events": _describe(stale.events) if stale else [],
        "kept": kept,
        "has_documents": bool(documents),
        "document_groups": [
            (label, [d for d in documents if d.kind == kind])
            for kind, label in DocumentKind.choices
        ],
        "supplement_requests": dossier.supplement_requests.select_related("requested_by", "agency"),
        "extensions": dossier.extensions.select_related("by"),
        "events": _describe(list(dossier.events.select_related("actor", "agency"))),
        "notices": available_notices(dossier),
        "acting_agency": lifecycle.acting_agency(dossier),
        "has_authenticator": _has_authenticator(request.user, forms),
    }


def _has_authenticator(user, forms) -> bool:
    """Whether the officer can confirm a signature with a code (asked only when they may sign)."""
    if not any(f.action == Action.ISSUE_RESULT and getattr(f, "signs", False) for f in forms):
        return True
    from django_otp import devices_for_user

    return any(True for _device in devices_for_user(user, confirmed=True))


@office_login
@require_GET
def dossier_page(request, code: str):
    """A dossier's work page: facts, documents, requests, timeline, and the actions the
    officer may take now, one small form each."""
    dossier = _visible_dossier(request, code, "dossier")
    return _render(request, "office/dossier.html", _work_context(request, dossier))


def _service_errors(form, exc: DossierError) -> None:
    if exc.errors:
        for name, errors in exc.errors.items():
            for error in errors:
                form.add_error(form.error_field(name), error)
    else:
        form.add_error(None, str(exc.message))


@office_login
@require_POST
def dossier_act(request, code: str, action: str):
    """Take one lifecycle action from the work page; the page comes back with what happened.

    400 when the input is wrong (at its field), 403 when the officer's roles do not allow it,
    409 when the dossier's state does not or someone acted first (with what changed, and the
    typed text kept).
    """
    dossier = _visible_dossier(request, code, "act")
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404
    form = form_class(request.POST, request.FILES, dossier=dossier)
    if not form.is_valid():
        context = _work_context(request, dossier, bound={action: form})
        return _render(request, "office/dossier.html", context, status=400)
    try:
        actions.take(action, dossier=dossier, actor=request.user, values=form.service_kwargs())
    except StaleDossier as exc:
        fresh = _visible_dossier(request, code, "act")
        context = _work_context(request, fresh, typed={action: form.typed()}, stale=exc)
        return _render(request, "office/dossier.html", context, status=409)
    except NotPermitted as exc:
        return _forbidden(request, exc.message)
    except SubmissionInvalid as exc:
        _service_errors(form, exc)
        context = _work_context(request, dossier, bound={action: form})
        return _render(request, "office/dossier.html", context, status=400)
    except DossierError as exc:
        # The state does not allow it, someone holds it, or the signature was refused.
        _service_errors(form, exc)
        fresh = _visible_dossier(request, code, "act")
        context = _work_context(request, fresh, bound={action: form})
        return _render(request, "office/dossier.html", context, status=409)
    messages.success(request, _("Done: %(action)s.") % {"action": Action(action).label})
    return redirect("office:dossier", code=dossier.code)


# --- Files ---------------------------------------------------------------------------------------


@office_login
@require_GET
def dossier_document(request, code: str, pk: int):
    """One file of a dossier the officer may see, from private storage."""
    dossier = _visible_dossier(request, code, "document")
    document = get_object_or_404(DossierDocument, pk=pk, dossier=dossier)
    if not document.file:
        # Held by link only (a dossier pushed by the national portal): send the officer there.
        if document.remote_url:
            return redirect(document.remote_url)
        raise Http404
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=download_name(document),
        content_type=document.mime or "application/octet-stream",
    )


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@office_login
@require_GET
def dossier_receipt(request, code: str):
    """Form 01 (receipt and appointment slip), once received, listing what the desk ticked."""
    dossier = _visible_dossier(request, code, "receipt")
    if dossier.received_at is None:
        raise Http404
    reception = dossier.events.filter(data__action=Action.RECEIVE).order_by("-at", "-id").first()
    ticked = (reception.data or {}).get("documents") if reception else None
    content = receipt_pdf(
        dossier=dossier,
        tracking_url=request.build_absolute_uri(tracking_path(dossier)),
        received_documents=ticked,
    )
    return _pdf(content, f"giay-tiep-nhan-{dossier.code}.pdf")


@office_login
@require_GET
def dossier_notice(request, code: str, number: str):
    """Forms 02 to 05 of the dossier, when it has them."""
    dossier = _visible_dossier(request, code, "notice")
    if number not in FORMS:
        raise Http404
    try:
        content = notice_pdf(dossier=dossier, number=number)
    except NoticeUnavailable as exc:
        raise Http404 from exc
    return _pdf(content, f"mau-{number}-{dossier.code}.pdf")
