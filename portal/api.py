"""Shared API pieces: pagination and the error body every endpoint answers with."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler

from portal.throttles import throttled


class PagePagination(PageNumberPagination):
    """Page numbers from 1; ``page_size`` from 1 to 1000, anything else is a 400 naming it."""

    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request):
        size = request.query_params.get(self.page_size_query_param)
        if size is None:
            return self.page_size
        if not (size.isascii() and size.isdigit() and 1 <= int(size) <= self.max_page_size):
            raise exceptions.ValidationError(
                {self.page_size_query_param: [_("A whole number from 1 to 1000.")]}
            )
        return int(size)

    def get_page_number(self, request, paginator):
        if request.query_params.get(self.page_query_param) == "":
            raise exceptions.NotFound(_("Invalid page."))
        return super().get_page_number(request, paginator)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters


def exception_handler(exc, context):
    """DRF's handler, plus Django's ValidationError as 400 with field errors, and throttling's
    429 with the portal's message (``Retry-After`` set by DRF)."""
    if isinstance(exc, exceptions.Throttled):
        exc = throttled(exc)
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
