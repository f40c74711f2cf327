"""Shared API pieces: pagination and the error body every endpoint answers with."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler


class PagePagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 1000


def exception_handler(exc, context):
    """DRF's handler, plus Django's ValidationError as 400 with field errors."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    return drf_exception_handler(exc, context)


def json_not_found(request, exception=None):
    """404 for paths under /api/ that match no route: JSON, like every API answer."""
    return JsonResponse({"detail": _("Not found.")}, status=status.HTTP_404_NOT_FOUND)


def json_server_error(request):
    return JsonResponse(
        {"detail": _("An internal error occurred. It has been logged.")},
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


__all__ = ["Http404", "PagePagination", "exception_handler", "json_not_found"]
