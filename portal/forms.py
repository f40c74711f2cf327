from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class StaffLoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "The user name or password is wrong. After several failed attempts the account is "
            "locked for a while."
        ),
        "inactive": _("This account is disabled."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("User name")
        self.fields["password"].label = _("Password")


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}
        ),
        error_messages={
            "required": _("Enter the 6-digit code."),
            "min_length": _("The code has 6 digits."),
            "max_length": _("The code has 6 digits."),
        },
    )

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError(_("The code has 6 digits."), code="token_format")
        return token
