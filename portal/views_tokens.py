"""The province administrators' page of API clients and tokens (hệ thống kết nối API).

An administrator sees and manages the clients of their provinces' agencies only (superusers:
all); services in ``portal.tokens`` hold the rules. A new token's secret is shown once in the
answer to the issuing request, never stored, put in the session or redirected with.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal import tokens
from portal.forms_tokens import ApiClientForm, IssueTokenForm
from units.selectors import agencies_administered_by, provinces_administered_by


def _administrator(request) -> None:
    if not provinces_administered_by(request.user).exists():
        raise PermissionDenied


def _page(request, *, client_form=None, issue_form=None, issued=None, status=200):
    clients = tokens.clients_administered_by(request.user).order_by("agency__identifier", "name")
    token_rows = tokens.tokens_administered_by(request.user).order_by("-created_at")[:200]
    context = {
        "client_form": client_form
        or ApiClientForm(agencies=agencies_administered_by(request.user), prefix="client"),
        "issue_form": issue_form or IssueTokenForm(clients=clients, prefix="issue"),
        "clients": clients,
        "tokens": token_rows,
        "issued": issued,
        "now": timezone.now(),
    }
    return render(request, "portal/api_clients.html", context, status=status)


@never_cache
@login_required
def api_clients(request):
    _administrator(request)
    return _page(request)


@login_required
@require_POST
def api_client_new(request):
    _administrator(request)
    form = ApiClientForm(
        request.POST, agencies=agencies_administered_by(request.user), prefix="client"
    )
    if form.is_valid():
        try:
            client = tokens.api_client_create(actor=request.user, **form.cleaned_data)
        except tokens.TokenError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("System “%(name)s” registered.") % {"name": client.name})
            return redirect("portal:api-clients")
    return _page(request, client_form=form, status=400)


@never_cache
@login_required
@require_POST
def api_token_new(request):
    _administrator(request)
    clients = tokens.clients_administered_by(request.user)
    form = IssueTokenForm(request.POST, clients=clients, prefix="issue")
    if form.is_valid():
        days = form.cleaned_data["expires_in_days"]
        try:
            issued = tokens.api_token_issue(
                actor=request.user,
                client=form.cleaned_data["client"],
                scopes=form.cleaned_data["scopes"],
                expires_at=timezone.now() + dt.timedelta(days=days) if days else None,
                note=form.cleaned_data["note"],
                request=request,
            )
        except tokens.TokenError as exc:
            form.add_error(None, exc.message)
        else:
            return _page(request, issued=issued)
    return _page(request, issue_form=form, status=400)


@login_required
@require_POST
def api_token_revoke(request, pk: int):
    _administrator(request)
    token = get_object_or_404(tokens.tokens_administered_by(request.user), pk=pk)
    tokens.api_token_revoke(
        actor=request.user,
        token=token,
        reason=request.POST.get("reason", "")[:300],
        request=request,
    )
    messages.success(request, _("Token %(prefix)s revoked.") % {"prefix": token.prefix})
    return redirect("portal:api-clients")
