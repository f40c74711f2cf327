"""The OpenAPI schema as the API's contract: the error answers every endpoint can give.

``declare_error_responses`` is a drf-spectacular postprocessing hook. It adds to each operation
the answers that come from the framework and the house rules rather than from the view itself,
with the body ``portal.api.exception_handler`` writes:

- 400 with field-level errors, for operations that read query parameters or a body;
- 401 where a bearer token authenticates (API clients' tokens on every endpoint that takes
  them, the national portal's inbound push);
- 403 everywhere: a permission refused, or a signed-in official who has not yet confirmed the
  second factor (``StaffSecondFactorMiddleware`` answers so on every ``/api/`` path);
- 404 for a path with parameters (nothing there, or not visible to the caller), for a page
  number past the end, and for an unknown ``?format=``;
- 415 for a request body in a media type the operation does not take;
- 429 with ``Retry-After`` everywhere: every API view is throttled.

A view declares the answers that are its own (409 on the dossier lifecycle, files, shapes); the
hook never replaces what a view declared. ``ERROR``, ``CONFLICT`` and ``FIELD_ERRORS`` are for
views that declare an error answer themselves.
"""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ERROR_SCHEMA = {
    "type": "object",
    "description": "A refusal: the reason in the caller's language, and a code for machines "
    "when the portal has one.",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
    },
    "required": ["detail"],
}
FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "description": "Bad input: each field in error (``non_field_errors`` for the whole input, "
    "``detail`` for a malformed request) with its messages; nested inputs give nested objects.",
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {}},
            {"type": "object", "additionalProperties": {}},
            {"type": "string"},
        ]
    },
}
THROTTLED_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
RETRY_AFTER = {
    "description": "Seconds to wait before the next request.",
    "schema": {"type": "integer", "minimum": 0},
}

COMPONENTS = {"PortalError": ERROR_SCHEMA, "FieldErrors": FIELD_ERRORS_SCHEMA}


def _json(name: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}


def _answers(operation: dict, path: str) -> dict[str, dict]:
    """The framework's answers that apply to ``operation``."""
    parameters = operation.get("parameters", [])
    query = {p["name"] for p in parameters if p.get("in") == "query"}
    body = "requestBody" in operation
    schemes = {name for requirement in operation.get("security", []) for name in requirement}
    answers = {}
    if query or body:
        answers["400"] = {
            "description": "Bad input, with the errors of each field.",
            "content": _json("FieldErrors"),
        }
    if schemes - {"cookieAuth"}:
        answers["401"] = {
            "description": "Missing or unknown credentials.",
            "content": _json("PortalError"),
        }
    answers["403"] = {
        "description": "Not allowed to the caller, the API token's scope does not cover the "
        "request (code ``token_scope``), or the official's second factor (TOTP) is not "
        "confirmed yet (code ``otp_required``).",
        "content": _json("PortalError"),
    }
    if "{" in path or "page" in query or "format" in query:
        answers["404"] = {
            "description": "Nothing there, or not visible to the caller.",
            "content": _json("PortalError"),
        }
    if body:
        answers["415"] = {
            "description": "The body's media type is not one the operation takes.",
            "content": _json("PortalError"),
        }
    answers["429"] = {
        "description": "Too many requests: wait the seconds of ``Retry-After``.",
        "headers": {"Retry-After": RETRY_AFTER},
        "content": {"application/json": {"schema": THROTTLED_SCHEMA}},
    }
    return answers


def declare_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: the common error answers of every operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(COMPONENTS)
    for path, methods in result.get("paths", {}).items():
        for operation in methods.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status, answer in _answers(operation, path).items():
                responses.setdefault(status, answer)
            operation["responses"] = dict(sorted(responses.items()))
    return result


# --- For views that declare an error answer of their own -------------------------------------

ERROR = inline_serializer(
    "Refusal", {"detail": serializers.CharField(), "code": serializers.CharField(required=False)}
)


class _Change(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    new_status = serializers.IntegerField(allow_null=True)
    new_step = serializers.CharField(allow_null=True, allow_blank=True)
    by = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True)


CONFLICT = OpenApiResponse(
    inline_serializer(
        "Conflict",
        {
            "detail": serializers.CharField(),
            "code": serializers.CharField(),
            "revision": serializers.IntegerField(
                required=False, help_text="when stale: the dossier's revision now"
            ),
            "changes": _Change(many=True, required=False, help_text="when stale: what changed"),
        },
    ),
    description="The dossier's state does not allow it, or someone acted first (stale "
    "revision: with the revision now and what changed).",
)
