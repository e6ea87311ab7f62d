"""HAL+JSON as Action Network's v2 API writes it: `_links` with curies,
collections paged in `_embedded`, errors as JSON."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler

OSDI_DOCS = "https://opensupporter.github.io/osdi-docs/{rel}.html"
PAGE_SIZE = 25


class HalJSONRenderer(JSONRenderer):
    media_type = "application/hal+json"


class HalJSONParser(JSONParser):
    media_type = "application/hal+json"


def href(request, name: str, **kwargs) -> dict:
    return {"href": request.build_absolute_uri(reverse(f"osdi:{name}", kwargs=kwargs))}


def curies(request) -> list[dict]:
    return [
        {"name": "osdi", "href": OSDI_DOCS, "templated": True},
        {
            "name": "groundswell",
            "href": request.build_absolute_uri(reverse("api-docs")) + "#{rel}",
            "templated": True,
        },
    ]


class HalPagination(PageNumberPagination):
    """`page` and `per_page` (at most 25, as Action Network); the page's
    items under `_embedded[rel]` and their links under `_links[rel]`."""

    page_size = PAGE_SIZE
    page_size_query_param = "per_page"
    max_page_size = PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        self.rel = view.hal_rel
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        links = {"self": {"href": self.request.build_absolute_uri()}}
        if self.page.has_next():
            links["next"] = {"href": self.get_next_link()}
        if self.page.has_previous():
            links["previous"] = {"href": self.get_previous_link()}
        links[self.rel] = [item["_links"]["self"] for item in data]
        links["curies"] = curies(self.request)
        return Response(
            {
                "total_pages": self.page.paginator.num_pages,
                "per_page": self.page.paginator.per_page,
                "page": self.page.number,
                "total_records": self.page.paginator.count,
                "_links": links,
                "_embedded": {self.rel: data},
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["total_pages", "per_page", "page", "total_records", "_links", "_embedded"],
            "properties": {
                "total_pages": {"type": "integer"},
                "per_page": {"type": "integer"},
                "page": {"type": "integer"},
                "total_records": {"type": "integer"},
                "_links": {"type": "object", "additionalProperties": True},
                "_embedded": {"type": "object", "additionalProperties": schema},
            },
        }


def hal_exception_handler(exc, context):
    """DRF's handler, plus the intake core's ValidationError as a 400 (a bad
    ZIP or phone, an erased address) with its messages by field."""
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, context)
