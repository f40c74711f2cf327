"""What the dossier API's parts share: how a refused service answers."""

from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from dossiers.errors import Conflict, DossierError, NotPermitted, StaleDossier, TransitionNotAllowed


def service_error(exc: DossierError):
    """Refused for the role: 403. Refused by the dossier's state, or someone acted first: 409,
    with the reason (and, when stale, what changed). Bad input: 400 naming the field."""
    body = {"detail": str(exc.message), "code": exc.code}
    if isinstance(exc, NotPermitted):
        return Response(body, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, StaleDossier):
        body["revision"] = exc.dossier.revision
        body["changes"] = [
            {
                "at": event.at.isoformat(),
                "kind": event.kind,
                "new_status": event.new_status,
                "new_step": event.new_step,
                "by": str(event.actor or ""),
                "note": event.note,
            }
            for event in exc.events
        ]
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, Conflict | TransitionNotAllowed) and not exc.field:
        return Response(body, status=status.HTTP_409_CONFLICT)
    raise ValidationError(exc.errors or {"non_field_errors": [str(exc.message)]}, code=exc.code)
