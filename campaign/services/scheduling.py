"""Which outbox rows to write, and when: the hooks other services call.

The hooks (`reminders_on_*`, `messages_suppress_pending`) are called by other
services in the same transaction as their cause; they only write Message rows
and never touch the broker, so a sign-up succeeds with Redis down. This module
reads and writes models only, so any service can import it at module level;
sending the rows is `campaign.services.outbox`'s job.
"""

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from campaign.models import (
    HEARING_KINDS,
    Action,
    ActionStatus,
    Campaign,
    Channel,
    Hearing,
    Message,
    MessageKind,
    MessageStatus,
    Supporter,
)
from campaign.services.timing import coalition_tz

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
# Answers to what the public form asked for: the new supporter's link to
# their page, "please confirm" to a known address, "reply YES" to a phone.
# They need the address, not marketing consent (asking for consent is their
# point), and never go to someone who unsubscribed or bounced.
REQUESTED_MESSAGES = frozenset(
    {
        (MessageKind.SIGNUP_CONFIRMATION, Channel.EMAIL),
        (MessageKind.SIGNUP_CONFIRM_REQUEST, Channel.EMAIL),
        (MessageKind.SMS_CONSENT_REQUEST, Channel.SMS),
    }
)
THANKS_AT = dt.time(10, 0)


def _signup_email_key(supporter: Supporter) -> str:
    """One dedupe key for the form's emails (confirmation or "please confirm")
    per address and local day, whatever the number of sign-ups naming it and
    their campaigns: the form must not become a way to flood an inbox."""
    day = timezone.localtime(timezone.now(), coalition_tz()).date().isoformat()
    return f"signup-email:{supporter.pk}:{day}"


def hearing_reminder_due(*, hearing: Hearing, kind: str) -> dt.datetime:
    """When a hearing reminder of this kind is due. The thank-you goes the
    morning after the hearing (10:00 local), not late at night."""
    if kind == MessageKind.HEARING_THANKS:
        end = timezone.localtime(hearing.ends_at or hearing.starts_at, coalition_tz())
        return dt.datetime.combine(
            end.date() + dt.timedelta(days=1), THANKS_AT, tzinfo=coalition_tz()
        )
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
        _dispatch_soon_if_due(rows)
    return len(rows)


def _dispatch_soon_if_due(rows: list[Message]) -> None:
    # A row due now (a sign-up's confirmation) wakes the dispatcher once the
    # transaction commits, from a background thread: the caller never waits
    # on the broker, and the beat tick stays the safety net.
    now = timezone.now()
    if any(row.scheduled_for <= now for row in rows):
        from campaign.services.outbox import messages_dispatch_soon  # imports this module

        messages_dispatch_soon()


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


def reminders_on_signup(
    *, supporter, campaign, pledges, hearings=None, confirmation: bool = True
) -> None:
    """A supporter signed up (or signed up again) with these new pledges.
    `hearings`: the campaign's upcoming hearings when the caller has read them
    already (None: read them here, when needed). `confirmation=False`: no
    confirmation (they just followed the link of the one they got).

    Side effects: INSERTs Message rows (duplicates by dedupe key are skipped):
    a confirmation now by email (at most one a day, `_signup_email_key`) and
    by SMS (once per campaign, when they agreed to texts); a follow-up
    PLEDGE_FOLLOWUP_DAYS after each open non-hearing pledge; reminders for the campaign's upcoming
    hearings when they pledged to testify or attend."""
    now = timezone.now()
    pledges = [pledge for pledge in pledges if pledge.status == ActionStatus.PLEDGED]
    rows = []
    # The link to their page, asked for by signing up: sent without consent
    # to updates (the thanks page tells everyone to check their email).
    if confirmation and supporter.unreachable_reason(Channel.EMAIL, consent=False) is None:
        rows.append(
            _message(
                kind=MessageKind.SIGNUP_CONFIRMATION,
                channel=Channel.EMAIL,
                key=_signup_email_key(supporter),
                when=now,
                supporter=supporter,
                campaign=campaign,
                context={"pledge_ids": [pledge.pk for pledge in pledges]},
            )
        )
    if confirmation and supporter.can_receive_sms:
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
    if action.hearing_id and Action.hearing.is_cached(action):
        # The caller holds the pledge's hearing (action_record, checked by
        # action_check): a sign-up with two hearing asks reads no hearing.
        hearing = action.hearing
        upcoming = not hearing.is_cancelled and hearing.starts_at >= now
        hearings = [hearing] if upcoming else []
    else:
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
    _dispatch_soon_if_due([message])
    return message


def reminders_signup_confirm_request(
    *, supporter: Supporter, campaign: Campaign, language: str = ""
) -> None:
    """A public sign-up named this supporter's address: ask the mailbox to
    confirm, in the language the form was filled in (`language`; the stored
    one otherwise). A reply to a request made through the form, so it goes
    without marketing consent, but shares the address's one email a day with
    the sign-up confirmation (`_signup_email_key`).

    Side effects: INSERTs one Message row, due now (or none)."""
    message = _message(
        kind=MessageKind.SIGNUP_CONFIRM_REQUEST,
        channel=Channel.EMAIL,
        key=_signup_email_key(supporter),
        when=timezone.now(),
        supporter=supporter,
        campaign=campaign,
    )
    message.language = language or message.language
    _save_new([message])


def reminders_sms_consent_request(
    *, supporter: Supporter, campaign: Campaign | None, wording: str
) -> None:
    """Ask the phone to reply YES before any text reminder (confirmed opt-in:
    a form cannot prove the number is the signer's). Once per campaign (or
    once without one: the admin's tick).

    Side effects: INSERTs one Message row, due now (or none)."""
    reminders_sms_consent_requests(supporters=[supporter], campaign=campaign, wording=wording)


def reminders_sms_consent_requests(
    *, supporters: Iterable[Supporter], campaign: Campaign | None, wording: str
) -> int:
    """`reminders_sms_consent_request` for many phones at once (an import
    attesting texts): the rows in one bulk INSERT, not one per person.
    Returns how many rows were offered (those already asked are skipped)."""
    now = timezone.now()
    return _save_new(
        _message(
            kind=MessageKind.SMS_CONSENT_REQUEST,
            channel=Channel.SMS,
            key=f"sms-consent-request:{campaign.pk if campaign else 0}:{supporter.pk}",
            when=now,
            supporter=supporter,
            campaign=campaign,
            context={"wording": wording},
        )
        for supporter in supporters
    )
