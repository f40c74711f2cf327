"""API tokens from the command line, for operators and scripts.

    manage.py api_token issue --agency 229.18.01.H68 --client "Một cửa tỉnh" --owner api.motcua \\
        --scope read --scope write --expires-in-days 90
    manage.py api_token revoke ptk_abcdefghij --reason "Máy chủ cũ ngừng hoạt động"
    manage.py api_token list [--agency 229.18.01.H68] [--all]

``issue`` prints the token alone on standard output (``TOKEN=$(manage.py api_token issue …)``)
and the rest on standard error; it is never shown again. The client is made on first use with
``--owner``. ``--by`` names the administrator on whose behalf the operator acts (recorded in the
audit and held to that administrator's provinces); without it the actor is the operator.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from portal import tokens
from portal.models_tokens import ApiClient, ApiToken, TokenScope
from units.models import Agency


class Command(BaseCommand):
    help = "Issue, revoke or list the API tokens of systems (clients of an agency)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        issue = sub.add_parser("issue", help="issue a token (the client is made if new)")
        issue.add_argument("--agency", required=True, help="agency identifier, e.g. 000.00.01.H22")
        issue.add_argument("--client", required=True, help="the client's name in the agency")
        issue.add_argument("--owner", help="user name of the owner account (new client only)")
        issue.add_argument(
            "--scope", action="append", choices=TokenScope.values, required=True, dest="scopes"
        )
        issue.add_argument("--expires-in-days", type=int, help="none: the token never expires")
        issue.add_argument("--note", default="")
        issue.add_argument("--by", help="user name of the administrator issuing")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("prefix", help="the token's prefix, e.g. ptk_abcdefghij")
        revoke.add_argument("--reason", default="")
        revoke.add_argument("--by", help="user name of the administrator revoking")
        listing = sub.add_parser("list", help="list tokens (usable ones unless --all)")
        listing.add_argument("--agency", help="only this agency's clients")
        listing.add_argument("--all", action="store_true", help="also revoked and expired")

    def handle(self, *args, verb, **options):
        try:
            getattr(self, f"_{verb}")(**options)
        except tokens.TokenError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc

    def _user(self, username: str | None):
        if not username:
            return None
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user named {username!r}") from None

    @transaction.atomic
    def _issue(self, *, agency, client, owner, scopes, expires_in_days, note, by, **_options):
        actor = self._user(by)
        try:
            agency_obj = Agency.objects.get(identifier=agency)
        except Agency.DoesNotExist:
            raise CommandError(f"no agency {agency!r}") from None
        found = ApiClient.objects.filter(agency=agency_obj, name=client).first()
        if found is None:
            if not owner:
                raise CommandError("a new client needs --owner (the account it acts as)")
            found = tokens.api_client_create(
                actor=actor, agency=agency_obj, owner=self._user(owner), name=client
            )
            self.stderr.write(f"client {found.pk} made: {client} ({agency}), owner {owner}")
        elif owner and found.owner.username != owner:
            raise CommandError(f"client {client!r} is owned by {found.owner.username}")
        expires = None
        if expires_in_days is not None:
            if expires_in_days <= 0:
                raise CommandError("--expires-in-days must be positive")
            expires = timezone.now() + dt.timedelta(days=expires_in_days)
        issued = tokens.api_token_issue(
            actor=actor, client=found, scopes=scopes, expires_at=expires, note=note
        )
        when = f"expires {expires:%Y-%m-%d %H:%M} UTC" if expires else "no expiry"
        self.stderr.write(
            f"token {issued.token.prefix} issued ({issued.token.scopes}; {when}); "
            "copy it now, it is not shown again:"
        )
        self.stdout.write(issued.secret)

    def _revoke(self, *, prefix, reason, by, **_options):
        token = ApiToken.objects.select_related("client__agency").filter(prefix=prefix).first()
        if token is None:
            raise CommandError(f"no token {prefix!r}")
        if token.revoked_at is not None:
            self.stdout.write(f"{prefix} was already revoked at {token.revoked_at:%Y-%m-%d %H:%M}")
            return
        tokens.api_token_revoke(actor=self._user(by), token=token, reason=reason)
        self.stdout.write(f"{prefix} revoked")

    def _list(self, *, agency, all, **_options):
        qs = ApiToken.objects.select_related("client", "client__agency", "client__owner")
        if agency:
            qs = qs.filter(client__agency__identifier=agency)
        now = timezone.now()
        for token in qs.order_by("client__agency__identifier", "client__name", "created_at"):
            state = "revoked" if token.revoked_at else "expired" if token.is_expired(now) else ""
            if state and not all:
                continue
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            expires = f"{token.expires_at:%Y-%m-%d}" if token.expires_at else "-"
            self.stdout.write(
                "\t".join(
                    [
                        token.prefix,
                        token.client.agency.identifier,
                        token.client.name,
                        token.client.owner.username,
                        token.scopes,
                        expires,
                        f"used {used} {token.last_used_ip or ''}".strip(),
                        state or "active",
                    ]
                )
            )
