"""Settings of the portal's REST API: Django REST framework (renderers, authentication,
throttles) and drf-spectacular (the OpenAPI schema). Star-imported by ``portal.settings``.
"""

import os

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # Systems with a token first (only when they send one), then people's sessions (with CSRF).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "portal.api.PagePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
    # Every API view is throttled per client address (anonymous) or per account; the scopes
    # below add tighter limits where a request is costly or abusable. "N/second|minute|hour|day".
    "DEFAULT_THROTTLE_CLASSES": [
        "portal.throttles.AnonThrottle",
        "portal.throttles.UserThrottle",
        "portal.throttles.ScopedThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_ANON_RATE", "120/minute"),
        "user": os.environ.get("API_USER_RATE", "1200/minute"),
        "submission": os.environ.get("API_SUBMISSION_RATE", "30/hour"),
        "tracking": os.environ.get("API_TRACKING_RATE", "60/hour"),
        "verification": os.environ.get("API_VERIFICATION_RATE", "10/minute"),
        "national_inbound": os.environ.get("API_NATIONAL_INBOUND_RATE", "600/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Two-tier portal API",
    "DESCRIPTION": "Units, agencies, procedures, dossiers, the back office's queues and actions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "DossierStatusEnum": "dossiers.models.Status",
        "DossierStepEnum": "dossiers.models.Step",
        "ReturnMethodEnum": "dossiers.lifecycle.RETURN_METHODS",
        "PaymentMethodEnum": "dossiers.models_work.PaymentMethod",
    },
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The schema is the API's contract (tests/portal/test_api_contract.py): every operation
    # declares the error answers the framework gives (portal/schema.py).
    # Request bodies get their own components, with ``minLength: 1`` on text that may not be
    # blank, as the serializers validate.
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.schema.declare_error_responses",
    ],
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "nationalPortalToken": {
                "type": "http",
                "scheme": "bearer",
                "description": "The token agreed between the province and the national portal.",
            }
        }
    },
}
