"""The outbox: how a due row is sent, and what coordinators do about one in doubt.

Rows are written by `campaign.services.scheduling` (reminders, notices,
replies) and `campaign.services.digest`; this module claims, re-checks and
sends them.

Delivery, in three steps, each a committed state a crash can be read from:
1. `messages_dispatch` (beat, every minute, and soon after a commit that
   queued a message due now: `messages_dispatch_soon`) claims due pending rows
   (pending -> sending, `claimed_at` = the claim token) and publishes send
   tasks after the claim commits, one task name per channel (so email and SMS
   go to their own queues, settings.CELERY_TASK_ROUTES); if publishing fails
   the rows go back.
2. `messages_send` re-reads its chunk's rows under a lock (one query), checks
   each still carries its claim, re-checks consent, unsubscription, bounces,
   quiet hours and the rule of its kind, then marks the rows to send as
   started (IN_FLIGHT) and commits.
3. It sends them over one connection, and records sent / failed /
   pending-with-backoff in one transaction. A re-check older than
   MESSAGE_RECHECK_MAX_AGE is redone (step 2) before the next send.
A row left in "sending" with the IN_FLIGHT note is *in doubt*: the provider
may or may not have it. It is never resent automatically (zero duplicates);
a coordinator resends it or marks it sent from the admin outbox. A worker
process killed between steps 2 and 3 leaves at most its chunk
(MESSAGE_SEND_CHUNK rows) in doubt. A claimed row whose send never started is
released after MESSAGE_CLAIM_TIMEOUT.
"""

import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, CharField, DateTimeField, F, Q, TextField, Value, When
from django.utils import timezone

from campaign import messaging
from campaign.errors import MessageError
from campaign.messaging import EmailSender, message_language
from campaign.models import (
    IN_DOUBT,
    IN_FLIGHT,
    ActionStatus,
    BroadcastStatus,
    Channel,
    Message,
    MessageKind,
    MessageStatus,
    Supporter,
)
from campaign.services.privacy import SUPPRESSED_REASON, address_erased
from campaign.services.scheduling import (
    HEARING_OFFSETS,
    HEARING_REMINDER_KINDS,
    REQUESTED_MESSAGES,
    TRANSACTIONAL_SMS_KINDS,
    hearing_reminder_due,
    messages_suppress_pending,
)
from campaign.services.timing import coalition_tz, quiet_hours_end
from campaign.tokens import links_batch
from core import celery_app

logger = logging.getLogger(__name__)

# The tasks (campaign.tasks), enqueued by name: tasks import services, never
# the reverse. Send tasks are published per channel, each routed to its queue
# (settings.CELERY_TASK_ROUTES); the plain name, used before the split, still
# runs any task of it already queued.
MESSAGES_DISPATCH_TASK = "campaign.messages_dispatch"
MESSAGES_SEND_TASK = "campaign.messages_send"
MESSAGES_SEND_TASKS = {
    Channel.EMAIL: "campaign.messages_send_email",
    Channel.SMS: "campaign.messages_send_sms",
}

# A reminder claimed a little early is still sent; further off it waits.
_EARLY_TOLERANCE = dt.timedelta(minutes=5)


@dataclass
class DispatchResult:
    claimed: int = 0
    published: int = 0
    released: int = 0
    error: str = ""
    claims: list[tuple[list[int], str]] = field(default_factory=list)


def _lock(queryset):
    # SQLite has no row locks (nor SKIP LOCKED); its writes are serialised,
    # and every state change below is a conditional UPDATE, so it stays safe.
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset


