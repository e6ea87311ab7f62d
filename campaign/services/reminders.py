"""The outbox: which messages to write and when, and how a due row is sent.

The hooks (`reminders_on_*`, `messages_suppress_pending`) are called by other
services in the same transaction as their cause; they only write Message rows
and never touch the broker, so a sign-up succeeds with Redis down.

Delivery, in three steps, each a committed state a crash can be read from:
1. `messages_dispatch` (beat, every minute) claims due pending rows
   (pending -> sending, `claimed_at` = the claim token) and publishes send
   tasks after the claim commits; if publishing fails the rows go back.
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
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Case, CharField, DateTimeField, F, Q, TextField, Value, When
from django.utils import timezone

from campaign.models import (
    HEARING_KINDS,
    Action,
    ActionStatus,
    Campaign,
    CampaignStatus,
    Channel,
    Hearing,
    Message,
    MessageKind,
    MessageStatus,
    Stance,
    Supporter,
)

logger = logging.getLogger(__name__)

# Prefix of `last_error` while a send is under way: if it is still there when
# anyone looks, the attempt's outcome is unknown.
IN_FLIGHT = "In doubt: sending started"

HEARING_OFFSETS = {
    MessageKind.HEARING_3D: dt.timedelta(days=3),
    MessageKind.HEARING_24H: dt.timedelta(hours=24),
    MessageKind.HEARING_2H: dt.timedelta(hours=2),
}
# The two last reminders also go by SMS to those who agreed to texts.
SMS_HEARING_KINDS = (MessageKind.HEARING_24H, MessageKind.HEARING_2H)
HEARING_REMINDER_KINDS = (*HEARING_OFFSETS, MessageKind.HEARING_THANKS)
# Replies to a supporter's own text: the FCC requires the opt-out confirmation
# even though consent is gone, and a reply is no unsolicited message.
TRANSACTIONAL_SMS_KINDS = (
    MessageKind.SMS_OPTOUT_CONFIRMATION,
    MessageKind.SMS_OPTIN_CONFIRMATION,
    MessageKind.SMS_HELP,
)
# A reminder claimed a little early is still sent; further off it waits.
_EARLY_TOLERANCE = dt.timedelta(minutes=5)
THANKS_AT = dt.time(10, 0)


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _parse_time(value: str) -> dt.time:
    hour, minute = (int(part) for part in value.split(":"))
    return dt.time(hour, minute)


def quiet_hours_end(when: dt.datetime) -> dt.datetime | None:
    """When `when` falls in the SMS quiet hours (coalition time zone), the
    moment they end; otherwise None. The end is built from the local date, so
    a DST change in between is accounted for."""
    tz = _tz()
    local = when.astimezone(tz)
    start = _parse_time(settings.QUIET_HOURS_START)
    end = _parse_time(settings.QUIET_HOURS_END)
    now = local.time()
    if start == end:
        return None
    # Usually the quiet hours span midnight (start after end).
    quiet = (now >= start or now < end) if start > end else (start <= now < end)
    if not quiet:
        return None
    day = local.date()
    if start > end and now >= start:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=tz)


def hearing_reminder_due(*, hearing: Hearing, kind: str) -> dt.datetime:
    """When a hearing reminder of this kind is due. The thank-you goes the
    morning after the hearing (10:00 local), not late at night."""
    if kind == MessageKind.HEARING_THANKS:
        end = timezone.localtime(hearing.ends_at or hearing.starts_at, _tz())
        return dt.datetime.combine(end.date() + dt.timedelta(days=1), THANKS_AT, tzinfo=_tz())
    return hearing.starts_at - HEARING_OFFSETS[kind]


def _message(
    *,
    kind: str,
    channel: str,
    key: str,
    when: dt.datetime,
    supporter: Supporter | None = None,
    user=None,
    campaign: Campaign | None = None,
    hearing: Hearing | None = None,
    action: Action | None = None,
    context: dict | None = None,
) -> Message:
    return Message(
        supporter=supporter,
        user=user,
        channel=channel,
        kind=kind,
        campaign=campaign,
        hearing=hearing,
        action=action,
        language=supporter.language if supporter is not None else "en",
        scheduled_for=when,
        dedupe_key=key[:200],
        context=context or {},
    )


def _save_new(rows: Iterable[Message]) -> int:
    """Insert rows whose dedupe key is new; existing keys are left as they are
    (the unique index decides, so a race cannot create a second reminder)."""
    rows = list(rows)
    if rows:
        Message.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _channels(supporter: Supporter, *, sms: bool) -> list[str]:
    channels = [Channel.EMAIL] if supporter.can_receive_email else []
    if sms and supporter.can_receive_sms:
        channels.append(Channel.SMS)
    return channels


def _hearing_rows(
    *, hearing: Hearing, supporter: Supporter, action: Action | None, now: dt.datetime
) -> list[Message]:
    rows = []
    for kind in HEARING_REMINDER_KINDS:
        when = hearing_reminder_due(hearing=hearing, kind=kind)
        if when <= now:
            continue
        for channel in _channels(supporter, sms=kind in SMS_HEARING_KINDS):
            rows.append(
                _message(
                    kind=kind,
                    channel=channel,
                    key=f"{kind}:{hearing.pk}:{supporter.pk}:{channel}",
                    when=when,
                    supporter=supporter,
                    campaign=hearing.campaign,
                    hearing=hearing,
                    action=action,
                )
            )
    return rows


def messages_suppress_pending(*, supporter, channel: str | None, reason: str) -> int:
    """Mark the supporter's pending messages (on one channel, or all) suppressed.

    Side effects: one UPDATE. Rows already claimed are re-checked by the
    sender right before sending, so they are not sent either."""
    pending = Message.objects.filter(supporter=supporter, status=MessageStatus.PENDING)
    if channel:
        pending = pending.filter(channel=channel)
    return pending.update(
        status=MessageStatus.SUPPRESSED, last_error=reason, updated_at=timezone.now()
    )


def reminders_on_signup(*, supporter, campaign, pledges, hearings=None) -> None:
    """A supporter signed up (or signed up again) with these new pledges.
    `hearings`: the campaign's upcoming hearings when the caller has read them
    already (None: read them here, when needed).

    Side effects: INSERTs Message rows (duplicates by dedupe key are skipped):
    a confirmation now by email (per set of new pledges) and by SMS (once per
    campaign, when they agreed to texts); a follow-up PLEDGE_FOLLOWUP_DAYS
    after each open non-hearing pledge; reminders for the campaign's upcoming
    hearings when they pledged to testify or attend."""
    now = timezone.now()
    pledges = [pledge for pledge in pledges if pledge.status == ActionStatus.PLEDGED]
    pledge_ids = "-".join(str(pledge.pk) for pledge in sorted(pledges, key=lambda p: p.pk))
    rows = []
    if supporter.can_receive_email:
        rows.append(
            _message(
                kind=MessageKind.SIGNUP_CONFIRMATION,
                channel=Channel.EMAIL,
                key=f"signup:{campaign.pk}:{supporter.pk}:{pledge_ids or 'none'}:email",
                when=now,
                supporter=supporter,
                campaign=campaign,
                context={"pledge_ids": [pledge.pk for pledge in pledges]},
            )
        )
    if supporter.can_receive_sms:
        rows.append(
            _message(
                kind=MessageKind.SIGNUP_CONFIRMATION,
                channel=Channel.SMS,
                key=f"signup:{campaign.pk}:{supporter.pk}:sms",
                when=now,
                supporter=supporter,
                campaign=campaign,
            )
        )
    hearing_pledges = [pledge for pledge in pledges if pledge.kind in HEARING_KINDS]
    for pledge in pledges:
        if pledge.kind not in HEARING_KINDS:
            rows.extend(_followup_rows(action=pledge, supporter=supporter, now=now))
    if hearing_pledges:
        if hearings is None:
            hearings = Hearing.objects.upcoming().filter(campaign=campaign)
        for hearing in hearings:
            matching = [p for p in hearing_pledges if p.hearing_id in (None, hearing.pk)]
            if matching:
                rows.extend(
                    _hearing_rows(hearing=hearing, supporter=supporter, action=matching[0], now=now)
                )
    _save_new(rows)


def _followup_rows(*, action: Action, supporter: Supporter, now: dt.datetime) -> list[Message]:
    if not supporter.can_receive_email:
        return []
    return [
        _message(
            kind=MessageKind.PLEDGE_FOLLOWUP,
            channel=Channel.EMAIL,
            key=f"pledge-followup:{action.pk}:email",
            when=now + dt.timedelta(days=settings.PLEDGE_FOLLOWUP_DAYS),
            supporter=supporter,
            campaign=action.campaign,
            action=action,
        )
    ]


def reminders_on_pledge(*, action: Action) -> None:
    """A pledge recorded outside the public form (e.g. by a coordinator).

    Side effects: INSERTs its follow-up or hearing reminders, as at sign-up."""
    if action.status != ActionStatus.PLEDGED:
        return
    now = timezone.now()
    if action.kind not in HEARING_KINDS:
        _save_new(_followup_rows(action=action, supporter=action.supporter, now=now))
        return
    hearings = Hearing.objects.upcoming().filter(campaign_id=action.campaign_id)
    if action.hearing_id:
        hearings = hearings.filter(pk=action.hearing_id)
    rows = []
    for hearing in hearings:
        rows.extend(
            _hearing_rows(hearing=hearing, supporter=action.supporter, action=action, now=now)
        )
    _save_new(rows)


def reminders_on_action_closed(*, action) -> None:
    """A pledge was completed or cancelled: its pending follow-ups go. A
    cancelled hearing pledge also takes its hearing reminders with it, unless
    the supporter still has another open pledge for that hearing.

    Side effects: UPDATEs pending Message rows to cancelled."""
    now = timezone.now()
    pending = Message.objects.filter(action=action, status=MessageStatus.PENDING)
    pending.filter(kind=MessageKind.PLEDGE_FOLLOWUP).update(
        status=MessageStatus.CANCELLED, last_error="pledge closed", updated_at=now
    )
    if action.status == ActionStatus.CANCELLED and action.kind in HEARING_KINDS:
        still_coming = (
            Action.objects.filter(
                supporter_id=action.supporter_id,
                campaign_id=action.campaign_id,
                kind__in=HEARING_KINDS,
                status=ActionStatus.PLEDGED,
            )
            .exclude(pk=action.pk)
            .exists()
        )
        if not still_coming:
            Message.objects.filter(
                supporter_id=action.supporter_id,
                campaign_id=action.campaign_id,
                kind__in=HEARING_REMINDER_KINDS,
                status=MessageStatus.PENDING,
            ).update(status=MessageStatus.CANCELLED, last_error="pledge cancelled", updated_at=now)


def _hearing_pledges(hearing: Hearing, statuses=(ActionStatus.PLEDGED,)) -> dict[int, Action]:
    """One action per supporter who pledged to testify at or attend the hearing
    (a pledge without a hearing counts for every hearing of its campaign)."""
    actions = (
        Action.objects.filter(
            campaign_id=hearing.campaign_id, kind__in=HEARING_KINDS, status__in=statuses
        )
        .filter(Q(hearing=hearing) | Q(hearing__isnull=True))
        .select_related("supporter")
        .order_by("id")
    )
    found: dict[int, Action] = {}
    for action in actions:
        found.setdefault(action.supporter_id, action)
    return found


def reminders_on_hearing_saved(*, hearing: Hearing) -> None:
    """A hearing was created or moved: pending reminders follow its new time
    (those whose time has now passed are cancelled), and pledgers without
    reminders get them.

    Side effects: UPDATEs pending rows of the hearing, INSERTs missing ones."""
    if hearing.is_cancelled:
        reminders_on_hearing_cancelled(hearing=hearing)
        return
    now = timezone.now()
    for kind in HEARING_REMINDER_KINDS:
        due = hearing_reminder_due(hearing=hearing, kind=kind)
        pending = Message.objects.filter(hearing=hearing, kind=kind, status=MessageStatus.PENDING)
        if due <= now:
            pending.update(
                status=MessageStatus.CANCELLED,
                last_error="hearing moved: this reminder's time has passed",
                updated_at=now,
            )
        else:
            pending.exclude(scheduled_for=due).update(scheduled_for=due, updated_at=now)
    if hearing.starts_at <= now:
        return
    rows = []
    for action in _hearing_pledges(hearing).values():
        rows.extend(
            _hearing_rows(hearing=hearing, supporter=action.supporter, action=action, now=now)
        )
    _save_new(rows)


def reminders_on_hearing_cancelled(*, hearing: Hearing) -> None:
    """A hearing was cancelled: its pending reminders are cancelled and everyone
    who pledged to come gets a notice (email, and SMS to those with consent).

    Side effects: UPDATEs pending rows, INSERTs notice rows (once per hearing)."""
    now = timezone.now()
    Message.objects.filter(hearing=hearing, status=MessageStatus.PENDING).exclude(
        kind=MessageKind.HEARING_CANCELLED
    ).update(status=MessageStatus.CANCELLED, last_error="hearing cancelled", updated_at=now)
    rows = []
    for action in _hearing_pledges(hearing).values():
        for channel in _channels(action.supporter, sms=True):
            rows.append(
                _message(
                    kind=MessageKind.HEARING_CANCELLED,
                    channel=channel,
                    key=f"hearing-cancelled:{hearing.pk}:{action.supporter_id}:{channel}",
                    when=now,
                    supporter=action.supporter,
                    campaign=hearing.campaign,
                    hearing=hearing,
                    action=action,
                )
            )
    _save_new(rows)


def reminders_sms_reply(*, supporter: Supporter, kind: str) -> Message:
    """Queue a reply to a supporter's text (opt-out/opt-in confirmation, help).

    Side effects: INSERTs one Message row, due now."""
    now = timezone.now()
    message = _message(
        kind=kind,
        channel=Channel.SMS,
        key=f"{kind}:{supporter.pk}:{now.isoformat()}",
        when=now,
        supporter=supporter,
    )
    message.save()
    return message


# ---------------------------------------------------------------------------
# The coordinators' daily digest
# ---------------------------------------------------------------------------


def digest_figures(*, now: dt.datetime | None = None) -> dict:
    """What happened in the last 24 hours, per active campaign (JSON-ready)."""
    now = now or timezone.now()
    since = now - dt.timedelta(hours=24)
    today = timezone.localtime(now, _tz()).date()
    overdue_cutoff = now - dt.timedelta(days=settings.PLEDGE_FOLLOWUP_DAYS)
    campaigns = []
    for campaign in Campaign.objects.filter(status=CampaignStatus.ACTIVE).order_by("name"):
        actions = Action.objects.filter(campaign=campaign)
        stances = (
            Stance.objects.filter(campaign=campaign, recorded_at__gte=since)
            .select_related("member")
            .order_by("recorded_at")
        )
        campaigns.append(
            {
                "name": campaign.name,
                "new_supporters": actions.filter(created_at__gte=since)
                .values("supporter_id")
                .distinct()
                .count(),
                "completed_actions": actions.filter(completed_at__gte=since).count(),
                "overdue_pledges": actions.filter(status=ActionStatus.PLEDGED)
                .filter(
                    Q(due_date__lt=today) | Q(due_date__isnull=True, created_at__lt=overdue_cutoff)
                )
                .count(),
                "stance_changes": [
                    {"member": str(stance.member), "position": stance.get_position_display()}
                    for stance in stances
                ],
            }
        )
    return {
        "date": today.isoformat(),
        "new_supporters": Supporter.objects.filter(created_at__gte=since).count(),
        "campaigns": campaigns,
    }


def digest_queue(*, now: dt.datetime | None = None) -> int:
    """Queue today's digest for every active coordinator with an email.

    Side effects: INSERTs one Message per coordinator per local day (running
    twice the same day adds nothing). Returns the number of rows offered."""
    from campaign.roles import COORDINATOR

    now = now or timezone.now()
    figures = digest_figures(now=now)
    users = (
        get_user_model()
        .objects.filter(groups__name=COORDINATOR, is_active=True)
        .exclude(email="")
        .distinct()
    )
    return _save_new(
        _message(
            kind=MessageKind.COORDINATOR_DIGEST,
            channel=Channel.EMAIL,
            key=f"digest:{figures['date']}:{user.pk}",
            when=now,
            user=user,
            context=figures,
        )
        for user in users
    )


# ---------------------------------------------------------------------------
# Dispatching and sending
# ---------------------------------------------------------------------------


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
        last_error__startswith=IN_FLIGHT
    )
    with transaction.atomic():
        ids = list(_lock(stale.order_by("id")).values_list("id", flat=True)[:5000])
        if not ids:
            return 0
        return stale.filter(id__in=ids).update(
            status=MessageStatus.PENDING, claimed_at=None, updated_at=now
        )


def _publish_send_tasks(ids: list[int], claim: str) -> None:
    from campaign.tasks import messages_send_task

    messages_send_task.apply_async(args=(ids, claim))


def messages_dispatch(
    *,
    batch_size: int | None = None,
    max_batches: int = 200,
    publish: Callable[[list[int], str], None] | None = None,
) -> DispatchResult:
    """Claim due pending rows, batch by batch, and publish one send task per
    chunk of MESSAGE_SEND_CHUNK ids once the claim has committed. If the broker
    refuses, the unpublished rows go back to pending and dispatching stops:
    nothing is lost, the next run tries again.

    Side effects: UPDATEs rows (pending -> sending), publishes tasks."""
    publish = publish or _publish_send_tasks
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
                ).values_list("id", flat=True)
            )
        claimed.sort()
        claim = now.isoformat()
        result.claimed += len(claimed)
        for start in range(0, len(claimed), chunk):
            part = claimed[start : start + chunk]
            try:
                publish(part, claim)
            except Exception as error:
                unpublished = claimed[start:]
                Message.objects.filter(
                    id__in=unpublished, status=MessageStatus.SENDING, claimed_at=now
                ).exclude(last_error__startswith=IN_FLIGHT).update(
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
        elif supporter.unsubscribed_at:
            return Verdict(MessageStatus.SUPPRESSED, "unsubscribed")
        elif message.channel == Channel.EMAIL:
            if not supporter.email:
                return Verdict(MessageStatus.SUPPRESSED, "no email address")
            if supporter.email_bounced_at:
                return Verdict(MessageStatus.SUPPRESSED, "email address hard-bounced")
            if not supporter.email_consent_at:
                return Verdict(MessageStatus.SUPPRESSED, "no email consent")
        elif not supporter.phone or not supporter.sms_consent_at:
            return Verdict(MessageStatus.SUPPRESSED, "no SMS consent")
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
    from campaign import messaging

    if message.channel == Channel.SMS:
        return messaging.render_sms(message)
    return messaging.render_email(message)


def _deliver(message: Message, payload, sender) -> str:
    from campaign import messaging

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
    on a crash leaves those rows in doubt, never resent."""
    from campaign.messaging import MessageError, message_language

    now = timezone.now()
    ready: list[tuple] = []
    with transaction.atomic():
        queryset = Message.objects.select_related(
            "supporter", "user", "campaign", "hearing", "action", "action__target"
        )
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
                or message.last_error.startswith(IN_FLIGHT)
            ):
                result.skipped += 1
                continue
            verdict = _recheck(message, now)
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
        local = timezone.localtime(now, _tz())
        note = (
            f"{IN_FLIGHT} {local:%Y-%m-%d %H:%M %Z}; no result recorded. "
            "Check whether it arrived, then resend it or mark it sent."
        )
        by_language: dict[str, list[int]] = {}
        for message, _payload in ready:
            by_language.setdefault(message_language(message), []).append(message.pk)
        for language, pks in by_language.items():
            _ours(pks, claim).update(
                attempts=F("attempts") + 1, language=language, last_error=note, updated_at=now
            )
    return ready


