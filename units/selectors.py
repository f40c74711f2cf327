"""Read paths of the unit registry. The registry is public: no visibility filter applies."""

from django.db.models import Count, Q, QuerySet

from units.models import Agency, Membership, Role, Unit, UnitLevel
from units.text import fold


def unit_list(
    *,
    level: str | None = None,
    parent: str | None = None,
    type: str | None = None,
    search: str | None = None,
    include_former: bool = False,
) -> QuerySet[Unit]:
    """Units filtered as the browser and the API ask; current units only unless asked."""
    qs = Unit.objects.select_related("parent")
    if not include_former and level != UnitLevel.FORMER_DISTRICT:
        qs = qs.exclude(level=UnitLevel.FORMER_DISTRICT)
    if level:
        qs = qs.filter(level=level)
    if parent:
        qs = qs.filter(parent_id=parent)
    if type:
        qs = qs.filter(type=type)
    if search:
        qs = unit_search(qs, search)
    return qs.order_by("code")


def unit_search(qs: QuerySet[Unit], text: str) -> QuerySet[Unit]:
    """Accent-insensitive search on the name (every word must appear), or an exact code."""
    folded = fold(text)
    if folded.isdigit():
        return qs.filter(Q(code=folded) | Q(search_name__contains=folded))
    condition = Q()
    for word in folded.split():
        condition &= Q(search_name__contains=word)
    return qs.filter(condition)


def province_list_with_counts() -> QuerySet[Unit]:
    return (
        Unit.objects.filter(level=UnitLevel.PROVINCE)
        .annotate(
            commune_count=Count(
                "children", filter=Q(children__level=UnitLevel.COMMUNE), distinct=True
            ),
            agency_count=Count("agencies", distinct=True),
        )
        .order_by("code")
    )


def unit_detail(*, code: str) -> Unit:
    """One unit with its parent; raises Unit.DoesNotExist."""
    return Unit.objects.select_related("parent").get(code=code)


def unit_agencies(*, unit: Unit) -> QuerySet[Agency]:
    return Agency.objects.filter(unit=unit, is_active=True).order_by("kind", "name")


def agency_list(
    *,
    unit: str | None = None,
    province: str | None = None,
    kind: str | None = None,
    search: str | None = None,
) -> QuerySet[Agency]:
    qs = Agency.objects.select_related("unit", "unit__parent").filter(is_active=True)
    if unit:
        qs = qs.filter(unit_id=unit)
    if province:
        qs = qs.filter(Q(unit_id=province) | Q(unit__parent_id=province))
    if kind:
        qs = qs.filter(kind=kind)
    if search:
        for word in fold(search).split():
            qs = qs.filter(search_name__contains=word)
    return qs.order_by("unit_id", "kind", "name")


def agency_detail(*, identifier: str) -> Agency:
    return Agency.objects.select_related("unit", "unit__parent").get(identifier=identifier)


def memberships_of(*, user) -> QuerySet[Membership]:
    """A user's active memberships, with their agencies and units."""
    return (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("agency", "agency__unit")
        .order_by("agency__name", "role")
    )


def active_memberships(user) -> list[tuple[int, str]]:
    """``(agency id, role)`` of the user's active memberships.

    Read once per user object, that is once per request: the staff check, the queues and the
    office's header all ask, and the answer cannot change while a request is served.
    """
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_active_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, is_active=True).values_list("agency_id", "role")
        )
        user._active_memberships = cached
    return cached


def user_is_staff_member(user) -> bool:
    """True for anyone who works in the back office (memberships, admin or superuser)."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return bool(active_memberships(user))


def provinces_of_province_admin(user) -> QuerySet[Unit]:
    """The provinces where ``user`` holds an active province-administrator membership: the
    province unit of each such membership's agency (the agency's own unit when it sits at the
    province, its parent when it sits in a commune). The one place this rule is written."""
    provinces = Unit.objects.filter(level=UnitLevel.PROVINCE)
    if not user.is_authenticated:
        return provinces.none()
    units = Membership.objects.filter(user=user, is_active=True, role=Role.PROVINCE_ADMIN).values(
        "agency__unit_id"
    )
    return provinces.filter(
        Q(code__in=units) | Q(code__in=Unit.objects.filter(code__in=units).values("parent_id"))
    )


def provinces_administered_by(user) -> QuerySet[Unit]:
    """Provinces whose catalogue, staff and sync ``user`` administers (superusers: all)."""
    if user.is_authenticated and user.is_superuser:
        return Unit.objects.filter(level=UnitLevel.PROVINCE)
    return provinces_of_province_admin(user)


def agencies_of_provinces(provinces: QuerySet[Unit]) -> QuerySet[Agency]:
    """The agencies of ``provinces``: the provinces' own and those of their communes."""
    codes = provinces.values("code")
    return Agency.objects.filter(Q(unit_id__in=codes) | Q(unit__parent_id__in=codes))


def agencies_administered_by(user) -> QuerySet[Agency]:
    """The agencies of the provinces ``user`` administers (superusers: all)."""
    return agencies_of_provinces(provinces_administered_by(user))


def user_administers_province(user, province_code: str) -> bool:
    return provinces_administered_by(user).filter(code=province_code).exists()
