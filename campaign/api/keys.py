"""API keys: generated once, stored as their SHA-256, touched at most once a minute."""

import datetime as dt
import hashlib
import secrets

from django.db.models import Q
from django.utils import timezone

from campaign.models import ApiKey

PREFIX_LENGTH = 8
# A key used every second would otherwise write its row every second.
TOUCH_EVERY = dt.timedelta(minutes=1)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_create(
    *, name: str, scope: str, viewer_only: bool, created_by=None
) -> tuple[ApiKey, str]:
    """A new key. Returns the row and the key itself, which is stored nowhere:
    the caller shows it once.

    Side effects: one INSERT."""
    api_key = ApiKey(name=name, scope=scope, viewer_only=viewer_only, created_by=created_by)
    key = api_key_fill(api_key=api_key)
    api_key.save()
    return api_key, key


def api_key_fill(*, api_key: ApiKey) -> str:
    """Give an unsaved key row (the admin's form) its secret. Returns the key."""
    key = secrets.token_urlsafe(32)
    api_key.prefix, api_key.key_hash = key[:PREFIX_LENGTH], key_hash(key)
    return key


def api_key_find(key: str) -> ApiKey | None:
    """The key's row, unless it is unknown or revoked."""
    if not key:
        return None
    return ApiKey.objects.filter(key_hash=key_hash(key), revoked_at__isnull=True).first()


def api_key_touch(*, api_key: ApiKey, now: dt.datetime | None = None) -> bool:
    """Record that the key was used, at most once per TOUCH_EVERY.
    Side effects: one conditional UPDATE, only when the last is older."""
    now = now or timezone.now()
    if api_key.last_used_at is not None and now - api_key.last_used_at < TOUCH_EVERY:
        return False
    updated = (
        ApiKey.objects.filter(pk=api_key.pk)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_EVERY))
        .update(last_used_at=now)
    )
    api_key.last_used_at = now
    return bool(updated)


def api_keys_revoke(*, ids, now: dt.datetime | None = None) -> int:
    """Revoke keys (ids); a revoked key stays revoked. Returns how many.
    Side effects: one UPDATE."""
    return ApiKey.objects.filter(pk__in=list(ids), revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    )
