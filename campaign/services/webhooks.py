"""Outbound webhooks: new people, outreaches and attendances posted in OSDI
shape to the URLs coordinators registered, signed with each hook's secret.

The outbox's guarantees (campaign.services.outbox), for HTTP:
1. `webhook_deliveries_record` writes one WebhookDelivery per active hook
   that wants the event, in the transaction of the change (no row without
   the change, no change without its rows). Its unique dedupe key
   (event, object, hook) makes recording the same change twice harmless.
2. `webhooks_dispatch` (beat, every minute) claims due pending rows one by
   one with a conditional UPDATE (pending -> sending, attempt counted), so
   two dispatchers never send the same row; then POSTs each and records
   delivered (2xx), pending with an exponential backoff, or failed after
   WEBHOOK_MAX_ATTEMPTS. A delivered row is never claimed again.
3. A row left in "sending" (the worker died mid-POST) is in doubt: after
   WEBHOOK_CLAIM_TIMEOUT it is marked failed, never resent automatically; a
   coordinator retries it from the admin (receivers dedupe on the
   X-Groundswell-Delivery id).

Whether any hook is active is kept in the cache (shared by every process):
with no hook, recording costs no query, so the public sign-up stays as cheap
as before. The admin refreshes it when a hook is saved; the dispatcher every
minute, which also covers hooks changed outside the admin.
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, prefetch_related_objects
from django.utils import timezone

from campaign.models import (
    HEARING_KINDS,
    ActionKind,
    ActionStatus,
    Webhook,
    WebhookDelivery,
)

logger = logging.getLogger(__name__)

EVENTS = ("person", "outreach", "attendance")
CACHE_KEY = "webhooks:active:v1"
# The OSDI API's outreach and attendance kinds (campaign.api.serializers).
OUTREACH_KINDS = (ActionKind.CALL, ActionKind.LETTER, ActionKind.EMAIL, ActionKind.MEETING)
ATTENDANCE_KINDS = HEARING_KINDS
_STATUS = WebhookDelivery.Status


def webhook_secret_new() -> str:
    return secrets.token_urlsafe(32)


def webhook_signature(*, secret: str, body: bytes) -> str:
    """The X-Groundswell-Signature header's value for `body`."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def active_hooks_refresh() -> list[tuple[int, list[str]]]:
    """Read the active hooks into the cache. Side effects: one SELECT, a cache write."""
    hooks = [
        (pk, list(events or []))
        for pk, events in Webhook.objects.filter(active=True)
        .order_by("pk")
        .values_list("pk", "events")
    ]
    cache.set(CACHE_KEY, hooks, timeout=None)
    return hooks


def webhooks_changed() -> None:
    """A hook was added, changed or removed: every process sees it from the
    next change on (once this transaction commits)."""
    cache.delete(CACHE_KEY)
    transaction.on_commit(active_hooks_refresh)


def _active_hooks() -> list[tuple[int, list[str]]]:
    hooks = cache.get(CACHE_KEY)
    if hooks is None:
        hooks = active_hooks_refresh()
    return hooks


_CHUNK = 1000
_RELATED = {
    "person": ("identifiers", "district"),
    "outreach": ("target__body", "target__district"),
    "attendance": (),
}


class _SiteRequest:
    """What the OSDI serializers need of a request to write absolute links."""

    def build_absolute_uri(self, location: str) -> str:
        return settings.SITE_URL + location


def _payload(event: str, obj) -> dict:
    from campaign.api import serializers

    serializer = {
        "person": serializers.PersonSerializer,
        "outreach": serializers.OutreachSerializer,
        "attendance": serializers.AttendanceSerializer,
    }[event]
    data = serializer(obj, context={"request": _SiteRequest()}).data
    # What the JSON column and the POST will hold, whatever the field types.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _dedupe_key(event: str, obj, hook_id: int) -> str:
    # An attendance is news twice: the pledge, then the person attending.
    if event == "attendance":
        return f"{event}:{obj.pk}:{obj.status}:{hook_id}"
    return f"{event}:{obj.pk}:{hook_id}"


def webhook_deliveries_record(*, event: str, obj) -> int:
    """One delivery row per active hook that wants `event` about `obj`
    (`webhook_deliveries_record_many`)."""
    return webhook_deliveries_record_many(event=event, objs=[obj])


def webhook_deliveries_record_many(*, event: str, objs: list) -> int:
    """One delivery row per object and active hook that wants `event`, in the
    caller's transaction. Returns the rows offered (duplicates included).

    Side effects: none when no hook wants the event (no query either, once
    the cache is warm); else, per 1,000 objects, the payloads' reads (one
    query per relation) and one INSERT, an event already recorded for a hook
    ignored (its dedupe key)."""
    wanted = [pk for pk, events in _active_hooks() if not events or event in events]
    objs = list(objs)
    if not wanted or not objs:
        return 0
    written = 0
    # In chunks: an import's 100,000 people stay within SQLite's bound
    # parameters and the worker's memory.
    for start in range(0, len(objs), _CHUNK):
        chunk = objs[start : start + _CHUNK]
        # What the serializer reads of each object, in one query per relation.
        prefetch_related_objects(chunk, *_RELATED[event])
        rows = []
        for obj in chunk:
            payload = _payload(event, obj)
            rows.extend(
                WebhookDelivery(
                    webhook_id=hook_id,
                    event=event,
                    payload=payload,
                    dedupe_key=_dedupe_key(event, obj, hook_id),
                )
                for hook_id in wanted
            )
        WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        written += len(rows)
    return written


