"""Forms of the province administrators' API clients page (portal.views_tokens)."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from portal.models_tokens import TokenScope


class ApiClientForm(forms.Form):
    name = forms.CharField(label=_("System name"), max_length=120)
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=None)
    owner = forms.CharField(
        label=_("Owner account (user name)"),
        max_length=150,
        help_text=_(
            "The system acts as this account and may do what its roles allow. Use an account "
            "made for the system, with a role in the agency."
        ),
    )
    description = forms.CharField(label=_("Description"), max_length=300, required=False)

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies

    def clean_owner(self):
        username = self.cleaned_data["owner"].strip()
        owner = get_user_model().objects.filter(username=username).first()
        if owner is None:
            raise forms.ValidationError(_("No account has this user name."), code="no_owner")
        return owner


class IssueTokenForm(forms.Form):
    client = forms.ModelChoiceField(label=_("System"), queryset=None)
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=TokenScope.choices,
        initial=[TokenScope.READ],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one scope.")},
    )
    expires_in_days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=730,
        initial=90,
        required=False,
        help_text=_("Leave empty for a token that does not expire."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, clients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients
