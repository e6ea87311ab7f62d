"""Who may call the API: a key in the `OSDI-API-Token` header, its scope,
and whether it may see personal data (viewer keys may not, like viewers)."""

from auditlog.context import auditlog_value
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import is_ratelimited
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission

from campaign.api.keys import api_key_find, api_key_touch
from campaign.models import ApiKey

HEADER = "OSDI-API-Token"


class ApiKeyAuthentication(BaseAuthentication):
    """request.user stays anonymous; request.auth is the ApiKey row."""

    def authenticate(self, request):
        key = request.META.get("HTTP_OSDI_API_TOKEN")
        if key is None:
            return None
        api_key = api_key_find(key)
        if api_key is None:
            raise exceptions.AuthenticationFailed(_("Unknown or revoked API key."))
        api_key_touch(api_key=api_key)
        # The audit trail credits every change of this request to the key.
        try:
            context = auditlog_value.get()
        except LookupError:
            context = {}
        auditlog_value.set({**context, "api_key": api_key.prefix})
        return (AnonymousUser(), api_key)

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) to a request without a valid key.
        return HEADER


class KeyScope(BasePermission):
    """Read keys only read; viewer keys never reach a view marked
    `personal_data`."""

    def has_permission(self, request, view):
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            return False
        if request.method not in SAFE_METHODS and api_key.scope != ApiKey.Scope.WRITE:
            self.message = _("This API key may only read.")
            return False
        if getattr(view, "personal_data", False) and api_key.viewer_only:
            self.message = _("This API key may not read personal data.")
            return False
        return True


def _key_prefix(group, request):
    return request.auth.prefix


def rate_check(request) -> None:
    """API_RATE requests per key; raises Throttled (429) beyond it."""
    if isinstance(request.auth, ApiKey) and is_ratelimited(
        request, group="osdi-api", key=_key_prefix, rate=settings.API_RATE, increment=True
    ):
        raise exceptions.Throttled()


class ApiKeySchema(OpenApiAuthenticationExtension):
    """The key header in the published schema."""

    target_class = ApiKeyAuthentication
    name = "OSDI-API-Token"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": HEADER}
