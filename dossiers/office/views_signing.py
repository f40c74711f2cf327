"""Ký số hàng loạt: a leader signs several results awaiting signature with one second factor.

Each result is signed and issued on its own (dossiers.lifecycle.sign_batch): one that fails is
named with its reason and the others stay done.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from dossiers.errors import DossierError
from dossiers.office.queues import queue_filter, working_agencies
from dossiers.office.views import _render, staff_only
from dossiers.selectors import dossier_visible_to

BATCH_MAX = 200


def awaiting_signature(user):
    """The dossiers awaiting signature at the agencies where ``user`` works, soonest due first."""
    agencies = working_agencies(user)
    return (
        dossier_visible_to(user)
        .filter(queue_filter("signature", user, agencies, timezone.now()))
        .select_related("procedure", "agency")
        .order_by("appointment_at", "id")
    )


class SignBatchForm(forms.Form):
    codes = forms.MultipleChoiceField(
        label=gettext_lazy("Results to sign"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Tick at least one result to sign.")},
    )
    otp_token = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        max_length=10,
        help_text=gettext_lazy("One code confirms every result you ticked."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        error_messages={
            "required": gettext_lazy("Enter the code your authenticator app shows now.")
        },
    )

    def __init__(self, *args, codes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["codes"].choices = [(code, code) for code in codes]


def sign_batch_run(*, user, codes: list[str], otp_token: str):
    """Sign the chosen dossiers (only those visible to ``user``; unknown codes are named)."""
    from dossiers.lifecycle import sign_batch

    found = {d.code: d for d in dossier_visible_to(user).filter(code__in=codes)}
    outcome = sign_batch(
        dossiers=[found[c] for c in codes if c in found], actor=user, otp_token=otp_token
    )
    outcome.failed.extend((c, _("No such dossier among yours.")) for c in codes if c not in found)
    return outcome


@staff_only
@require_http_methods(["GET", "POST"])
def sign_batch_page(request):
    """The leader's batch: tick results awaiting signature, confirm once, see each outcome."""
    from signatures.services import has_authenticator

    waiting = list(awaiting_signature(request.user)[:BATCH_MAX])
    codes = [d.code for d in waiting]
    form = SignBatchForm(request.POST or None, codes=codes)
    outcome, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                outcome = sign_batch_run(
                    user=request.user,
                    codes=form.cleaned_data["codes"],
                    otp_token=form.cleaned_data["otp_token"],
                )
            except DossierError as exc:
                form.add_error("otp_token", str(exc.message))
                status = 400
            else:
                waiting = list(awaiting_signature(request.user)[:BATCH_MAX])
                form = SignBatchForm(codes=[d.code for d in waiting])
        else:
            status = 400
    return _render(
        request,
        "office/sign_batch.html",
        {
            "form": form,
            "waiting": waiting,
            "outcome": outcome,
            "has_authenticator": has_authenticator(request.user),
            "checked": set(request.POST.getlist("codes")) if status == 400 else set(),
        },
        status=status,
    )
