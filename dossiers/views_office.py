"""The one-stop back office's pages: queues, a dossier's work page, files, counter intake, the
leader's dashboard and in-app notices.

Thin adapters (STYLE.md rule 5): a page parses its input with a form of ``forms_office``, calls
one selector or one lifecycle service and renders. Everything staff see starts from
``dossier_visible_to``; a dossier outside it answers 404, and the attempt is kept as a
``DeniedAction`` for audits. Who may take which action is for ``dossiers.lifecycle`` alone.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.forms import CharField
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dossiers import lifecycle
from dossiers.dashboard import agency_dashboard
from dossiers.errors import (
    DossierError,
    NoCompetentAgency,
    NotPermitted,
    StaleDossier,
    SubmissionInvalid,
)
from dossiers.forms_office import (
    ACTION_FORMS,
    RETURN_LABELS,
    DashboardFilterForm,
    IntakeForm,
    SavedFilterForm,
)
from dossiers.lifecycle import APPLICANT, Action
from dossiers.models import Channel, Dossier, Status, Step
from dossiers.models_documents import DocumentKind, DossierDocument
from dossiers.models_work import DeniedAction, Notice, PaymentMethod, SavedFilter
from dossiers.notices import FORMS, NoticeUnavailable, available_notices, notice_pdf
from dossiers.queues import (
    QUEUES,
    Row,
    default_queue,
    is_overdue,
    memberships,
    queue_counts,
    queue_page,
    search_everywhere,
    visible_queues,
    working_agencies,
)
from dossiers.receipts import receipt_pdf
from dossiers.selectors import dossier_visible_to
from dossiers.services import dossier_create
from dossiers.submission import competent_agency
from dossiers.tracking import tracking_path
from dossiers.uploads import download_name, store_file
from portal.models import CitizenProfile
from procedures.models import Procedure
from procedures.selectors import procedure_search
from units.models import Agency, Membership, Role, UnitLevel
from units.selectors import (
    agencies_of_provinces,
    provinces_of_province_admin,
    user_is_staff_member,
)

office_login = login_required(login_url="portal:login")

DASHBOARD_ROLES = (Role.LEADER, Role.DEPARTMENT_HEAD, Role.PROVINCE_ADMIN)
ROLE_LABELS = {**dict(Role.choices), APPLICANT: gettext_lazy("applicant")}
WORK_RELATED = (
    "procedure",
    "version",
    "case",
    "reception_agency",
    "agency",
    "holder_agency",
    "assignee",
    "applicant_commune",
)
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
INTAKE_RESULTS = 15
NOTICES_PER_PAGE = 30


def staff_only(view):
    """Signed-in staff only (citizens get a 403 page saying so)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not user_is_staff_member(request.user):
            return _forbidden(request, _("These pages are for the staff of the agencies."))
        return view(request, *args, **kwargs)

    return office_login(wrapper)


def _roles(user) -> set[str]:
    return {role for _agency, role in memberships(user)}


