"""Action Network's OData-style `filter` parameter
(`filter=modified_date gt '2026-01-01' and email_address eq 'a@b.org'`),
parsed into a django-filter FilterSet that validates the values."""

import re

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from campaign.models import Supporter, normalize_email, normalize_phone

_CLAUSE = re.compile(r"\s*(\w+)\s+(eq|gt|lt)\s+'((?:[^']|'')*)'\s*(?:and\b|$)", re.IGNORECASE)
# (OData field, operator) -> the FilterSet's parameter.
PEOPLE_FILTERS = {
    ("email_address", "eq"): "email_address",
    ("phone_number", "eq"): "phone_number",
    ("modified_date", "gt"): "modified_date__gt",
    ("modified_date", "lt"): "modified_date__lt",
    ("created_date", "gt"): "created_date__gt",
    ("created_date", "lt"): "created_date__lt",
}


def odata_parse(text: str, allowed: dict[tuple[str, str], str]) -> dict[str, str]:
    """The clauses of `text` as FilterSet data. Raises ValidationError on
    anything else (syntax, a field or operator not offered)."""
    data, position = {}, 0
    text = text.strip()
    while position < len(text):
        match = _CLAUSE.match(text, position)
        if match is None or match.end() == position:
            raise ValidationError(
                {"filter": [_("Write clauses like: modified_date gt '2026-01-01'.")]}
            )
        field, operator, value = match.group(1).lower(), match.group(2).lower(), match.group(3)
        if (field, operator) not in allowed:
            raise ValidationError(
                {
                    "filter": [
                        _("Filtering on %(clause)s is not offered.")
                        % {"clause": f"{field} {operator}"}
                    ]
                }
            )
        data[allowed[field, operator]] = value.replace("''", "'")
        position = match.end()
    return data


class PersonFilter(django_filters.FilterSet):
    email_address = django_filters.CharFilter(method="filter_email")
    phone_number = django_filters.CharFilter(method="filter_phone")
    modified_date__gt = django_filters.DateTimeFilter(field_name="updated_at", lookup_expr="gt")
    modified_date__lt = django_filters.DateTimeFilter(field_name="updated_at", lookup_expr="lt")
    created_date__gt = django_filters.DateTimeFilter(field_name="created_at", lookup_expr="gt")
    created_date__lt = django_filters.DateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Supporter
        fields = []

    def filter_email(self, queryset, name, value):
        return queryset.filter(email=normalize_email(value))

    def filter_phone(self, queryset, name, value):
        try:
            phone = normalize_phone(value)
        except ValidationError:
            # No supporter holds a number that cannot exist.
            return queryset.none()
        return queryset.filter(phone=phone)


def people_filter(queryset, text: str | None):
    """`queryset` narrowed by a `filter` parameter. Raises ValidationError."""
    if not text:
        return queryset
    filterset = PersonFilter(odata_parse(text, PEOPLE_FILTERS), queryset=queryset)
    if not filterset.is_valid():
        raise ValidationError(
            {"filter": [str(e) for errors in filterset.errors.values() for e in errors]}
        )
    return filterset.qs