def _attempt(message: Message, payload, sender) -> _Attempt:
    from campaign.messaging import MessageError

    attempts = message.attempts + 1
    try:
        provider_id = _deliver(message, payload, sender)
    except MessageError as error:
        return _Attempt(message, attempts, timezone.now(), error=error)
    return _Attempt(message, attempts, timezone.now(), provider_id=(provider_id or "")[:255])


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
            _ours([attempt.message.pk for attempt in sent], claim).update(
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
            _ours([message.pk for message in untried], claim).filter(
                last_error__startswith=IN_FLIGHT
            ).update(
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
    records the re-check verdicts and marks the rows to send IN_FLIGHT (one
    UPDATE per language); then the emails or texts go out; then one
    transaction records the outcomes (one UPDATE for all rows sent, one per
    failed or retried row). A crash in between leaves at most the round's rows
    (at most MESSAGE_SEND_CHUNK) in doubt. A round stops sending once its
    re-check is MESSAGE_RECHECK_MAX_AGE seconds old; the rows not yet tried are
    re-locked and re-checked in the next round, so no message goes out on a
    re-check older than that."""
    from campaign.messaging import EmailSender

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
    """Rows whose send started but whose outcome was never recorded."""
    return Message.objects.filter(status=MessageStatus.SENDING, last_error__startswith=IN_FLIGHT)


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
    cancellable = Q(status__in=[MessageStatus.PENDING, MessageStatus.FAILED]) | Q(
        status=MessageStatus.SENDING, last_error__startswith=IN_FLIGHT
    )
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


# ---------------------------------------------------------------------------
# Inbound texts (the /sms/inbound/ webhook)
# ---------------------------------------------------------------------------

# FCC 24-24 (47 CFR 64.1200(a)(10)) names these; Twilio also blocks STOPALL
# and OPTOUT; the Spanish words are what our Spanish-speaking supporters send.
SMS_STOP_WORDS = frozenset(
    {
        "STOP",
        "STOPALL",
        "QUIT",
        "END",
        "REVOKE",
        "OPT OUT",
        "OPTOUT",
        "CANCEL",
        "UNSUBSCRIBE",
        "ALTO",
        "PARAR",
        "NO MAS",
    }
)
SMS_START_WORDS = frozenset({"START", "UNSTOP", "YES"})
SMS_HELP_WORDS = frozenset({"HELP", "INFO", "AYUDA"})


def sms_keyword(body: str) -> str:
    """The message as a keyword: accents dropped, case and stray spaces or
    trailing punctuation ignored ("  No más. " -> "NO MAS")."""
    import unicodedata

    text = unicodedata.normalize("NFKD", body or "")
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = " ".join(text.upper().split())
    return text.strip(" .!¡?¿,;:")


@dataclass
class InboundResult:
    action: str  # "stop", "start", "help" or "ignored"
    supporter: Supporter | None = None
    reply_inline: str = ""  # for senders we do not know: answered in the webhook


@transaction.atomic
def sms_inbound(*, phone: str, body: str) -> InboundResult:
    """Act on a text a supporter sent us.

    Side effects: STOP words withdraw SMS consent (ledger row, pending texts
    suppressed) and queue one confirmation; START re-grants SMS consent and
    queues a confirmation; HELP queues the help reply. A sender we do not know
    gets the help text inline (no row: a Message needs a recipient)."""
    from campaign.models import normalize_phone
    from campaign.services.supporters import supporter_grant_consent, supporter_withdraw_consent

    keyword = sms_keyword(body)
    try:
        number = normalize_phone(phone)
    except Exception:
        number = None
    supporter = (
        Supporter.objects.select_for_update().filter(phone=number).first() if number else None
    )
    if keyword in SMS_STOP_WORDS:
        action = "stop"
    elif keyword in SMS_START_WORDS:
        action = "start"
    elif keyword in SMS_HELP_WORDS:
        action = "help"
    else:
        return InboundResult("ignored", supporter)
    if supporter is None:
        if action == "help":
            from django.template.loader import render_to_string

            text = render_to_string(
                "sms/sms_help/en.txt",
                {"coalition_name": settings.COALITION_NAME, "site_url": settings.SITE_URL},
            )
            return InboundResult(action, None, " ".join(text.split()))
        return InboundResult(action, None)
    if action == "stop":
        # One confirmation per opt-out: a second STOP finds no consent left.
        if supporter.sms_consent_at is not None:
            supporter_withdraw_consent(supporter=supporter, channel=Channel.SMS, source="sms_stop")
            reminders_sms_reply(supporter=supporter, kind=MessageKind.SMS_OPTOUT_CONFIRMATION)
    elif action == "start":
        supporter_grant_consent(
            supporter=supporter,
            channel=Channel.SMS,
            source="sms_start",
            wording=f"Texted {keyword}",
        )
        reminders_sms_reply(supporter=supporter, kind=MessageKind.SMS_OPTIN_CONFIRMATION)
    else:
        reminders_sms_reply(supporter=supporter, kind=MessageKind.SMS_HELP)
    return InboundResult(action, supporter)