def messages_release_stale(*, now: dt.datetime | None = None) -> int:
    """Claimed rows whose send never started (the task was lost) go back to
    pending. Rows whose send started are in doubt and stay.

    Side effects: UPDATEs those rows."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.MESSAGE_CLAIM_TIMEOUT)
    stale = Message.objects.filter(status=MessageStatus.SENDING, claimed_at__lt=cutoff).exclude(
        IN_DOUBT
    )
    with transaction.atomic():
        ids = list(_lock(stale.order_by("id")).values_list("id", flat=True)[:5000])
        if not ids:
            return 0
        return stale.filter(id__in=ids).update(
            status=MessageStatus.PENDING, claimed_at=None, updated_at=now
        )


def _publish_send_tasks(ids: list[int], claim: str, channel: str = Channel.EMAIL) -> None:
    celery_app.send_task(MESSAGES_SEND_TASKS[channel], args=(ids, claim))


def _chunks(claimed: list[tuple[int, str]], size: int) -> list[tuple[str, list[int]]]:
    """(channel, ids) parts of at most `size` rows, one channel each: email
    first, ids ascending."""
    by_channel: dict[str, list[int]] = {}
    for pk, channel in sorted(claimed):
        by_channel.setdefault(channel, []).append(pk)
    return [
        (channel, ids[start : start + size])
        for channel, ids in sorted(by_channel.items(), key=lambda item: item[0] != Channel.EMAIL)
        for start in range(0, len(ids), size)
    ]


def messages_dispatch(
    *,
    batch_size: int | None = None,
    max_batches: int = 200,
    publish: Callable[[list[int], str], None] | None = None,
) -> DispatchResult:
    """Claim due pending rows, batch by batch, and publish one send task per
    chunk of MESSAGE_SEND_CHUNK ids of one channel (email and SMS go to their
    own queues) once the claim has committed. If the broker refuses, the
    unpublished rows go back to pending and dispatching stops: nothing is
    lost, the next run tries again. `publish(ids, claim)` replaces the broker
    (tests).

    Side effects: UPDATEs rows (pending -> sending), publishes tasks."""
    if publish is None:
        send = _publish_send_tasks
    else:

        def send(ids, claim, channel):
            publish(ids, claim)

    batch_size = batch_size or settings.MESSAGE_DISPATCH_BATCH
    chunk = max(1, settings.MESSAGE_SEND_CHUNK)
    result = DispatchResult(released=messages_release_stale())
    for _ in range(max_batches):
        now = timezone.now()
        with transaction.atomic():
            due = Message.objects.filter(status=MessageStatus.PENDING, scheduled_for__lte=now)
            ids = list(
                _lock(due.order_by("scheduled_for", "id")).values_list("id", flat=True)[:batch_size]
            )
            if not ids:
                break
            due.filter(id__in=ids).update(
                status=MessageStatus.SENDING, claimed_at=now, updated_at=now
            )
            claimed = list(
                Message.objects.filter(
                    id__in=ids, status=MessageStatus.SENDING, claimed_at=now
                ).values_list("id", "channel")
            )
        claim = now.isoformat()
        result.claimed += len(claimed)
        parts = _chunks(claimed, chunk)
        for index, (channel, part) in enumerate(parts):
            try:
                send(part, claim, channel)
            except Exception as error:
                unpublished = [pk for _channel, rest in parts[index:] for pk in rest]
                Message.objects.filter(
                    id__in=unpublished, status=MessageStatus.SENDING, claimed_at=now
                ).exclude(IN_DOUBT).update(
                    status=MessageStatus.PENDING, claimed_at=None, updated_at=timezone.now()
                )
                result.error = f"{type(error).__name__}: {error}"
                logger.warning(
                    "Broker unavailable; %d messages stay pending: %s",
                    len(unpublished),
                    result.error,
                )
                return result
            result.published += len(part)
            result.claims.append((part, claim))
        if len(ids) < batch_size:
            break
    return result


class _Nudger:
    """Publishes a dispatcher run from a thread of its own (one per process),
    so the request or task whose commit queued a message never waits on the
    broker, even a stuck one; nudges arriving while one is being published
    are served by one more run, at most one per `interval`. Best effort: a
    nudge the broker refused (or a process that exits first) leaves the rows
    pending for the beat tick."""

    interval = 0.2  # seconds between two runs published by one process
    expires = 55  # a run not started by then is stale: the beat tick covers it

    def __init__(self):
        self._reset()

    def _reset(self) -> None:
        # Also in a forked child: the parent's thread did not come along.
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._warned_at = 0.0

    def nudge(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(
                        target=self._run, name="outbox-dispatch-nudge", daemon=True
                    )
                    self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            try:
                celery_app.send_task(MESSAGES_DISPATCH_TASK, expires=self.expires, retry=False)
            except Exception as error:
                if time.monotonic() - self._warned_at > 60:
                    self._warned_at = time.monotonic()
                    logger.warning(
                        "Could not wake the outbox dispatcher (the beat tick will): %s: %s",
                        type(error).__name__,
                        error,
                    )
            time.sleep(self.interval)


_nudger = _Nudger()
os.register_at_fork(after_in_child=_nudger._reset)


def messages_dispatch_soon() -> None:
    """Once the current transaction commits, have a dispatcher run claim and
    send what is due (e.g. a sign-up's confirmation), rather than waiting up
    to a minute for the beat tick. Call it after writing rows due now.

    Side effects: after the commit, a background thread publishes one
    dispatcher task (best effort; never raises, never blocks the caller)."""
    if settings.MESSAGE_DISPATCH_NUDGE:
        transaction.on_commit(_nudger.nudge)


@dataclass
class Verdict:
    status: str
    reason: str
    scheduled_for: dt.datetime | None = None


def _recheck(message: Message, now: dt.datetime) -> Verdict | None:
    """Why this row must not be sent now, or None when it may go."""
    kind = message.kind
    supporter = message.supporter
    if supporter is not None:
        if kind in TRANSACTIONAL_SMS_KINDS:
            if not supporter.phone:
                return Verdict(MessageStatus.SUPPRESSED, "no phone number")
        elif reason := supporter.unreachable_reason(
            message.channel, consent=(kind, message.channel) not in REQUESTED_MESSAGES
        ):
            return Verdict(MessageStatus.SUPPRESSED, reason)
    elif message.user is None or not message.user.is_active or not message.user.email:
        return Verdict(MessageStatus.SUPPRESSED, "staff recipient inactive or without email")

    hearing = message.hearing
    if kind in HEARING_REMINDER_KINDS:
        if hearing is None or hearing.is_cancelled:
            return Verdict(MessageStatus.CANCELLED, "hearing cancelled")
        if kind != MessageKind.HEARING_THANKS and now >= hearing.starts_at:
            return Verdict(MessageStatus.CANCELLED, "too late: the hearing has started")
        due = hearing_reminder_due(hearing=hearing, kind=kind)
        if due > now + _EARLY_TOLERANCE:
            return Verdict(MessageStatus.PENDING, "hearing moved", due)
    if kind == MessageKind.BROADCAST and (
        message.broadcast is None or message.broadcast.status == BroadcastStatus.CANCELLED
    ):
        return Verdict(MessageStatus.CANCELLED, "broadcast cancelled")
    if kind == MessageKind.PLEDGE_FOLLOWUP and (
        message.action is None or message.action.status != ActionStatus.PLEDGED
    ):
        return Verdict(MessageStatus.CANCELLED, "pledge closed")

    if message.channel == Channel.SMS and kind not in TRANSACTIONAL_SMS_KINDS:
        morning = quiet_hours_end(now)
        if morning is not None:
            if kind in HEARING_OFFSETS and hearing and morning >= hearing.starts_at:
                return Verdict(MessageStatus.CANCELLED, "quiet hours last until the hearing")
            return Verdict(MessageStatus.PENDING, "quiet hours", morning)
    return None


def _backoff(attempts: int) -> dt.timedelta:
    seconds = settings.MESSAGE_RETRY_BASE_SECONDS * (2 ** max(0, attempts - 1))
    return dt.timedelta(seconds=min(seconds, 3600))


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    held: int = 0  # suppressed, cancelled or deferred by a re-check
    skipped: int = 0  # not ours (claimed again, already done, in doubt)


def _render(message: Message):
    if message.channel == Channel.SMS:
        return messaging.render_sms(message)
    return messaging.render_email(message)


def _deliver(message: Message, payload, sender) -> str:
    if message.channel == Channel.SMS:
        return messaging.send_sms(to=message.supporter.phone, body=payload)
    return sender.send(payload)


@dataclass
class _Attempt:
    """One row whose send was attempted in this round, and how it went."""

    message: Message
    attempts: int
    finished_at: dt.datetime
    provider_id: str = ""
    error: Exception | None = None


def _ours(ids: list[int], claim: dt.datetime):
    return Message.objects.filter(pk__in=ids, status=MessageStatus.SENDING, claimed_at=claim)


def _start_round(ids: list[int], claim: dt.datetime, result: SendResult) -> list[tuple]:
    """Transaction 1 of a round: lock the rows (one query), re-check and render
    each, record the re-check verdicts, and mark every row about to be sent
    IN_FLIGHT. Returns [(message, payload)] once that has committed; from then
    on a crash leaves those rows in doubt, never resent. The personal links
    the rendered messages carry are inserted in the same transaction (one
    INSERT for the round), so no link goes out before its row exists."""
    now = timezone.now()
    ready: list[tuple] = []
    with transaction.atomic(), links_batch():
        queryset = Message.objects.select_related(
            "supporter",
            "user",
            "campaign",
            "hearing",
            "action",
            "action__target",
            "broadcast__campaign",
            "broadcast__hearing",
            "supporter__district",
        ).annotate(address_erased=address_erased())
        if connection.features.has_select_for_update_of:
            queryset = queryset.select_for_update(of=("self",))
        elif connection.features.has_select_for_update:
            queryset = queryset.select_for_update()
        found = list(queryset.filter(pk__in=ids).order_by("id"))
        result.skipped += len(ids) - len(found)
        held: dict[tuple, list[int]] = {}
        for message in found:
            if (
                message.status != MessageStatus.SENDING
                or message.claimed_at != claim
                or message.is_in_doubt
            ):
                result.skipped += 1
                continue
            verdict = _recheck(message, now)
            if message.address_erased:
                verdict = Verdict(MessageStatus.SUPPRESSED, SUPPRESSED_REASON)
            if verdict is not None:
                held.setdefault((verdict.status, verdict.reason, verdict.scheduled_for), []).append(
                    message.pk
                )
                result.held += 1
                continue
            try:
                payload = _render(message)
            except MessageError as error:
                _ours([message.pk], claim).update(
                    status=MessageStatus.FAILED, last_error=str(error), updated_at=now
                )
                result.failed += 1
                continue
            ready.append((message, payload))
        for (status, reason, scheduled_for), pks in held.items():
            changes = {"status": status, "last_error": reason, "claimed_at": None}
            if scheduled_for is not None:
                changes["scheduled_for"] = scheduled_for
            _ours(pks, claim).update(**changes, updated_at=now)
        local = timezone.localtime(now, coalition_tz())
        note = (
            f"{IN_FLIGHT} {local:%Y-%m-%d %H:%M %Z}; no result recorded. "
            "Check whether it arrived, then resend it or mark it sent."
        )
        by_language: dict[str, list[int]] = {}
        for message, _payload in ready:
            by_language.setdefault(message_language(message), []).append(message.pk)
        if by_language:
            # One UPDATE for the round, whatever the languages it speaks.
            _ours([message.pk for message, _payload in ready], claim).update(
                attempts=F("attempts") + 1,
                language=Case(
                    *(When(pk__in=pks, then=Value(lang)) for lang, pks in by_language.items()),
                    output_field=CharField(),
                ),
                last_error=note,
                updated_at=now,
            )
    return ready


def _attempt(message: Message, payload, sender) -> _Attempt:
    attempts = message.attempts + 1
    try:
        provider_id = _deliver(message, payload, sender)
    except MessageError as error:
        return _Attempt(message, attempts, timezone.now(), error=error)
    return _Attempt(message, attempts, timezone.now(), provider_id=(provider_id or "")[:255])


_MARK_SENT_SQL = """
    UPDATE {table} AS m
    SET status = %s, sent_at = v.sent_at, provider_message_id = v.provider_id,
        last_error = '', updated_at = %s
    FROM unnest(%s::bigint[], %s::timestamptz[], %s::text[]) AS v(id, sent_at, provider_id)
    WHERE m.id = v.id AND m.status = %s AND m.claimed_at = %s
"""


def _mark_sent(sent: list[_Attempt], claim, now: dt.datetime) -> None:
    """One UPDATE for the round's rows sent, each with its own time and
    provider id, still only while they carry the claim. On PostgreSQL the
    values travel as three arrays: the ORM's CASE per row costs more Python
    than the send of a message."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _MARK_SENT_SQL.format(table=connection.ops.quote_name(Message._meta.db_table)),
                [
                    MessageStatus.SENT,
                    now,
                    [a.message.pk for a in sent],
                    [a.finished_at for a in sent],
                    [a.provider_id for a in sent],
                    MessageStatus.SENDING,
                    claim,
                ],
            )
        return
    _ours([a.message.pk for a in sent], claim).update(
        status=MessageStatus.SENT,
        sent_at=Case(
            *(When(pk=a.message.pk, then=Value(a.finished_at)) for a in sent),
            output_field=DateTimeField(),
        ),
        provider_message_id=Case(
            *(When(pk=a.message.pk, then=Value(a.provider_id)) for a in sent),
            default=Value(""),
            output_field=CharField(),
        ),
        last_error="",
        updated_at=now,
    )


def _record(attempts: list[_Attempt], untried: list[Message], claim, result: SendResult) -> None:
    """Transaction 2 of a round: one UPDATE for the rows sent, one per row that
    failed or will be retried, and the rows never tried go back to claimed
    (their attempt undone) for the next round."""
    if not attempts and not untried:
        return
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Losing this commit in a database crash leaves the rows in doubt
            # (never resent), so it need not wait for the disk.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        sent = [attempt for attempt in attempts if attempt.error is None]
        if sent:
            _mark_sent(sent, claim, now)
            result.sent += len(sent)
        for attempt in attempts:
            error = attempt.error
            if error is None:
                continue
            message, reason = attempt.message, str(error)
            ours = _ours([message.pk], claim)
            if error.permanent or attempt.attempts >= settings.MESSAGE_MAX_ATTEMPTS:
                ours.update(status=MessageStatus.FAILED, last_error=reason[:2000], updated_at=now)
                if error.bounce and message.supporter_id and message.channel == Channel.EMAIL:
                    supporter_email_bounced(supporter=message.supporter, reason=reason)
                result.failed += 1
            else:
                ours.update(
                    status=MessageStatus.PENDING,
                    claimed_at=None,
                    scheduled_for=attempt.finished_at + _backoff(attempt.attempts),
                    last_error=f"attempt {attempt.attempts}: {reason}"[:2000],
                    updated_at=now,
                )
                result.retrying += 1
        if untried:
            _ours([message.pk for message in untried], claim).in_doubt().update(
                attempts=F("attempts") - 1,
                last_error=Case(
                    *(When(pk=m.pk, then=Value(m.last_error)) for m in untried),
                    default=Value(""),
                    output_field=TextField(),
                ),
                updated_at=now,
            )