def action_event(action) -> str | None:
    """The event a saved action is news of: a completed contact is an
    outreach; a pledge to attend or testify at a hearing, or having done
    it, an attendance."""
    if action.kind in ATTENDANCE_KINDS and action.hearing_id:
        if action.status in (ActionStatus.PLEDGED, ActionStatus.COMPLETED):
            return "attendance"
    elif action.kind in OUTREACH_KINDS and action.status == ActionStatus.COMPLETED:
        return "outreach"
    return None


def webhook_deliveries_record_actions(*, actions: list) -> None:
    """`webhook_deliveries_record_many` for each event among saved `actions`.
    Side effects: as that; nothing at all when no hook is active."""
    if not actions or not _active_hooks():
        return
    by_event: dict[str, list] = {}
    for action in actions:
        if event := action_event(action):
            by_event.setdefault(event, []).append(action)
    for event, objs in by_event.items():
        webhook_deliveries_record_many(event=event, objs=objs)


# --- Sending -----------------------------------------------------------------


@dataclass
class DispatchResult:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    in_doubt: int = 0


def _backoff(attempts: int) -> dt.timedelta:
    seconds = settings.WEBHOOK_RETRY_BASE_SECONDS * (2 ** max(0, attempts - 1))
    return dt.timedelta(seconds=min(seconds, 6 * 3600))


def _post(delivery: WebhookDelivery) -> str | None:
    """POST the row; None when the receiver accepted it (2xx), else why not."""
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    request = urllib.request.Request(
        delivery.webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Groundswell-Webhooks/1",
            "X-Groundswell-Event": delivery.event,
            "X-Groundswell-Delivery": str(delivery.pk),
            "X-Groundswell-Signature": webhook_signature(secret=delivery.webhook.secret, body=body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
        return f"{type(error).__name__}: {error}"
    return None if 200 <= status < 300 else f"HTTP {status}"


def _claim(pk: int, now: dt.datetime) -> bool:
    # While sending, next_attempt_at holds the claim time (see _release_in_doubt).
    return bool(
        WebhookDelivery.objects.filter(pk=pk, status=_STATUS.PENDING).update(
            status=_STATUS.SENDING, attempts=F("attempts") + 1, next_attempt_at=now
        )
    )


def _release_in_doubt(now: dt.datetime) -> int:
    cutoff = now - dt.timedelta(seconds=settings.WEBHOOK_CLAIM_TIMEOUT)
    return WebhookDelivery.objects.filter(
        status=_STATUS.SENDING, next_attempt_at__lt=cutoff
    ).update(
        status=_STATUS.FAILED,
        last_error="in doubt: the POST started but no result was recorded; "
        "the receiver may have it (same X-Groundswell-Delivery id)",
    )


def webhooks_dispatch(*, batch_size: int | None = None) -> DispatchResult:
    """Send the due pending deliveries of active hooks, oldest first.

    Side effects: refreshes the active-hooks cache; marks rows in doubt
    failed; per row a claiming UPDATE, a POST, an UPDATE of the outcome."""
    active_hooks_refresh()
    now = timezone.now()
    result = DispatchResult(in_doubt=_release_in_doubt(now))
    due = (
        WebhookDelivery.objects.filter(
            status=_STATUS.PENDING, next_attempt_at__lte=now, webhook__active=True
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)
    )
    for pk in list(due[: batch_size or settings.WEBHOOK_DISPATCH_BATCH]):
        if not _claim(pk, timezone.now()):
            continue  # another dispatcher got there first
        delivery = WebhookDelivery.objects.select_related("webhook").get(pk=pk)
        error = _post(delivery)
        finished = timezone.now()
        ours = WebhookDelivery.objects.filter(pk=pk, status=_STATUS.SENDING)
        if error is None:
            ours.update(status=_STATUS.DELIVERED, delivered_at=finished, last_error="")
            result.delivered += 1
        elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            ours.update(status=_STATUS.FAILED, last_error=error[:2000])
            result.failed += 1
        else:
            ours.update(
                status=_STATUS.PENDING,
                next_attempt_at=finished + _backoff(delivery.attempts),
                last_error=f"attempt {delivery.attempts}: {error}"[:2000],
            )
            result.retrying += 1
    return result


def webhook_deliveries_retry(*, ids) -> int:
    """Failed rows go back to pending, due now, with a fresh attempt count.
    Side effects: one conditional UPDATE; delivered rows are never touched."""
    return WebhookDelivery.objects.filter(pk__in=list(ids), status=_STATUS.FAILED).update(
        status=_STATUS.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        last_error="retried by a coordinator",
    )
