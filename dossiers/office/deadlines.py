"""The daily deadline round: officers hear what falls due within 2 working days, leaders what
is overdue (an e-mail and an in-app notice each, once a day).

Run by Celery beat every morning (``dossiers.tasks.notify_deadlines``). A second run on the
same day sends nothing more: each notice's kind carries the day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dossiers.models import Dossier, acting_agency_id
from dossiers.models_work import Notice
from dossiers.office.queues import IN_HAND, due_soon_limit
from units.models import Membership, Role


@dataclass
class RoundReport:
    due_soon_users: int = 0
    overdue_users: int = 0
    notices: int = 0
    emails: int = 0


def _acting(row: dict) -> int:
    """The agency that acts on a dossier row (values of status, reception, holder, agency)."""
    return acting_agency_id(
        status=row["status"],
        reception_agency_id=row["reception_agency_id"],
        holder_agency_id=row["holder_agency_id"],
        agency_id=row["agency_id"],
    )


def _members(agency_ids, roles) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    for agency_id, user_id in Membership.objects.filter(
        agency_id__in=agency_ids, role__in=roles, is_active=True
    ).values_list("agency_id", "user_id"):
        found[agency_id].add(user_id)
    return found


def deadline_round(*, now: dt.datetime | None = None) -> RoundReport:
    """Tell each officer how many of their dossiers fall due soon, each leader how many of
    their agency's dossiers are overdue."""
    now = now or timezone.now()
    day = timezone.localtime(now).date().isoformat()
    report = RoundReport()
    fields = ("status", "reception_agency_id", "holder_agency_id", "agency_id", "assignee_id")

    due: dict[int, int] = defaultdict(int)
    unassigned: dict[int, int] = defaultdict(int)
    soon = (
        Dossier.objects.filter(
            status__in=IN_HAND, appointment_at__gte=now, appointment_at__lte=due_soon_limit(now)
        )
        .values(*fields)
        .annotate(n=Count("id"))
    )
    for row in soon:
        if row["assignee_id"]:
            due[row["assignee_id"]] += row["n"]
        else:
            unassigned[_acting(row)] += row["n"]
    working = (Role.RECEIVER, Role.SPECIALIST, Role.DEPARTMENT_HEAD, Role.LEADER)
    for agency_id, users in _members(unassigned, working).items():
        for user_id in users:
            due[user_id] += unassigned[agency_id]

    late: dict[int, int] = defaultdict(int)
    overdue = (
        Dossier.objects.filter(status__in=IN_HAND, appointment_at__lt=now)
        .values(*fields)
        .annotate(n=Count("id"))
    )
    per_agency: dict[int, int] = defaultdict(int)
    for row in overdue:
        per_agency[_acting(row)] += row["n"]
    for agency_id, users in _members(per_agency, (Role.LEADER,)).items():
        for user_id in users:
            late[user_id] += per_agency[agency_id]

    report.due_soon_users = len(due)
    report.overdue_users = len(late)
    users = get_user_model().objects.in_bulk(set(due) | set(late))
    for kind, counts, queue in (("due_soon", due, "due_soon"), ("overdue", late, "overdue")):
        already = set(
            Notice.objects.filter(kind=f"{kind}:{day}", user_id__in=counts).values_list(
                "user_id", flat=True
            )
        )
        for user_id, count in counts.items():
            if user_id in already or user_id not in users:
                continue
            sent = _tell(users[user_id], kind=kind, day=day, count=count, queue=queue)
            report.notices += 1
            report.emails += sent
    return report


def _tell(user, *, kind: str, day: str, count: int, queue: str) -> int:
    with translation.override(settings.LANGUAGE_CODE):
        if kind == "due_soon":
            text = ngettext(
                "%(count)d dossier falls due within 2 working days.",
                "%(count)d dossiers fall due within 2 working days.",
                count,
            ) % {"count": count}
        else:
            text = ngettext(
                "%(count)d dossier of your agency is overdue.",
                "%(count)d dossiers of your agency are overdue.",
                count,
            ) % {"count": count}
        url = f"{reverse('office:queues')}?queue={queue}" if _office_ready() else ""
        Notice.objects.create(user=user, kind=f"{kind}:{day}", text=text, url=url)
        if not user.email:
            return 0
        link = f"{settings.SITE_URL.rstrip('/')}{url}" if url else settings.SITE_URL
        send_mail(
            _("Deadlines of %(day)s") % {"day": day}, f"{text}\n\n{link}\n", None, [user.email]
        )
    return 1


def _office_ready() -> bool:
    from django.urls import NoReverseMatch

    try:
        reverse("office:queues")
    except NoReverseMatch:
        return False
    return True
