"""Forms of the citizen's pages: the online submission and the withdrawal of a dossier.

The submission form only checks the shape of what is typed (lengths, an e-mail address); what
makes a dossier complete is decided by ``dossiers.submission.draft_submit``, whose field errors
the view adds to this form. Choices (communes, agencies) depend on the chosen province, so the
view fills them in.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from dossiers.models import ResultDelivery
from dossiers.models_documents import Rating

# What the submission form keeps in the draft as typed (DossierDraft.data).
TYPED_FIELDS = (
    "case",
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
    "applicant_email",
    "applicant_address",
    "applicant_province",
    "applicant_commune",
    "reception_agency",
    "result_delivery",
)
# The fields saved in the background while the citizen types (no file, no choice list).
AUTOSAVED_FIELDS = (
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
    "applicant_email",
    "applicant_address",
)


class SubmissionForm(forms.Form):
    case = forms.CharField(label=_("Your case"), required=False, widget=forms.RadioSelect)
    applicant_name = forms.CharField(
        label=_("Full name of the applicant"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name", "class": "js-autosave"}),
    )
    applicant_id_number = forms.CharField(
        label=_("Citizen ID (CCCD) number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "class": "js-autosave"}
        ),
    )
    applicant_phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=20,
        help_text=_("A phone number or an e-mail is needed, so the agency can reach you."),
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel", "class": "js-autosave"}
        ),
    )
    applicant_email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "class": "js-autosave"}),
    )
    applicant_address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=300,
        help_text=_("House number, street, hamlet or residential group."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address", "class": "js-autosave"}),
    )
    applicant_province = forms.CharField(
        label=_("Province or city where you live"), required=False, widget=forms.Select
    )
    applicant_commune = forms.CharField(
        label=_("Commune, ward or special zone where you live"),
        required=False,
        widget=forms.Select,
    )
    reception_agency = forms.CharField(
        label=_("Where the dossier is received"),
        required=False,
        help_text=_(
            "Optional. By default the agency that settles the procedure receives it; you may "
            "choose another service centre or commune People's Committee of your province."
        ),
        widget=forms.Select,
    )
    result_delivery = forms.ChoiceField(
        label=_("How do you want to receive the result?"),
        required=False,
        choices=ResultDelivery.choices,
        widget=forms.RadioSelect,
    )

    def __init__(
        self,
        *args,
        cases=(),
        provinces=(),
        communes=(),
        agencies=(),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["case"].widget.choices = [(str(case.pk), case.name) for case in cases]
        self.fields["applicant_province"].widget.choices = [
            ("", _("— Choose a province or city —")),
            *((unit.code, unit.name) for unit in provinces),
        ]
        self.fields["applicant_commune"].widget.choices = [
            ("", _("— Choose a commune —") if communes else _("— Choose the province first —")),
            *communes,
        ]
        self.fields["reception_agency"].widget.choices = [
            ("", _("The agency that settles the procedure (default)")),
            *agencies,
        ]


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you withdraw the dossier?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason for withdrawing the dossier.")},
    )


class RatingForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("How satisfied are you with how your dossier was settled?"),
        choices=Rating.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose one of the ratings.")},
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TrackingForm(forms.Form):
    code = forms.CharField(
        label=_("Dossier code"),
        max_length=40,
        help_text=_("As printed on the receipt, for example 000.00.01.H22-251103-0042."),
        error_messages={"required": _("Enter the dossier code.")},
    )
    secret = forms.CharField(
        label=_("Tracking secret"),
        max_length=20,
        help_text=_("The 8 letters and digits printed under the code on the receipt."),
        error_messages={"required": _("Enter the tracking secret.")},
    )
