"""The leader's dashboard and the officer's in-app notices."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dossiers.models import Status
from dossiers.models_work import Notice
from dossiers.office.dashboard import agency_dashboard
from dossiers.office.forms_pages import DashboardFilterForm
from dossiers.office.views import _forbidden, _render, staff_only
from units.models import Agency, Membership, Role
from units.selectors import agencies_of_provinces, provinces_of_province_admin

NOTICES_PER_PAGE = 30

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
    open; the others are counted per agency (``dashboard``). An ``agency`` outside the
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
