"""Account changes: staff and citizen users, second factor, the sign-in audit."""

import datetime as dt

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.clientip import client_ip
from portal.models import CitizenProfile, IdentityLevel, SignInEvent, User
from portal.validators import validate_cccd


def _client(request) -> tuple[str | None, str]:
    if request is None:
        return None, ""
    return client_ip(request), request.META.get("HTTP_USER_AGENT", "")[:300]


def sign_in_event_record(
    *, request, kind: SignInEvent.Kind | str, username: str, user: User | None = None
) -> SignInEvent:
    """Append one sign-in step to the audit trail."""
    ip, agent = _client(request)
    return SignInEvent.objects.create(
        user=user, username=username[:150], kind=kind, ip_address=ip, user_agent=agent
    )


@transaction.atomic
def staff_user_create(
    *, username: str, password: str, full_name: str, email: str = "", is_superuser: bool = False
) -> User:
    """Create a staff user (roles come as memberships, units.services.membership_grant)."""
    user = User(
        username=username,
        full_name=full_name,
        email=email,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def staff_user_set_password(*, user: User, password: str) -> User:
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


def staff_user_rename(*, user: User, full_name: str) -> User:
    """A staff member's full name (as signed results and the back office show it)."""
    user.full_name = full_name
    user.save(update_fields=["full_name"])
    return user


@transaction.atomic
def citizen_upsert(
    *,
    cccd: str,
    full_name: str,
    date_of_birth: dt.date | None = None,
    phone: str = "",
    email: str = "",
    address: str = "",
    identity_level: int = IdentityLevel.LEVEL_1,
    vneid_verified: bool = False,
) -> CitizenProfile:
    """Create or refresh a citizen from what the e-ID provider vouches for."""
    validate_cccd(cccd, date_of_birth=date_of_birth)
    profile = CitizenProfile.objects.select_related("user").filter(cccd=cccd).first()
    if profile is None:
        user = User(username=f"cccd-{cccd}", full_name=full_name, email=email)
        user.set_unusable_password()  # citizens sign in through e-ID only
        user.save()
        profile = CitizenProfile(user=user, cccd=cccd)
    for name, value in {
        "full_name": full_name,
        "date_of_birth": date_of_birth,
        "phone": phone,
        "email": email,
        "address": address,
        "identity_level": identity_level,
        "vneid_verified": vneid_verified,
    }.items():
        setattr(profile, name, value)
    profile.full_clean(exclude=["user"])
    profile.save()
    return profile


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """Begin enrolment of an authenticator app: a new unconfirmed device replaces any other."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice) -> TOTPDevice:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device
