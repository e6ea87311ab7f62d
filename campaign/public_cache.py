"""What the public sign-up reads on every request and coordinators change
rarely, kept in the cache (shared by every process, as the rate-limit
counters are): a public campaign by slug, its upcoming hearings, and where a
ZIP lies on a body (its districts and their seat holders).

Every entry carries the token current when it was read. Saving or deleting a
campaign, hearing, body, district, district ZIP or council member replaces the
token, at once and again when its transaction commits (so a reader cannot put
back, under the new token, what that transaction is replacing): every entry
is stale from then on. Nothing writes these models without save() or delete()
(no queryset update(), no bulk_create); entries still expire after
`TIMEOUT` as a safety net. The receivers are connected when this module is
imported: the intake core imports it, and the admin imports the intake core,
so every process that can change these models has them.
"""

import secrets
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from campaign.models import (
    Campaign,
    CouncilMember,
    DecisionBody,
    District,
    DistrictZip,
    Hearing,
)

TOKEN_KEY = "public-cache:token:v1"
# Seconds: a change made without save() or delete() shows after this at most.
TIMEOUT = 600
WATCHED = (Campaign, Hearing, DecisionBody, District, DistrictZip, CouncilMember)

T = TypeVar("T")


def _token_new() -> str:
    token = secrets.token_hex(8)
    if not cache.add(TOKEN_KEY, token, timeout=None):
        # Another process set one first: theirs is the one.
        token = cache.get(TOKEN_KEY) or token
    return token


def cached(key: str, load: Callable[[], T | None]) -> T | None:
    """The value under `key` if read since the last change, else `load()`,
    stored for the next request unless None (a slug nobody has must not
    fill the cache). One cache round trip when warm."""
    found = cache.get_many([TOKEN_KEY, key])
    token = found.get(TOKEN_KEY) or _token_new()
    entry = found.get(key)
    if entry is not None and entry[0] == token:
        return entry[1]
    value = load()
    if value is not None:
        cache.set(key, (token, value), timeout=TIMEOUT)
    return value


def public_data_changed(**kwargs) -> None:
    """Make every entry stale (a receiver of the watched models' signals)."""
    cache.delete(TOKEN_KEY)
    # Outside a transaction this runs at once; inside, after the commit.
    transaction.on_commit(lambda: cache.delete(TOKEN_KEY))


for _model in WATCHED:
    _uid = f"public-cache-{_model._meta.label_lower}"
    post_save.connect(public_data_changed, sender=_model, dispatch_uid=_uid)
    post_delete.connect(public_data_changed, sender=_model, dispatch_uid=_uid)
