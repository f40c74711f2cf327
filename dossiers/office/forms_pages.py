"""The back office's forms beside the action forms (``forms``): a saved queue filter, the
dashboard's agency filter, and counter intake.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dossiers.models import ResultDelivery
from dossiers.office.queues import QUEUES
from dossiers.submission import commune_by_code, required_components, version_cases
from dossiers.uploads import check_upload
from portal.validators import cccd_validator

# --- Queues --------------------------------------------------------------------------------------


class SavedFilterForm(forms.Form):
    """Keep the queue and search on screen under a name (the same name replaces it)."""

    name = forms.CharField(
        label=_("Name of the filter"),
        max_length=80,
        error_messages={"required": _("Give the filter a name.")},
    )
    queue = forms.ChoiceField(choices=[(name, name) for name in QUEUES], widget=forms.HiddenInput)
    q = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "filter_%s")
        super().__init__(*args, **kwargs)

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())


class DashboardFilterForm(forms.Form):
    """Narrow the dashboard to one of the agencies the viewer may read."""

    agency = forms.ChoiceField(
        label=_("Agency"),
        required=False,
        error_messages={
            "invalid_choice": _(
                "Choose an agency from the list: the dashboard shows only the agencies "
                "whose figures you may read."
            )
        },
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.agencies = {a.identifier: a for a in agencies}
        self.fields["agency"].choices = [
            ("", _("All my agencies")),
            *((a.identifier, a.name) for a in agencies),
        ]


# --- Counter intake ------------------------------------------------------------------------------


class IntakeForm(forms.Form):
    """A walk-in applicant's dossier, typed in at the one-stop desk, with its scanned papers.

    The files are checked as online submissions are (type from the content, size); each
    problem is named at its component's field.
    """

    procedure = forms.CharField(widget=forms.HiddenInput)
    reception_agency = forms.ChoiceField(label=_("Received by"))
    case = forms.ChoiceField(label=_("Case"), widget=forms.RadioSelect)
    applicant_name = forms.CharField(
        label=_("Full name of the applicant"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _("Enter the applicant's full name.")},
    )
    applicant_id_number = forms.CharField(
        label=_("Citizen ID (CCCD) number"),
        max_length=12,
        validators=[cccd_validator],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": _("Enter the applicant's 12-digit CCCD number.")},
    )
    applicant_phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    applicant_email = forms.EmailField(label=_("E-mail"), required=False, max_length=254)
    applicant_address = forms.CharField(label=_("Address"), required=False, max_length=300)
    applicant_commune = forms.CharField(
        label=_("Commune where the applicant lives (5-digit code)"),
        max_length=5,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": _("Enter the 5-digit code of the applicant's commune.")},
    )
    result_delivery = forms.ChoiceField(
        label=_("How the applicant receives the result"),
        choices=ResultDelivery.choices,
        initial=ResultDelivery.COUNTER,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, version, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version
        self.cases = list(version_cases(version.pk))
        self.fields["case"].choices = [(str(c.pk), c.name) for c in self.cases]
        if self.cases and not self.initial.get("case"):
            self.initial["case"] = str(self.cases[0].pk)
        self.agencies = {a.identifier: a for a in agencies}
        self.fields["reception_agency"].choices = [(a.identifier, a.name) for a in agencies]
        self.uploads: list = []
        self.file_errors: dict[int, list[str]] = {}

    def clean_applicant_commune(self):
        code = self.cleaned_data["applicant_commune"].strip()
        commune = commune_by_code(code) if code.isdigit() and len(code) == 5 else None
        if commune is None:
            raise ValidationError(_("No commune has this code: enter its 5 digits."))
        return commune

    def chosen_case(self):
        wanted = str(self.data.get("case") or self.initial.get("case") or "")
        return next((c for c in self.cases if str(c.pk) == wanted), None)

    def check_files(self, files) -> None:
        """Check each required component's scan; ``self.uploads`` holds the accepted ones."""
        case = self.chosen_case()
        total = 0
        for component in required_components(self.version, case):
            upload = files.get(f"file-{component.pk}")
            if upload is None:
                self.file_errors[component.pk] = [_("Scan and attach this document.")]
                continue
            try:
                info = check_upload(upload, already_stored=total)
            except ValidationError as exc:
                self.file_errors[component.pk] = exc.messages
                continue
            total += info.size
            self.uploads.append((component, upload, info))

    def document_rows(self) -> list[dict]:
        """Each case's components to scan, with the error of each."""
        return [
            {
                "case": case,
                "components": [
                    {"component": c, "errors": self.file_errors.get(c.pk, [])}
                    for c in required_components(self.version, case)
                ],
            }
            for case in self.cases
        ]