def messages_send(*, ids: list[int], claim: str) -> SendResult:
    """Send the claimed rows `ids` (claim token `claim`) over one SMTP
    connection, in rounds of a few statements each.

    Side effects, per round: one transaction locks the rows (one SELECT),
    records the re-check verdicts, inserts the personal links the messages
    carry (one INSERT) and marks the rows to send IN_FLIGHT (one UPDATE);
    then the emails or texts go out; then one transaction records the
    outcomes (one UPDATE for all rows sent, one per failed or retried row). A
    crash in between leaves at most the round's rows (at most
    MESSAGE_SEND_CHUNK) in doubt. A round stops sending once its
    re-check is MESSAGE_RECHECK_MAX_AGE seconds old; the rows not yet tried are
    re-locked and re-checked in the next round, so no message goes out on a
    re-check older than that."""
    claim_at = dt.datetime.fromisoformat(claim)
    result = SendResult()
    sender = EmailSender()
    remaining = list(ids)
    try:
        while remaining:
            checked = time.monotonic()
            ready = _start_round(remaining, claim_at, result)
            remaining = []
            attempts: list[_Attempt] = []
            started = 0  # rows of `ready` whose send began
            try:
                for message, payload in ready:
                    if attempts and time.monotonic() - checked > settings.MESSAGE_RECHECK_MAX_AGE:
                        break
                    started += 1
                    attempts.append(_attempt(message, payload, sender))
            finally:
                # A row whose send began but did not return stays in doubt.
                untried = [message for message, _payload in ready[started:]]
                _record(attempts, untried, claim_at, result)
            remaining = [message.pk for message in untried]
    finally:
        sender.close()
    return result


