"""Administrative units of the two-tier model, their agencies and staff memberships.

The official code is the key and is never reused (Decision 19/2025/QĐ-TTg): 2 digits for a
province, 5 for a commune, 3 for a former district. Names and types change; the history
of each change is kept in ``UnitRevision``.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class UnitType(models.TextChoices):
    PROVINCE = "province", _("province")
    CITY = "city", _("centrally-run city")
    COMMUNE = "commune", _("commune")
    WARD = "ward", _("ward")
    SPECIAL_ZONE = "special_zone", _("special zone")
    FORMER_DISTRICT = "former_district", _("former district")


class UnitLevel(models.TextChoices):
    PROVINCE = "province", _("province level")
    COMMUNE = "commune", _("commune level")
    FORMER_DISTRICT = "former_district", _("former district level")


LEVEL_OF_TYPE = {
    UnitType.PROVINCE: UnitLevel.PROVINCE,
    UnitType.CITY: UnitLevel.PROVINCE,
    UnitType.COMMUNE: UnitLevel.COMMUNE,
    UnitType.WARD: UnitLevel.COMMUNE,
    UnitType.SPECIAL_ZONE: UnitLevel.COMMUNE,
    UnitType.FORMER_DISTRICT: UnitLevel.FORMER_DISTRICT,
}
CODE_LENGTH_OF_LEVEL = {UnitLevel.PROVINCE: 2, UnitLevel.COMMUNE: 5, UnitLevel.FORMER_DISTRICT: 3}


class Unit(models.Model):
    """A province, a commune or a dissolved district (đơn vị hành chính)."""

    code = models.CharField(
        _("code"),
        max_length=5,
        primary_key=True,
        validators=[RegexValidator(r"^(\d{2}|\d{3}|\d{5})$", _("2, 3 or 5 digits."))],
    )
    name = models.CharField(_("name"), max_length=120)
    type = models.CharField(_("type"), max_length=20, choices=UnitType.choices)
    level = models.CharField(_("level"), max_length=20, choices=UnitLevel.choices, editable=False)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    # Accent-folded name, kept with the row so search is one indexed LIKE on any database.
    search_name = models.CharField(max_length=120, editable=False, db_index=True)
    successors = models.ManyToManyField(
        "self",
        through="Succession",
        symmetrical=False,
        related_name="predecessors",
        verbose_name=_("successor units"),
    )

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "parent", "code"], name="unit_level_parent_code")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="unit_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


class UnitRevision(models.Model):
    """A name or type a unit held until a change replaced it (history, never edited)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="revisions")
    name = models.CharField(_("name"), max_length=120)
    type = models.CharField(_("type"), max_length=20, choices=UnitType.choices)
    new_name = models.CharField(_("new name"), max_length=120)
    new_type = models.CharField(_("new type"), max_length=20, choices=UnitType.choices)
    changed_on = models.DateField(_("changed on"))
    source = models.CharField(_("source"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("unit revision")
        verbose_name_plural = _("unit revisions")
        ordering = ["unit", "-changed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.name} → {self.new_name}"


class Succession(models.Model):
    """A former district's territory (all or part) taken in by a new commune."""

    predecessor = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    successor = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    effective_on = models.DateField(_("effective on"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("succession")
        verbose_name_plural = _("successions")
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"], name="succession_unique_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.predecessor_id} → {self.successor_id}"


class AgencyKind(models.TextChoices):
    PROVINCE_DEPARTMENT = "province_department", _("department of the province")
    PROVINCE_SERVICE_CENTRE = (
        "province_service_centre",
        _("provincial public-administration service centre"),
    )
    COMMUNE_COMMITTEE = "commune_committee", _("commune People's Committee")
    COMMUNE_SERVICE_CENTRE = (
        "commune_service_centre",
        _("commune public-administration service centre"),
    )
    FORMER_DISTRICT_COMMITTEE = (
        "former_district_committee",
        _("district People's Committee (dissolved)"),
    )
    OTHER = "other", _("other agency")


agency_identifier_validator = RegexValidator(
    r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$",
    _("An electronic identifier looks like 000.00.01.H22."),
)


class Agency(models.Model):
    """A state agency that receives or settles procedures (cơ quan, đơn vị)."""

    identifier = models.CharField(
        _("electronic identifier"),
        max_length=13,
        unique=True,
        validators=[agency_identifier_validator],
        help_text=_("The agency's electronic identifier, e.g. 000.00.01.H22."),
    )
    name = models.CharField(_("name"), max_length=250)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="agencies", verbose_name=_("unit")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=AgencyKind.choices)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    search_name = models.CharField(max_length=250, editable=False, db_index=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["unit_id", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    RECEIVER = "receiver", _("one-stop receiver")
    SPECIALIST = "specialist", _("specialist")
    DEPARTMENT_HEAD = "department_head", _("department head")
    LEADER = "leader", _("leader (signs)")
    PROVINCE_ADMIN = "province_admin", _("province administrator")
    AUDITOR = "auditor", _("auditor (read-only)")


class Membership(models.Model):
    """A staff member's role in an agency; a person may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("agency")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "role"], name="membership_unique_role"
            )
        ]
        indexes = [models.Index(fields=["agency", "role"], name="membership_agency_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.agency}"
