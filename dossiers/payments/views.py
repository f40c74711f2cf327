"""Pages and endpoints of fees: the citizen's pay page and return page, the payment platform's
callback, the e-receipt, and the desk's payment and refund forms. Thin adapters: a form or the
callback body, one service or selector, a page."""

from __future__ import annotations

import json
import logging

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from dossiers.errors import DossierError
from dossiers.models_payments import GatewayCallback, Payment
from dossiers.models_work import PaymentMethod
from dossiers.payments import receipt, selectors, services
from dossiers.selectors import dossier_visible_to, dossiers_of_applicant
from portal.clientip import client_ip
from procedures.models import ExemptGroup

logger = logging.getLogger("dossiers.payments")
citizen_required = login_required(login_url="portal:eid-login")
office_login = login_required(login_url="portal:login")
ANSWERS = {
    GatewayCallback.Outcome.ACCEPTED: (200, "00"),
    GatewayCallback.Outcome.FAILED: (200, "00"),
    GatewayCallback.Outcome.DUPLICATE: (200, "02"),
    GatewayCallback.Outcome.FORGED: (401, "97"),
    GatewayCallback.Outcome.UNKNOWN_ORDER: (404, "91"),
    GatewayCallback.Outcome.WRONG_AMOUNT: (400, "04"),
    GatewayCallback.Outcome.WRONG_DOSSIER: (400, "05"),
    GatewayCallback.Outcome.LATE: (409, "93"),
    GatewayCallback.Outcome.MALFORMED: (400, "99"),
}


def _own(request, code: str):
    return get_object_or_404(
        dossiers_of_applicant(request.user).select_related("version"), code=code
    )


# --- The citizen ---------------------------------------------------------------------------------


@citizen_required
def pay_page(request, code: str):
    """What is due and why, the attempts so far, and the button to pay online."""
    dossier = _own(request, code)
    if request.method == "POST":
        try:
            if request.POST.get("exemption"):
                services.obligation_claim_exemption(
                    dossier=dossier, actor=request.user, group=request.POST["exemption"]
                )
                messages.success(
                    request, _("Your exemption is recorded: the desk checks its proof.")
                )
                return redirect("dossiers:detail", code=dossier.code)
            payment = services.order_start(
                dossier=dossier,
                actor=request.user,
                return_url=request.build_absolute_uri(reverse("payments:return")),
                callback_url=request.build_absolute_uri(reverse("payments:callback")),
            )
        except DossierError as exc:
            messages.error(request, str(exc.message))
            return redirect("payments:pay", code=dossier.code)
        # Not a redirect: the browser would check it against our pages' form-action policy.
        return render(request, "payments/redirect.html", {"payment": payment})
    context = selectors.payment_summary(dossier)
    context["dossier"] = dossier
    context["exempt_groups"] = [
        (g, ExemptGroup(g).label)
        for g in dossier.version.fee_exemptions.values_list("group", flat=True)
    ]
    return render(request, "payments/pay.html", context)


@citizen_required
def return_page(request):
    """Where the payment platform sends the citizen back: the outcome as this portal knows it
    (only the signed callback settles a payment; the query string is never trusted)."""
    reference = request.GET.get("order_ref", "")
    payment = (
        Payment.objects.filter(reference=reference, dossier__applicant=request.user)
        .select_related("dossier", "obligation")
        .first()
    )
    if payment is None:
        raise Http404
    return render(
        request,
        "payments/return.html",
        {"payment": payment, "dossier": payment.dossier, "said": request.GET.get("status", "")},
    )


@csrf_exempt
@require_POST
def callback(request):
    """The payment platform's result (server to server): signed JSON, idempotent."""
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        body = request.body.decode("utf-8", "replace")
    log = services.callback_receive(body=body, remote_addr=client_ip(request))
    status, code = ANSWERS[log.outcome]
    return JsonResponse({"error_code": code, "message": log.outcome}, status=status)


def _receipt(payment: Payment) -> HttpResponse:
    response = HttpResponse(receipt.e_receipt_pdf(payment=payment), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bien-lai-{payment.reference}.pdf"'
    return response


@citizen_required
def citizen_receipt(request, code: str, reference: str):
    dossier = _own(request, code)
    payment = get_object_or_404(dossier.payments, reference=reference, state=Payment.State.PAID)
    return _receipt(payment)


# --- The desk ------------------------------------------------------------------------------------


class RecordPaymentForm(forms.Form):
    method = forms.ChoiceField(
        label=gettext_lazy("How the fee was paid"),
        choices=[(m, PaymentMethod(m).label) for m in services.DESK_METHODS],
    )
    amount = forms.IntegerField(label=gettext_lazy("Amount (VND)"), min_value=1)
    reference = forms.CharField(
        label=gettext_lazy("Receipt or transfer reference"), max_length=64, required=False
    )


class RefundForm(forms.Form):
    method = forms.ChoiceField(
        label=gettext_lazy("How the money was paid back"), choices=PaymentMethod.choices
    )
    reference = forms.CharField(
        label=gettext_lazy("Receipt or transfer reference"), max_length=64, required=False
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


def _office_dossier(request, code: str):
    return get_object_or_404(dossier_visible_to(request.user).select_related("version"), code=code)


def _desk_action(request, code: str, form_class, service, done: str):
    dossier = _office_dossier(request, code)
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    else:
        try:
            service(dossier=dossier, actor=request.user, **form.cleaned_data)
        except DossierError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, done)
    return redirect("office:dossier", code=dossier.code)


@office_login
@require_POST
def office_record(request, code: str):
    return _desk_action(
        request, code, RecordPaymentForm, services.payment_record, _("The payment is recorded.")
    )


@office_login
@require_POST
def office_refund(request, code: str):
    return _desk_action(
        request, code, RefundForm, services.refund_record, _("The refund is recorded.")
    )


@office_login
def office_receipt(request, code: str, reference: str):
    dossier = _office_dossier(request, code)
    payment = get_object_or_404(dossier.payments, reference=reference, state=Payment.State.PAID)
    return _receipt(payment)