def supporter_email_bounced(*, supporter: Supporter, reason: str) -> None:
    """A hard bounce: no more email to this address.

    Side effects: sets email_bounced_at, suppresses pending emails."""
    Supporter.objects.filter(pk=supporter.pk, email_bounced_at__isnull=True).update(
        email_bounced_at=timezone.now(), updated_at=timezone.now()
    )
    messages_suppress_pending(
        supporter=supporter, channel=Channel.EMAIL, reason=f"hard bounce: {reason}"[:500]
    )


# ---------------------------------------------------------------------------
# Coordinator actions on the outbox (admin)
# ---------------------------------------------------------------------------


def messages_in_doubt():
    """Rows whose send started but whose outcome was never recorded (IN_DOUBT)."""
    return Message.objects.in_doubt()


def message_retry(*, message: Message) -> bool:
    """A failed row goes back to pending, due now, with a fresh attempt count.
    Side effects: one conditional UPDATE; False when the row was not failed."""
    return bool(
        Message.objects.filter(pk=message.pk, status=MessageStatus.FAILED).update(
            status=MessageStatus.PENDING,
            attempts=0,
            claimed_at=None,
            scheduled_for=timezone.now(),
            last_error="retried by a coordinator",
            updated_at=timezone.now(),
        )
    )


