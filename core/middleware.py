"""Where the client's IP address comes from, decided in one place.

Rate limits (django-ratelimit) and login lockouts (django-axes) key on the
client IP. A raw X-Forwarded-For header can be forged by anyone, so it is only
believed for the hops added by proxies we run: TRUSTED_PROXY_COUNT of them.
"""

from auditlog.context import auditlog_value
from auditlog.middleware import AuditlogMiddleware
from django.conf import settings

from core.views import payload_too_large


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _ip_from_forwarded_for(header: str, trusted_hops: int) -> str | None:
    hops = [hop.strip() for hop in header.split(",") if hop.strip()]
    if len(hops) < trusted_hops:
        return None
    # Each trusted proxy appends the address it saw; the left part is
    # client-controlled, so take the entry our outermost proxy added.
    return hops[-trusted_hops]


class TrustedClientIPMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        trusted_hops = settings.TRUSTED_PROXY_COUNT
        if trusted_hops:
            forwarded = _ip_from_forwarded_for(
                request.META.get("HTTP_X_FORWARDED_FOR", ""), trusted_hops
            )
            if forwarded:
                request.META["REMOTE_ADDR"] = forwarded
        return self.get_response(request)


class AnonymousBodyLimitMiddleware:
    """Refuses (413) a request body over ANONYMOUS_BODY_MAX_BYTES from anyone
    not signed in, before anything reads it. Public forms and webhooks send a
    few kilobytes; only staff upload files. A body without a Content-Length
    (chunked) is refused the same way when anonymous."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("POST", "PUT", "PATCH") and not request.user.is_authenticated:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or -1)
            except ValueError:
                length = -1
            if length < 0 and request.META.get("HTTP_TRANSFER_ENCODING"):
                length = settings.ANONYMOUS_BODY_MAX_BYTES + 1
            if length > settings.ANONYMOUS_BODY_MAX_BYTES:
                return payload_too_large(request)
        return self.get_response(request)


class AuditMiddleware(AuditlogMiddleware):
    """auditlog's middleware believes any X-Forwarded-For header; the trail
    records the client IP decided above instead."""

    @staticmethod
    def _get_remote_addr(request):
        return client_ip(request) or None

    def __call__(self, request):
        try:
            return super().__call__(request)
        finally:
            # auditlog leaves the request's actor in the context variable; work
            # done later on this thread (a sign-up applied after the response,
            # the next request's first queries) must not be credited to them.
            auditlog_value.set({})
