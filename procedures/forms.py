from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from procedures.models import Field, Level, OnlineLevel, ReassignmentBatch
from units.models import Agency, Unit, UnitLevel


class CatalogueSearchForm(forms.Form):
    q = forms.CharField(label=_("Search procedures"), required=False, max_length=200)
    field = forms.ModelChoiceField(
        label=_("Field"), queryset=Field.objects.all(), required=False, empty_label=_("All fields")
    )
    level = forms.ChoiceField(
        label=_("Level"),
        required=False,
        choices=[
            ("", _("All levels")),
            (Level.PROVINCE, _("province level")),
            (Level.COMMUNE, _("commune level")),
        ],
    )
    online_level = forms.ChoiceField(
        label=_("Online"),
        required=False,
        choices=[("", _("Any")), *OnlineLevel.choices],
    )
    province = forms.ModelChoiceField(
        label=_("Province"),
        required=False,
        to_field_name="code",
        empty_label=_("All provinces"),
        queryset=Unit.objects.filter(level=UnitLevel.PROVINCE).order_by("name"),
    )
    agency = forms.ModelChoiceField(
        label=_("Agency"),
        required=False,
        to_field_name="identifier",
        empty_label=_("All agencies"),
        queryset=Agency.objects.none(),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The agencies of the chosen province; without one, the province-level agencies only
        # (a list of every commune's agency would be thousands long).
        agencies = Agency.objects.filter(is_active=True).select_related("unit")
        province = (self.data.get("province") or "").strip()
        if province:
            agencies = agencies.filter(Q(unit_id=province) | Q(unit__parent_id=province))
        else:
            agencies = agencies.filter(unit__level=UnitLevel.PROVINCE)
        self.fields["agency"].queryset = agencies.exclude(
            unit__level=UnitLevel.FORMER_DISTRICT
        ).order_by("name")


class ReassignmentForm(forms.Form):
    """What to move, where to, from when and why (the preview and the commit read the same)."""

    procedures = forms.MultipleChoiceField(
        label=_("Procedures to move"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one procedure.")},
    )
    target = forms.ChoiceField(
        label=_("Move to"),
        choices=ReassignmentBatch.Target.choices,
        widget=forms.RadioSelect,
        initial=ReassignmentBatch.Target.ALL_COMMUNES,
    )
    target_agency = forms.ModelChoiceField(
        label=_("Province agency"),
        queryset=Agency.objects.none(),
        required=False,
        to_field_name="identifier",
    )
    target_communes = forms.ModelMultipleChoiceField(
        label=_("Communes"),
        queryset=Unit.objects.none(),
        required=False,
        to_field_name="code",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    effective_on = forms.DateField(
        label=_("Effective date"),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Choose the effective date."),
            "invalid": _("Enter a date as dd/mm/yyyy."),
        },
    )
    reason = forms.CharField(
        label=_("Reason (decree or decision)"),
        max_length=500,
        error_messages={
            "required": _("Give the reason: the decree or decision behind the change.")
        },
    )

    def __init__(self, *args, province: Unit, procedures, **kwargs):
        super().__init__(*args, **kwargs)
        self.province = province
        self.fields["procedures"].choices = [(p.code, f"{p.code} {p.name}") for p in procedures]
        self.fields["target_agency"].queryset = Agency.objects.filter(unit=province, is_active=True)
        self.fields["target_communes"].queryset = Unit.objects.filter(
            parent=province, level=UnitLevel.COMMUNE
        ).order_by("name")


class RevertForm(forms.Form):
    reason = forms.CharField(
        label=_("Why revert?"),
        max_length=500,
        error_messages={"required": _("Give the reason for reverting.")},
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Catalogue file (.json, .csv or .xlsx)"),
        error_messages={"required": _("Choose a file.")},
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: only show what would change"), required=False, initial=True
    )