def _render(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    """Render an office page with what its header shows (the user's roles, unread notices)."""
    roles = context.pop("roles", None)
    if roles is None:
        roles = _roles(request.user)
    context["office"] = {
        "roles": roles,
        "receiver": Role.RECEIVER in roles,
        "dashboard": bool(roles & set(DASHBOARD_ROLES)),
        "unread": Notice.objects.filter(user=request.user, read_at__isnull=True).count(),
    }
    return render(request, template, context, status=status)


def _forbidden(request, reason) -> HttpResponse:
    return render(request, "office/forbidden.html", {"reason": reason}, status=403)


def _visible_dossier(request, code: str, page: str) -> Dossier:
    """The dossier ``code`` if the user, a staff member, may see it; otherwise 404 (even for
    its applicant, who has their own pages), and the attempt is kept."""
    staff = user_is_staff_member(request.user)
    visible = dossier_visible_to(request.user).select_related(*WORK_RELATED)
    dossier = visible.filter(code=code).first() if staff else None
    if dossier is None:
        if not staff:
            reason = "not a staff member"
        elif Dossier.objects.filter(code=code).exists():
            reason = "not visible to the user"
        else:
            reason = "no such dossier"
        DeniedAction.objects.create(
            user=request.user, action=f"page:{page}", dossier_code=code[:30], reason=reason
        )
        raise Http404
    return dossier


# --- Queues --------------------------------------------------------------------------------------


def _default_queue(roles: set[str]) -> str:
    return default_queue(roles)


def _queue_name(params, roles: set[str]) -> str:
    name = params.get("queue") or _default_queue(roles)
    if name not in QUEUES:
        raise Http404
    return name


def _tabs(
    params, name: str, counts: dict[str, int] | None = None, roles: set[str] | None = None
) -> list[dict]:
    """The queues of the officer's roles as tabs (and the one on screen): each keeps the search
    on screen and starts at its first page."""
    base = reverse("office:queues")
    kept = params.copy()
    kept.pop("cursor", None)
    shown = set(visible_queues(roles or set())) | {name}
    tabs = []
    for key, queue in QUEUES.items():
        if key not in shown:
            continue
        kept["queue"] = key
        tabs.append(
            {
                "queue": queue,
                "href": f"{base}?{kept.urlencode()}",
                "current": key == name,
                "count": None if counts is None else counts[key],
            }
        )
    return tabs


def _hits(hits, now) -> list[dict]:
    """The one search box's results: each dossier's table cells and the queues holding it."""
    rows = _table_rows([hit.row for hit in hits], now)
    for row, hit in zip(rows, hits, strict=True):
        row["queues"] = [
            {"label": capfirst(queue.label), "name": queue.name} for queue in hit.queues
        ]
    return rows


def _table_rows(rows: list[Row], now) -> list[dict]:
    """What each row of the queue table shows, worked out here once per request.

    The table is rendered on every visit and every 30-second refresh of every officer's queue;
    per-cell filters in the template (dates, labels, truncation) were two thirds of the page's
    time. The labels are translated once per request, the links share one ``reverse()``.
    """
    statuses = {value: capfirst(str(label)) for value, label in Status.choices}
    steps = {value: capfirst(str(label)) for value, label in Step.choices}
    link = reverse("office:dossier", args=["__code__"])
    table = []
    for row in rows:
        name = row.procedure_name
        table.append(
            {
                "code": row.code,
                "href": link.replace("__code__", row.code),
                "procedure_code": row.procedure_code,
                "procedure_name": name if len(name) <= 90 else f"{name[:89]}…",
                "applicant": row.applicant_name,
                "status": statuses.get(row.status, row.status),
                "status_css": row.status_css,
                "step": steps.get(row.step, row.step) if row.step else "",
                "appointment": _local(row.appointment_at, "%d/%m/%Y"),
                "overdue": row.is_overdue(now),
                "step_due": _local(row.step_due_at, "%H:%M %d/%m/%Y"),
                "holder": row.assignee_full_name or row.assignee_username or "—",
                "agency": row.agency_name,
            }
        )
    return table


def _local(moment, pattern: str) -> str:
    """A moment in the portal's time zone (Asia/Ho_Chi_Minh), or a dash when there is none."""
    return timezone.localtime(moment).strftime(pattern) if moment else "—"


def _with_query(url: str, params) -> str:
    query = params.urlencode()
    return f"{url}?{query}" if query else url


def _first_page(base: str, params) -> str:
    kept = params.copy()
    kept.pop("cursor", None)
    return _with_query(base, kept)


def _queue_response(request, params, *, filter_form=None, status: int = 200) -> HttpResponse:
    """The queue page for ``params`` (queue, q, cursor), or its live table for htmx.

    The counts of the tabs come in a second request (``queue_counts_fragment``) that the page
    makes as soon as it is shown: the list an officer works from is not held up by counting
    everything the agency has open.
    """
    roles = _roles(request.user)
    name = _queue_name(params, roles)
    q = " ".join(params.get("q", "").split())[:100]
    agencies = working_agencies(request.user)
    now = timezone.now()
    bad_cursor = False
    try:
        page = queue_page(
            request.user,
            name,
            q=q,
            cursor=params.get("cursor") or None,
            agencies=agencies,
            now=now,
        )
    except (ValueError, TypeError):
        # A mangled or outdated "next page" link: start the queue again from its first page.
        bad_cursor, status = True, 400
        page = queue_page(request.user, name, q=q, agencies=agencies, now=now)
    base = reverse("office:queues")
    context = {
        "queue": QUEUES[name],
        "q": q,
        "page": page,
        "rows": _table_rows(page.rows, now),
        "next_query": urlencode({"queue": name, "q": q, "cursor": page.next_cursor})
        if page.next_cursor
        else "",
        "first_page": _first_page(base, params) if params.get("cursor") else "",
        "bad_cursor": bad_cursor,
        "works": bool(agencies),
        "live_url": _with_query(base, params),
        "now": now,
    }
    if request.htmx:
        response = render(request, "office/_queue_live.html", context, status=status)
    else:
        context["roles"] = roles
        context["can_sign_batch"] = Role.LEADER in roles
        context["tabs"] = _tabs(params, name, roles=roles)
        if q:
            context["hits"] = _hits(
                search_everywhere(
                    request.user, q, names=visible_queues(roles), agencies=agencies, now=now
                ),
                now,
            )
        context["counts_url"] = _with_query(reverse("office:queue-counts"), params)
        context["filter_form"] = filter_form or SavedFilterForm(initial={"queue": name, "q": q})
        response = _render(request, "office/queues.html", context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


@staff_only
@require_GET
def queues(request):
    """An officer's work queues: the tabs, one keyset page of the chosen queue.

    With htmx the table reloads by itself every 30 seconds, and so do the tabs' counts.
    """
    return _queue_response(request, request.GET)


@staff_only
@require_GET
def queue_counts_fragment(request):
    """The queue tabs with how many dossiers wait in each, and the officer's saved filters
    (htmx loads them once the page is shown, and refreshes them)."""
    roles = _roles(request.user)
    name = _queue_name(request.GET, roles)
    q = " ".join(request.GET.get("q", "").split())[:100]
    counts = queue_counts(request.user, agencies=working_agencies(request.user), q=q)
    context = {
        "tabs": _tabs(request.GET, name, counts, roles),
        "counts_url": request.get_full_path(),
        "loaded": True,
        "filters": SavedFilter.objects.filter(user=request.user).values("name", "query"),
        "queues_url": reverse("office:queues"),
    }
    return render(request, "office/_queue_tabs.html", context)


@staff_only
@require_POST
def filter_save(request):
    """Keep the queue and search on screen under a name; the same name replaces the old one."""
    form = SavedFilterForm(request.POST)
    if not form.is_valid():
        # The queue the officer was looking at, with the form's errors under it.
        params = QueryDict(mutable=True)
        queue = request.POST.get("queue", "")
        params.update({"queue": queue if queue in QUEUES else "", "q": request.POST.get("q", "")})
        return _queue_response(request, params, filter_form=form, status=400)
    query = urlencode({"queue": form.cleaned_data["queue"], "q": form.cleaned_data["q"]})
    # A saved filter is the officer's own preference, not a record of the dossier.
    SavedFilter.objects.update_or_create(
        user=request.user, name=form.cleaned_data["name"], defaults={"query": query}
    )
    messages.success(
        request, _("The filter “%(name)s” is saved.") % {"name": form.cleaned_data["name"]}
    )
    return redirect(f"{reverse('office:queues')}?{query}")


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


def _service(form):
    """The service that takes the form's action: a written result is issued by signing it."""
    if form.action == Action.ISSUE_RESULT and form.signs:
        # Signatures builds on the lifecycle (it imports it): imported when used, so the
        # dossiers app never needs it to load.
        from signatures.services import accept_external, sign_result

        return accept_external if form.signed_elsewhere else sign_result
    return getattr(lifecycle, form.action)


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
    service = _service(form)
    try:
        service(dossier=dossier, actor=request.user, **form.service_kwargs())
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


# --- Counter intake ------------------------------------------------------------------------------


def _receiver_agencies(user) -> list[Agency]:
    return [
        m.agency
        for m in Membership.objects.filter(user=user, role=Role.RECEIVER, is_active=True)
        .select_related("agency__unit")
        .order_by("agency__name")
        if m.agency.is_active
    ]


def intake_register(*, officer, form: IntakeForm) -> Dossier:
    """Register a walk-in applicant's dossier (channel 1) and receive it at once, in one
    transaction: the dossier, its scanned documents, then the reception (1 → 2)."""
    data = form.cleaned_data
    commune = data["applicant_commune"]
    agency, level = competent_agency(procedure=form.version.procedure, commune=commune)
    profile = (
        CitizenProfile.objects.filter(cccd=data["applicant_id_number"])
        .select_related("user")
        .first()
    )
    with transaction.atomic():
        dossier = dossier_create(
            version=form.version,
            agency=agency,
            reception_agency=form.agencies[data["reception_agency"]],
            level=level,
            channel=Channel.DIRECT,
            applicant=profile.user if profile else None,
            applicant_name=data["applicant_name"].strip(),
            applicant_id_number=data["applicant_id_number"],
            applicant_phone=data["applicant_phone"].strip(),
            applicant_email=data["applicant_email"].strip(),
            applicant_address=data["applicant_address"].strip(),
            applicant_commune=commune,
            case=form.chosen_case(),
            result_delivery=data["result_delivery"],
        )
        documents = []
        for component, upload, info in form.uploads:
            document = DossierDocument(
                dossier=dossier,
                component=component,
                kind=DocumentKind.SUBMITTED,
                original_name=info.name,
                mime=info.mime,
                extension=info.extension,
                size=info.size,
                sha256=info.sha256,
                uploaded_by=officer,
                is_digitised=True,
            )
            store_file(document, upload)
            documents.append(document)
        DossierDocument.objects.bulk_create(documents)
        taken_in = [(c.name, c.originals, c.copies) for c, _upload, _info in form.uploads]
        return lifecycle.receive(dossier=dossier, actor=officer, documents=taken_in or None)


def _intake_search(request, agencies) -> HttpResponse:
    q = request.GET.get("q", "")[:200]
    results = list(procedure_search(query=q)[:INTAKE_RESULTS]) if q.strip() else []
    context = {"q": q, "results": results, "unknown": request.GET.get("procedure", "")[:30]}
    if request.htmx:
        return render(request, "office/_intake_procedures.html", context)
    return _render(request, "office/intake_search.html", context)


@staff_only
@require_http_methods(["GET", "POST"])
def intake(request):
    """Counter intake: a receiver registers a walk-in applicant's dossier with its scans.

    First the procedure (searched as the officer types), then one form; a refused file is named
    at its document and everything typed stays.
    """
    agencies = _receiver_agencies(request.user)
    if not agencies:
        return _forbidden(request, _("Only one-stop receivers register dossiers at the counter."))
    code = (request.POST.get("procedure") or request.GET.get("procedure") or "").strip()[:30]
    procedure = (
        Procedure.objects.filter(code=code, is_active=True, current_version__isnull=False)
        .select_related("current_version__procedure")
        .first()
        if code
        else None
    )
    if procedure is None:
        return _intake_search(request, agencies)
    version = procedure.current_version
    if request.method != "POST":
        home = agencies[0].unit
        form = IntakeForm(
            initial={
                "procedure": procedure.code,
                "reception_agency": agencies[0].identifier,
                "applicant_commune": home.code if home.level == UnitLevel.COMMUNE else "",
            },
            version=version,
            agencies=agencies,
        )
        return _render(request, "office/intake.html", {"form": form, "procedure": procedure})
    form = IntakeForm(request.POST, version=version, agencies=agencies)
    valid = form.is_valid()
    form.check_files(request.FILES)
    if valid and not form.file_errors:
        try:
            dossier = intake_register(officer=request.user, form=form)
        except NoCompetentAgency as exc:
            form.add_error("applicant_commune", str(exc.message))
        except NotPermitted as exc:
            return _forbidden(request, exc.message)
        else:
            done = _("Dossier %(code)s is registered and received: print the applicant's receipt.")
            messages.success(request, done % {"code": dossier.code})
            return redirect("office:dossier", code=dossier.code)
    context = {"form": form, "procedure": procedure}
    return _render(request, "office/intake.html", context, status=400)


# --- Dashboard -----------------------------------------------------------------------------------


def dashboard_agencies(user) -> list[Agency]:
    """The agencies whose figures ``user`` may read: a leader's or department head's own, a
    province administrator's whole province (its agencies and those of its communes)."""
    own = Membership.objects.filter(
        user=user, is_active=True, role__in=(Role.LEADER, Role.DEPARTMENT_HEAD)
    ).values("agency_id")
    # Memberships only: a superuser is no province's administrator here (the whole country's
    # board is the reports' job).
    provinces = agencies_of_provinces(provinces_of_province_admin(user))
    return list((Agency.objects.filter(pk__in=own) | provinces).distinct().order_by("name"))


@staff_only
@require_GET
def dashboard(request):
    """The leader's dashboard: dossiers by status, the month's on-time rate, what is overdue
    and who holds how much, for the viewer's agencies (or the one chosen).

    Applicants' names and work-page links appear only for the overdue dossiers the viewer may
    open; the others are counted per agency (``dossiers.dashboard``). An ``agency`` outside the
    viewer's scope (or not an agency at all) answers 400 with the form's error and no board."""
    scope = dashboard_agencies(request.user)
    if not scope:
        return _forbidden(
            request,
            _("The dashboard is for leaders, department heads and province administrators."),
        )
    form = DashboardFilterForm(request.GET or None, agencies=scope)
    if form.is_bound and not form.is_valid():
        context = {"form": form, "board": None, "chosen": [], "by_status": [], "now": None}
        return _render(request, "office/dashboard.html", context, status=400)
    chosen = scope
    if form.is_bound and form.cleaned_data["agency"]:
        chosen = [form.agencies[form.cleaned_data["agency"]]]
    now = timezone.now()
    board = agency_dashboard([a.pk for a in chosen], viewer=request.user, now=now)
    context = {
        "form": form,
        "board": board,
        "chosen": chosen,
        "by_status": [(label, board.by_status.get(value, 0)) for value, label in Status.choices],
        "now": now,
    }
    return _render(request, "office/dashboard.html", context)


# --- Notices -------------------------------------------------------------------------------------


@staff_only
@require_http_methods(["GET", "POST"])
def notices(request):
    """The officer's in-app notices, newest first; POST marks them all read."""
    mine = Notice.objects.filter(user=request.user)
    if request.method == "POST":
        # Reading one's own notices is the officer's state, not a dossier's.
        marked = mine.filter(read_at__isnull=True).update(read_at=timezone.now())
        if marked:
            messages.success(request, _("All notices are marked read."))
        return redirect("office:notices")
    page = Paginator(mine.order_by("-created_at", "-id"), NOTICES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return _render(request, "office/notices.html", {"page": page, "notices": page.object_list})
