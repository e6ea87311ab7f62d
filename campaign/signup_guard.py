"""What stops a script on the public sign-up form while a hearing-night
sign-up table (forty people in ten minutes, one shared Wi-Fi address) goes
through.

Three checks, each with its own setting (README, "Public sign-up limits"):
- a signed form token minted when the page is shown: a post without one, with
  one older than SIGNUP_FORM_MAX_AGE_HOURS or sent sooner than
  SIGNUP_MIN_FILL_SECONDS after the page was shown did not come from a person
  filling the form (SIGNUP_FORM_CHECK turns this off);
- a per-address limit high enough for a table on one Wi-Fi (SIGNUP_RATE_IP);
- a per-email limit (SIGNUP_RATE_EMAIL), so nobody floods one mailbox with
  confirmation requests.
The counters live in the cache (shared by every web worker) through
django-ratelimit, and RATELIMIT_ENABLE=0 turns the two limits off."""

import time

from django.conf import settings
from django.core import signing
from django_ratelimit.core import is_ratelimited

_SALT = "groundswell.signup-form"


def form_token_issue(*, campaign_id: int) -> str:
    """The token the page puts in its form: which campaign and when."""
    return signing.dumps({"c": campaign_id, "t": time.time()}, salt=_SALT, compress=True)


def form_token_refusal(*, token: str, campaign_id: int) -> str | None:
    """None when the token shows a person had the form in front of them long
    enough; otherwise why not: "missing", "expired" or "too_fast"."""
    if not settings.SIGNUP_FORM_CHECK:
        return None
    if not token:
        return "missing"
    try:
        data = signing.loads(token, salt=_SALT, max_age=settings.SIGNUP_FORM_MAX_AGE_HOURS * 3600)
    except signing.SignatureExpired:
        return "expired"
    except signing.BadSignature:
        return "missing"
    if not isinstance(data, dict) or data.get("c") != campaign_id:
        return "missing"
    if time.time() - float(data.get("t", 0)) < settings.SIGNUP_MIN_FILL_SECONDS:
        return "too_fast"
    return None


def _ip_rate(group, request):
    return settings.SIGNUP_RATE_IP


def _email_rate(group, request):
    return settings.SIGNUP_RATE_EMAIL


def signup_ip_limited(request) -> bool:
    """Counts this post against its address; True once over SIGNUP_RATE_IP."""
    return is_ratelimited(
        request, group="signup-ip", key="ip", rate=_ip_rate, method="POST", increment=True
    )


def signup_email_limited(request, *, email: str) -> bool:
    """Counts this sign-up against its (normalised) email; True once over
    SIGNUP_RATE_EMAIL."""
    return is_ratelimited(
        request,
        group="signup-email",
        key=lambda group, request: email,
        rate=_email_rate,
        method="POST",
        increment=True,
    )
