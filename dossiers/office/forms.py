"""Forms of the back office: one per lifecycle action, the counter intake, saved filters.

An action form checks the shape of what the officer typed (lengths, numbers, dates, a PDF)
and says in ``service_kwargs()`` what the lifecycle service receives. Whether the action may be
taken, by whom and in which state is for ``dossiers.lifecycle`` alone to decide.

Every action form carries the dossier's ``revision`` the page showed, so the lifecycle can
refuse a page made before someone else acted (``StaleDossier``).
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.lifecycle import RETURN_METHODS, Action, acting_agency
from dossiers.models import Dossier, ResultDelivery
from dossiers.models_work import PaymentMethod
from dossiers.submission import version_cases
from units.models import Agency, Membership, Role, UnitLevel

NOTE_MAX = 2000
ITEMS_MAX = 30
ITEM_MAX = 300
AMOUNT_MAX = 10**12


def _textarea(rows: int = 2) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "maxlength": NOTE_MAX})


class ActionForm(forms.Form):
    """The base of every action form: the revision the page showed, nothing else."""

    action: str = ""
    revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, dossier: Dossier, **kwargs):
        # Several action forms share one page: each gets its own element ids.
        kwargs.setdefault("auto_id", f"id_{self.action}_%s")
        kwargs["initial"] = {"revision": dossier.revision, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        self.dossier = dossier

    @property
    def label(self) -> str:
        return Action(self.action).label

    @property
    def submit_label(self) -> str:
        return self.label

    def service_kwargs(self) -> dict:
        """The keyword arguments of the lifecycle service, from the cleaned data."""
        return {"revision": self.cleaned_data["revision"]}

    def typed(self) -> dict:
        """What the officer typed (raw, as posted), to fill the form in again; a browser
        cannot be given a file back, so files are left out."""
        return {
            name: self.data.get(name)
            for name, field in self.fields.items()
            if name != "revision" and not isinstance(field, forms.FileField)
        }

    def error_field(self, name: str | None) -> str | None:
        """The form field that shows a service error about ``name`` (None: the whole form)."""
        return name if name in self.fields else None


class NoteForm(ActionForm):
    note = forms.CharField(
        label=_("Note (optional)"), required=False, max_length=NOTE_MAX, widget=_textarea()
    )

    def service_kwargs(self) -> dict:
        return {**super().service_kwargs(), "note": self.cleaned_data["note"]}


class ForwardForm(NoteForm):
    action = Action.FORWARD


class HandBackForm(NoteForm):
    action = Action.HAND_BACK


class ApproveForm(NoteForm):
    action = Action.APPROVE


class ConfirmPaymentForm(NoteForm):
    """How the obligation was paid: required, nothing preselected (the officer must choose;
    the online-payment indicator counts only "online")."""

    action = Action.CONFIRM_PAYMENT
    method = forms.ChoiceField(
        label=_("How the obligation was paid"),
        choices=PaymentMethod.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how the obligation was paid."),
            "invalid_choice": _("Choose how the obligation was paid."),
        },
    )

    field_order = ["method", "note"]

    def service_kwargs(self) -> dict:
        return {**super().service_kwargs(), "method": self.cleaned_data["method"]}


class SendBackForm(NoteForm):
    action = Action.SEND_BACK
    note = forms.CharField(
        label=_("What to correct"),
        max_length=NOTE_MAX,
        widget=_textarea(),
        error_messages={"required": _("Say what must be corrected.")},
    )


class ReasonForm(ActionForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=NOTE_MAX,
        widget=_textarea(3),
        error_messages={"required": _("Give the reason.")},
    )

    def service_kwargs(self) -> dict:
        return {**super().service_kwargs(), "reason": self.cleaned_data["reason"]}


class RefuseForm(ReasonForm):
    action = Action.REFUSE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = _("Why the dossier is refused (the applicant reads it)")


class StopForm(ReasonForm):
    action = Action.STOP

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = _("Legal reason for stopping (printed on form 05)")


class RequestSupplementForm(ReasonForm):
    action = Action.REQUEST_SUPPLEMENT
    items = forms.CharField(
        label=_("Documents asked for, one per line"),
        required=False,
        max_length=ITEMS_MAX * (ITEM_MAX + 1),
        widget=_textarea(3),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = _("What is missing and why (printed on form 02)")

    def clean_items(self) -> list[str]:
        items = [line.strip() for line in self.cleaned_data["items"].splitlines() if line.strip()]
        if len(items) > ITEMS_MAX:
            raise ValidationError(_("At most %(n)s documents.") % {"n": ITEMS_MAX})
        if any(len(item) > ITEM_MAX for item in items):
            raise ValidationError(_("At most %(n)s characters per line.") % {"n": ITEM_MAX})
        return items

    def service_kwargs(self) -> dict:
        return {**super().service_kwargs(), "items": self.cleaned_data["items"]}


class ClaimForm(ActionForm):
    action = Action.CLAIM


class IssueResultForm(ActionForm):
    """Issue the result (status 9). A written result is signed by the leader first: with their
    certificate here (the code of their authenticator app), or uploaded already signed with
    their USB token."""

    action = Action.ISSUE_RESULT
    otp_token = forms.CharField(
        label=_("Code from your authenticator app"),
        required=False,
        max_length=10,
        help_text=_("Signing with your certificate needs the 6-digit code your app shows now."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    signed_file = forms.FileField(
        label=_("Or: the result already signed with your USB token (PDF)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ".pdf,application/pdf"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.signs = self.dossier.version.written_result_required
        if not self.signs:
            del self.fields["otp_token"], self.fields["signed_file"]

    @property
    def submit_label(self) -> str:
        return _("sign and issue the result") if self.signs else self.label

    @property
    def signed_elsewhere(self) -> bool:
        return bool(self.signs and self.cleaned_data.get("signed_file"))

    def clean(self):
        cleaned = super().clean()
        if self.signs and not cleaned.get("otp_token") and not cleaned.get("signed_file"):
            self.add_error("otp_token", _("Enter the code your authenticator app shows now."))
        return cleaned

    def typed(self) -> dict:
        return {}  # a one-time code is worth nothing once used

    def error_field(self, name: str | None) -> str | None:
        return "signed_file" if name == "file" else super().error_field(name)

    def service_kwargs(self) -> dict:
        kwargs = super().service_kwargs()
        if self.signed_elsewhere:
            kwargs["upload"] = self.cleaned_data["signed_file"]
        elif self.signs:
            kwargs["otp_token"] = self.cleaned_data["otp_token"]
        return kwargs


class AssignForm(ActionForm):
    action = Action.ASSIGN
    to = forms.ChoiceField(
        label=_("Specialist"), error_messages={"required": _("Choose a specialist.")}
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        memberships = (
            Membership.objects.filter(
                agency=acting_agency(self.dossier), role=Role.SPECIALIST, is_active=True
            )
            .select_related("user")
            .order_by("user__full_name", "user__username")
        )
        self.people = {str(m.user_id): m.user for m in memberships}
        self.fields["to"].choices = [
            ("", _("— Choose a specialist —")),
            *((pk, user.get_full_name()) for pk, user in self.people.items()),
        ]

    def service_kwargs(self) -> dict:
        return {**super().service_kwargs(), "to": self.people[self.cleaned_data["to"]]}


class HandOverForm(NoteForm):
    action = Action.HAND_OVER
    to = forms.ChoiceField(label=_("Agency"), error_messages={"required": _("Choose an agency.")})

    field_order = ["to", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        here = acting_agency(self.dossier)
        unit = here.unit
        province = unit.pk if unit.level == UnitLevel.PROVINCE else unit.parent_id
        agencies = (
            Agency.objects.filter(is_active=True)
            .filter(Q(unit_id=province) | Q(unit__parent_id=province))
            .exclude(pk=here.pk)
            .order_by("name")
        )
        self.agencies = {a.identifier: a for a in agencies}
        self.fields["to"].choices = [
            ("", _("— Choose an agency of the province —")),
            *((identifier, a.name) for identifier, a in self.agencies.items()),
        ]

    def service_kwargs(self) -> dict:
        return {**super().service_kwargs(), "to": self.agencies[self.cleaned_data["to"]]}


def parse_amount(text: str) -> int:
    """An amount in đồng as officers type it: "1500000", "1.500.000", "1 500 000 đ"."""
    cleaned = re.sub(r"(?i)(đồng|đ|vnd)$", "", (text or "").strip()).strip()
    cleaned = re.sub(r"[.,\s]", "", cleaned)
    if not cleaned.isdigit():
        raise ValidationError(_("Enter the amount in đồng, digits only (e.g. 1.500.000)."))
    return int(cleaned)


class RequestPaymentForm(NoteForm):
    action = Action.REQUEST_PAYMENT
    amount = forms.CharField(
        label=_("Amount (VND)"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": _("Enter the amount in đồng.")},
    )

    field_order = ["amount", "note"]

    def clean_amount(self) -> int:
        amount = parse_amount(self.cleaned_data["amount"])
        if not 0 < amount <= AMOUNT_MAX:
            raise ValidationError(_("Enter an amount above 0 đồng."))
        return amount

    def service_kwargs(self) -> dict:
        return {**super().service_kwargs(), "amount": self.cleaned_data["amount"]}


class ExtendForm(ReasonForm):
    action = Action.EXTEND
    new_date = forms.DateField(
        label=_("New appointment: date"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        error_messages={
            "required": _("Choose the date of the new appointment."),
            "invalid": _("Enter a date as dd/mm/yyyy."),
        },
    )
    new_time = forms.TimeField(
        label=_("New appointment: time"),
        initial=dt.time(17, 0),
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
        error_messages={
            "required": _("Choose the time of the new appointment."),
            "invalid": _("Enter a time as HH:MM."),
        },
    )

    field_order = ["new_date", "new_time", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = _("Reason for the delay (printed on form 04)")

    def error_field(self, name: str | None) -> str | None:
        return "new_date" if name == "new_appointment" else super().error_field(name)

    def service_kwargs(self) -> dict:
        moment = dt.datetime.combine(self.cleaned_data["new_date"], self.cleaned_data["new_time"])
        return {
            **super().service_kwargs(),
            "new_appointment": timezone.make_aware(moment, timezone.get_default_timezone()),
        }


class AttachResultForm(ActionForm):
    """A PDF the officer uploads, or, with the "generate" button, the procedure's template."""

    action = Action.ATTACH_RESULT
    file = forms.FileField(
        label=_("Result document (PDF)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ".pdf,application/pdf"}),
    )

    def clean(self):
        cleaned = super().clean()
        self.generate = bool(self.data.get("generate"))
        if not self.generate and not cleaned.get("file") and "file" not in self.errors:
            self.add_error(
                "file", _("Choose a PDF file, or generate the result from the template.")
            )
        return cleaned

    def service_kwargs(self) -> dict:
        upload = None if self.generate else self.cleaned_data["file"]
        return {**super().service_kwargs(), "upload": upload}


RETURN_LABELS = dict(ResultDelivery.choices)


class ReturnResultForm(ActionForm):
    action = Action.RETURN_RESULT
    method = forms.ChoiceField(
        label=_("How the result was returned"),
        choices=[(m, RETURN_LABELS[m]) for m in RETURN_METHODS],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the result was returned.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.dossier.result_delivery in RETURN_METHODS:
            self.fields["method"].initial = self.dossier.result_delivery

    def service_kwargs(self) -> dict:
        return {**super().service_kwargs(), "method": self.cleaned_data["method"]}


class ReceiveForm(ActionForm):
    """The reception checklist: the case's components, each ticked with what was taken in."""

    action = Action.RECEIVE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cases = version_cases(self.dossier.version_id)
        chosen = [c for c in cases if c.pk == self.dossier.case_id] or list(cases)
        self.components = [c for case in chosen for c in case.components.all()]
        self.rows = []
        for component in self.components:
            pk = component.pk
            wanted = bool(component.originals or component.copies)
            self.fields[f"doc_{pk}"] = forms.BooleanField(
                label=component.name, required=False, initial=wanted
            )
            for kind, label in (("originals", _("Originals")), ("copies", _("Copies"))):
                self.fields[f"{kind}_{pk}"] = forms.IntegerField(
                    label=label,
                    min_value=0,
                    max_value=99,
                    initial=getattr(component, kind),
                    # Which document the count is of: its name, beside the checkbox.
                    widget=forms.NumberInput(
                        attrs={"class": "count-input", "aria-describedby": f"receive-doc-{pk}"}
                    ),
                )
            self.rows.append(
                (component, self[f"doc_{pk}"], self[f"originals_{pk}"], self[f"copies_{pk}"])
            )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        documents = [
            (c.name, data[f"originals_{c.pk}"], data[f"copies_{c.pk}"])
            for c in self.components
            if data.get(f"doc_{c.pk}")
        ]
        return {**super().service_kwargs(), "documents": documents or None}


ACTION_FORMS: dict[str, type[ActionForm]] = {
    form.action: form
    for form in (
        ReceiveForm,
        RefuseForm,
        RequestSupplementForm,
        ClaimForm,
        AssignForm,
        ForwardForm,
        SendBackForm,
        HandOverForm,
        HandBackForm,
        RequestPaymentForm,
        ConfirmPaymentForm,
        StopForm,
        ApproveForm,
        AttachResultForm,
        IssueResultForm,
        ReturnResultForm,
        ExtendForm,
    )
}
