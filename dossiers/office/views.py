"""The one-stop back office's pages: the work queues, and what every office page shares (staff
only, the header, the visible dossier). A dossier's work page and files are in
``views_dossier``, counter intake in ``views_intake``, the dashboard and notices in
``views_dashboard``.

Thin adapters (STYLE.md rule 5): a page parses its input with a form of ``forms``, calls
one selector or one lifecycle service and renders. Everything staff see starts from
``dossier_visible_to``; a dossier outside it answers 404, and the attempt is kept as a
``DeniedAction`` for audits. Who may take which action is for ``dossiers.lifecycle`` alone.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dossiers.models import Dossier, Status, Step
from dossiers.models_work import DeniedAction, Notice, SavedFilter
from dossiers.office.forms_pages import SavedFilterForm
from dossiers.office.queues import (
    QUEUES,
    Row,
    default_queue,
    memberships,
    queue_counts,
    queue_page,
    visible_queues,
    working_agencies,
)
from dossiers.office.search import search_everywhere
from dossiers.selectors import dossier_visible_to
from units.models import Role
from units.selectors import user_is_staff_member

office_login = login_required(login_url="portal:login")

DASHBOARD_ROLES = (Role.LEADER, Role.DEPARTMENT_HEAD, Role.PROVINCE_ADMIN)
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


def _hits(found, now) -> list[dict]:
    """The one search box's results: each dossier's table cells and the queues holding it."""
    rows = _table_rows([hit.row for hit in found.hits], now)
    for row, hit in zip(rows, found.hits, strict=True):
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
            context["hits_url"] = _with_query(reverse("office:queue-search"), params)
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
@require_GET
def queue_search_fragment(request):
    """What the search box finds in all the officer's queues, each dossier labelled with the
    queues holding it: htmx loads it as soon as the queue page is shown (the page's own list is
    not held up by searching everywhere); without JavaScript it is a page of its own."""
    roles = _roles(request.user)
    q = " ".join(request.GET.get("q", "").split())[:100]
    now = timezone.now()
    agencies = working_agencies(request.user)
    found = search_everywhere(
        request.user, q, names=visible_queues(roles), agencies=agencies, now=now
    )
    context = {
        "q": q,
        "hits": _hits(found, now),
        "more_hits": found.more,
        "queue": QUEUES[_queue_name(request.GET, roles)],
    }
    if request.htmx:
        return render(request, "office/_search_hits.html", context)
    context["roles"] = roles
    return _render(request, "office/search_hits.html", context)


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