def message_cancel(*, message: Message) -> bool:
    """Cancel a pending, failed or in-doubt row. Side effects: one UPDATE."""
    cancellable = Q(status__in=[MessageStatus.PENDING, MessageStatus.FAILED]) | IN_DOUBT
    return bool(
        Message.objects.filter(cancellable, pk=message.pk).update(
            status=MessageStatus.CANCELLED,
            claimed_at=None,
            last_error="cancelled by a coordinator",
            updated_at=timezone.now(),
        )
    )


def message_resend(*, message: Message) -> bool:
    """An in-doubt row the coordinator found was not received: send it again.
    Refused (False) while its send task may still be running, i.e. until
    MESSAGE_SEND_TIME_LIMIT after the send started: it could be on its way.
    Side effects: one UPDATE (back to pending, due now)."""
    started_before = timezone.now() - dt.timedelta(seconds=settings.MESSAGE_SEND_TIME_LIMIT)
    return bool(
        messages_in_doubt()
        .filter(pk=message.pk, updated_at__lt=started_before)
        .update(
            status=MessageStatus.PENDING,
            claimed_at=None,
            scheduled_for=timezone.now(),
            last_error="resent by a coordinator after a send in doubt",
            updated_at=timezone.now(),
        )
    )


def message_mark_sent(*, message: Message) -> bool:
    """An in-doubt row the coordinator found was received. Side effects: one UPDATE."""
    now = timezone.now()
    return bool(
        messages_in_doubt()
        .filter(pk=message.pk)
        .update(
            status=MessageStatus.SENT,
            sent_at=now,
            last_error="marked sent by a coordinator after a send in doubt",
            updated_at=now,
        )
    )
