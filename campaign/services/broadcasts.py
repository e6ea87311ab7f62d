"""Broadcasts: one message, in English and Spanish, to a segment of a
campaign's base, by email or SMS.

A broadcast becomes one outbox row per recipient (kind BROADCAST, dedupe key
per broadcast, supporter and channel), so it gets the outbox's guarantees:
sent once, in the recipient's language, only with consent, never after an
unsubscribe or a bounce, texts never in the quiet hours (the sender re-checks
all of it right before each send).

Merge fields are a small closed set written `{name}`; the text is checked
before it can be sent (an unknown name or a stray brace is a form error) and
filled per recipient at send time, with a neutral phrase in the recipient's
language where a value is missing, so no `{...}` ever reaches an inbox.
"""

import datetime as dt
import re
from dataclasses import asdict, dataclass, field, fields

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from campaign import tokens
from campaign.models import (
    HEARING_KINDS,
    IN_DOUBT,
    LEANING_POSITIONS,
    REACHABLE,
    Action,
    ActionStatus,
    Broadcast,
    BroadcastStatus,
    Campaign,
    Channel,
    CouncilMember,
    Hearing,
    Language,
    Message,
    MessageKind,
    MessageStatus,
    Supporter,
    reachable_q,
)
from campaign.selectors import campaign_supporters
from campaign.selectors_common import members_with_stance
from campaign.services.intake import member_for_supporter, seat_holders
from campaign.services.timing import quiet_hours_end

# ---------------------------------------------------------------------------
# Segments
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """Who in the campaign's base a broadcast is for: every filter set must
    hold (an empty segment is the whole base). Stored as Broadcast.segment."""

    districts: tuple[int, ...] = ()
    language: str = ""
    sector: str = ""
    tag: int | None = None
    # An action in this campaign of this kind and/or status (one action
    # meeting both when both are set).
    pledge_kind: str = ""
    pledge_status: str = ""
    # Has an action in this campaign aimed at this member.
    target: int | None = None
    # Has an open pledge to testify at or attend this hearing (a pledge naming
    # no hearing counts for every hearing, as for the hearing reminders).
    hearing: int | None = None
    # Lives in a district whose seat holder is undecided or leaning.
    undecided_constituents: bool = False

    @classmethod
    def from_json(cls, data: dict | None) -> "Segment":
        """Raises ValueError on a key this version does not know: a filter
        silently dropped would widen the audience."""
        data = dict(data or {})
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown segment filters: {sorted(unknown)}")
        if "districts" in data:
            data["districts"] = tuple(int(pk) for pk in data["districts"])
        return cls(**data)

    def to_json(self) -> dict:
        """Only the filters set, so an old broadcast's segment stays readable."""
        defaults = Segment()
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in asdict(self).items()
            if value != getattr(defaults, name)
        }


def _undecided_districts(campaign: Campaign) -> list[int]:
    """Districts whose seat holder (the intake core's rule) currently stands
    undecided or leaning (the latest stance). Two queries."""
    undecided = set(
        members_with_stance(campaign)
        .filter(position__in=LEANING_POSITIONS)
        .values_list("pk", flat=True)
    )
    return [
        district
        for district, member in seat_holders(campaign.decision_body_id).items()
        if member in undecided
    ]


def segment_supporters(*, campaign: Campaign, segment: Segment) -> QuerySet:
    """The segment's supporters in the campaign's base, reachable or not."""
    queryset = campaign_supporters(campaign)
    if segment.districts:
        queryset = queryset.filter(district_id__in=segment.districts)
    if segment.language:
        queryset = queryset.filter(language=segment.language)
    if segment.sector:
        queryset = queryset.filter(sector=segment.sector)
    if segment.tag:
        queryset = queryset.filter(
            Exists(
                Supporter.tags.through.objects.filter(
                    supporter_id=OuterRef("pk"), tag_id=segment.tag
                )
            )
        )
    actions = Action.objects.filter(campaign=campaign, supporter_id=OuterRef("pk"))
    if segment.pledge_kind or segment.pledge_status:
        matching = actions
        if segment.pledge_kind:
            matching = matching.filter(kind=segment.pledge_kind)
        if segment.pledge_status:
            matching = matching.filter(status=segment.pledge_status)
        queryset = queryset.filter(Exists(matching))
    if segment.target:
        queryset = queryset.filter(Exists(actions.filter(target_id=segment.target)))
    if segment.hearing:
        queryset = queryset.filter(
            Exists(
                actions.filter(kind__in=HEARING_KINDS, status=ActionStatus.PLEDGED).filter(
                    Q(hearing_id=segment.hearing) | Q(hearing__isnull=True)
                )
            )
        )
    if segment.undecided_constituents:
        queryset = queryset.filter(district_id__in=_undecided_districts(campaign))
    return queryset


def broadcast_segment(broadcast: Broadcast) -> Segment:
    return Segment.from_json(broadcast.segment)


def broadcast_recipients(broadcast: Broadcast) -> QuerySet:
    """Exactly who the broadcast will be written for: the segment, less those
    the channel may not reach (REACHABLE: unsubscribed, no address, bounced,
    no consent)."""
    return segment_supporters(
        campaign=broadcast.campaign, segment=broadcast_segment(broadcast)
    ).filter(reachable_q(broadcast.channel))


@dataclass
class Audience:
    in_segment: int
    recipients: int
    # (reason, how many), in REACHABLE's order: each person counted once,
    # under the first condition they fail (what the sender would record).
    left_out: list[tuple[str, int]] = field(default_factory=list)


# The sender's reasons, as a coordinator reads them.
LEFT_OUT_LABELS = {
    "unsubscribed": gettext_noop("Unsubscribed"),
    "no email address": gettext_noop("No email address"),
    "email address hard-bounced": gettext_noop("Email address bounced"),
    "no email consent": gettext_noop("No consent to email"),
    "no phone number": gettext_noop("No mobile phone"),
    "no SMS consent": gettext_noop("No consent to text messages"),
}


def broadcast_audience(*, campaign: Campaign, segment: Segment, channel: str) -> Audience:
    """The segment's size, the recipients and who is left out and why, in
    one query (conditional counts over the segment)."""
    counts = {"in_segment": Count("pk"), "recipients": Count("pk", filter=reachable_q(channel))}
    holds = Q()
    for index, condition in enumerate(REACHABLE[channel]):
        counts[f"out_{index}"] = Count("pk", filter=holds & ~condition.q())
        holds &= condition.q()
    figures = segment_supporters(campaign=campaign, segment=segment).aggregate(**counts)
    left_out = [
        (_(LEFT_OUT_LABELS.get(condition.reason, condition.reason)), figures[f"out_{index}"])
        for index, condition in enumerate(REACHABLE[channel])
        if figures[f"out_{index}"]
    ]
    return Audience(figures["in_segment"], figures["recipients"], left_out)


# ---------------------------------------------------------------------------
# Merge fields
# ---------------------------------------------------------------------------

MERGE_FIELDS = (
    "first_name",
    "commissioner",
    "district",
    "hearing_date",
    "hearing_place",
    "action_link",
)
_FIELD = re.compile(r"\{([^{}]*)\}")

# What a missing value reads as, in the recipient's language.
FALLBACKS = {
    Language.ENGLISH: {
        "first_name": "friend",
        "commissioner": "your commissioner",
        "district": "your district",
        "hearing_date": "the hearing date",
        "hearing_place": "the hearing place",
        "action_link": "",
    },
    Language.SPANISH: {
        "first_name": "amigo(a)",
        "commissioner": "su comisionado(a)",
        "district": "su distrito",
        "hearing_date": "la fecha de la audiencia",
        "hearing_place": "el lugar de la audiencia",
        "action_link": "",
    },
}
_DATE_FORMATS = {Language.ENGLISH: "l, F j, g:i A", Language.SPANISH: r"l j \d\e F, H:i"}


def merge_errors(text: str) -> list[str]:
    """What is wrong with the merge fields of `text` (empty when nothing)."""
    errors = []
    unknown = sorted({name for name in _FIELD.findall(text) if name not in MERGE_FIELDS})
    if unknown:
        errors.append(
            _("Unknown merge field: %(fields)s. Use one of: %(known)s.")
            % {
                "fields": ", ".join(f"{{{name}}}" for name in unknown),
                "known": ", ".join(f"{{{name}}}" for name in MERGE_FIELDS),
            }
        )
    if "{" in _FIELD.sub("", text) or "}" in _FIELD.sub("", text):
        errors.append(
            _("A brace { or } is not part of a merge field such as {first_name}: remove it.")
        )
    return errors


SMS_MAX_LENGTH = 480


def broadcast_check(
    *, channel: str, subject: str, subject_es: str, body: str, body_es: str
) -> dict[str, list[str]]:
    """Field name -> what is wrong, before a broadcast may be saved or sent."""
    errors: dict[str, list[str]] = {}
    texts = {"subject": subject, "subject_es": subject_es, "body": body, "body_es": body_es}
    for name, text in texts.items():
        found = merge_errors(text or "")
        if found:
            errors[name] = found
    if channel == Channel.EMAIL and not (subject or "").strip():
        errors.setdefault("subject", []).append(_("An email needs a subject."))
    if not (body or "").strip():
        errors.setdefault("body", []).append(_("Write the message in English."))
    if channel == Channel.EMAIL and (body_es or "").strip() and not (subject_es or "").strip():
        errors.setdefault("subject_es", []).append(
            _("The Spanish message needs a Spanish subject.")
        )
    if channel == Channel.SMS:
        for name in ("body", "body_es"):
            if len(texts[name] or "") > SMS_MAX_LENGTH:
                errors.setdefault(name, []).append(
                    _("A text message can be at most %(n)d characters.") % {"n": SMS_MAX_LENGTH}
                )
    return errors


def broadcast_language(broadcast: Broadcast, language: str) -> str:
    """The recipient's language when the broadcast was written in it,
    otherwise English."""
    if language == Language.SPANISH and broadcast.body_es.strip():
        return Language.SPANISH
    return Language.ENGLISH


@dataclass
class MergeSource:
    """Where a recipient's merge values come from."""

    first_name: str = ""
    member: CouncilMember | None = None
    district: str = ""
    action_link: str = ""


def merge_values(*, broadcast: Broadcast, source: MergeSource, language: str) -> dict[str, str]:
    fallback = FALLBACKS[language]
    values = {
        "first_name": source.first_name,
        "commissioner": (
            f"{source.member.localized_title(language)} {source.member.name}".strip()
            if source.member
            else ""
        ),
        "district": source.district,
        "action_link": source.action_link,
        "hearing_date": "",
        "hearing_place": "",
    }
    hearing = broadcast.hearing
    if hearing is not None:
        with translation.override(language):
            values["hearing_date"] = formats.date_format(
                timezone.localtime(hearing.starts_at), _DATE_FORMATS[language]
            )
        values["hearing_place"] = ", ".join(
            part for part in (hearing.location_name, hearing.address.replace("\n", ", ")) if part
        )
    return {name: value or fallback[name] for name, value in values.items()}


def merge_render(text: str, values: dict[str, str]) -> str:
    """`text` with each known `{name}` replaced. Text that failed
    merge_errors never gets here (it cannot be saved); a name unknown anyway
    is dropped rather than shown."""
    return _FIELD.sub(lambda match: values.get(match.group(1), ""), text)


def supporter_merge_source(
    *, broadcast: Broadcast, supporter: Supporter, links: bool = True
) -> MergeSource:
    """A recipient's values: their member by the intake core's seat rule
    (one query), their district, and, when `links` and the text uses it, a
    freshly minted personal action link."""
    uses_link = "{action_link}" in "".join(
        (broadcast.subject, broadcast.subject_es, broadcast.body, broadcast.body_es)
    )
    member = member_for_supporter(supporter=supporter, campaign=broadcast.campaign)
    district = supporter.district.name if supporter.district_id else ""
    link = ""
    if uses_link:
        link = (
            tokens.action_page_url(supporter, broadcast.campaign)
            if links
            else f"{settings.SITE_URL}/…"
        )
    return MergeSource(supporter.first_name, member, district, link)


def broadcast_render(
    *, broadcast: Broadcast, source: MergeSource, language: str
) -> tuple[str, str]:
    """(subject, body) for one recipient in `language`, merge fields filled."""
    language = broadcast_language(broadcast, language)
    values = merge_values(broadcast=broadcast, source=source, language=language)
    return (
        merge_render(broadcast.localized("subject", language), values),
        merge_render(broadcast.localized("body", language), values),
    )


def message_broadcast_context(*, message: Message, language: str) -> dict:
    """What campaign.messaging adds to a broadcast row's template context."""
    broadcast = message.broadcast
    if message.supporter_id:
        source = supporter_merge_source(broadcast=broadcast, supporter=message.supporter)
    else:
        # A coordinator's test: their own name, the neutral phrases elsewhere.
        source = MergeSource(first_name=message.user.first_name)
    subject, body = broadcast_render(broadcast=broadcast, source=source, language=language)
    if not subject:
        # A text message's test arrives by email: its opening words as subject.
        subject = " ".join(body.split())[:60]
    return {
        "broadcast_subject": subject,
        "broadcast_body": body,
        "is_test": bool((message.context or {}).get("test")),
    }


# ---------------------------------------------------------------------------
# Lifecycle: schedule, queue, cancel, test, progress
# ---------------------------------------------------------------------------

PENDING_STATUSES = (BroadcastStatus.DRAFT, BroadcastStatus.SCHEDULED)
QUEUE_CHUNK = 1000


def _check_or_raise(broadcast: Broadcast) -> None:
    errors = broadcast_check(
        channel=broadcast.channel,
        subject=broadcast.subject,
        subject_es=broadcast.subject_es,
        body=broadcast.body,
        body_es=broadcast.body_es,
    )
    if errors:
        raise ValidationError(errors)
    broadcast_segment(broadcast)


def broadcast_save(*, broadcast: Broadcast) -> Broadcast:
    """Create or update a draft or scheduled broadcast.

    Side effects: INSERT/UPDATE. Raises ValidationError on bad text, and
    when the broadcast has left the draft (queued or cancelled)."""
    if broadcast.pk and broadcast.status not in PENDING_STATUSES:
        raise ValidationError(_("This broadcast was already sent or cancelled."))
    _check_or_raise(broadcast)
    broadcast.full_clean()
    broadcast.save()
    return broadcast


def broadcast_schedule(*, broadcast: Broadcast, send_at: dt.datetime) -> bool:
    """Send at `send_at` (the beat task queues it then). False when the
    broadcast was already queued or cancelled.

    Side effects: one conditional UPDATE."""
    if send_at <= timezone.now():
        raise ValidationError({"send_at": _("Choose a time in the future.")})
    _check_or_raise(broadcast)
    updated = Broadcast.objects.filter(pk=broadcast.pk, status__in=PENDING_STATUSES).update(
        status=BroadcastStatus.SCHEDULED, send_at=send_at, updated_at=timezone.now()
    )
    if updated:
        broadcast.status, broadcast.send_at = BroadcastStatus.SCHEDULED, send_at
    return bool(updated)


def _per_minute(channel: str) -> int:
    if channel == Channel.SMS:
        return max(1, settings.BROADCAST_SMS_PER_MINUTE)
    return max(1, settings.BROADCAST_EMAIL_PER_MINUTE)


def broadcast_queue(*, broadcast: Broadcast, now: dt.datetime | None = None) -> int | None:
    """Write one outbox row per recipient; returns how many were written, or
    None when the broadcast was no longer a draft or scheduled.
    Idempotent: the status moves draft/scheduled -> queued by a conditional
    UPDATE in the same transaction as the rows, so a double click or a retry
    queues nothing the second time, and a crash queues nothing at all; the
    dedupe key (broadcast, supporter, channel) keeps one row per person even so.

    Rows are spread BROADCAST_<CHANNEL>_PER_MINUTE a minute; texts start when
    the SMS quiet hours end (the sender defers any that fall in them later).

    Side effects: UPDATE of the broadcast, INSERTs of Message rows (chunks)."""
    now = now or timezone.now()
    _check_or_raise(broadcast)
    with transaction.atomic():
        claimed = Broadcast.objects.filter(pk=broadcast.pk, status__in=PENDING_STATUSES).update(
            status=BroadcastStatus.QUEUED, queued_at=now, updated_at=now
        )
        if not claimed:
            return None
        broadcast.status, broadcast.queued_at = BroadcastStatus.QUEUED, now
        start = now
        if broadcast.channel == Channel.SMS:
            start = quiet_hours_end(now) or now
        per_minute = _per_minute(broadcast.channel)
        recipients = broadcast_recipients(broadcast).order_by("pk").values_list("pk", "language")
        rows, written = [], 0
        for index, (supporter_id, language) in enumerate(recipients.iterator(QUEUE_CHUNK)):
            rows.append(
                Message(
                    supporter_id=supporter_id,
                    channel=broadcast.channel,
                    kind=MessageKind.BROADCAST,
                    campaign_id=broadcast.campaign_id,
                    hearing_id=broadcast.hearing_id,
                    broadcast=broadcast,
                    language=broadcast_language(broadcast, language),
                    scheduled_for=start + dt.timedelta(minutes=index // per_minute),
                    dedupe_key=f"broadcast:{broadcast.pk}:{supporter_id}:{broadcast.channel}",
                )
            )
            if len(rows) == QUEUE_CHUNK:
                Message.objects.bulk_create(rows, ignore_conflicts=True)
                written, rows = written + len(rows), []
        if rows:
            Message.objects.bulk_create(rows, ignore_conflicts=True)
            written += len(rows)
    return written


def broadcasts_queue_due(*, now: dt.datetime | None = None) -> int:
    """Queue the scheduled broadcasts whose time has come (beat, every
    minute). Returns how many rows were written. Side effects: broadcast_queue."""
    now = now or timezone.now()
    written = 0
    due = Broadcast.objects.filter(status=BroadcastStatus.SCHEDULED, send_at__lte=now)
    for broadcast in due.select_related("campaign", "hearing").order_by("send_at", "pk"):
        try:
            written += broadcast_queue(broadcast=broadcast, now=now) or 0
        except (ValidationError, ValueError):
            # Text that no longer passes (checked when scheduled): it stays
            # scheduled and the coordinator sees it on its page.
            continue
    return written


def broadcast_cancel(*, broadcast: Broadcast) -> int:
    """Stop a broadcast: nothing more of it goes out. Returns how many rows
    were cancelled. Rows already claimed by the sender are stopped by its
    re-check (campaign.services.outbox), a row whose send started is not.

    Side effects: one conditional UPDATE of the broadcast, one of its pending rows."""
    now = timezone.now()
    with transaction.atomic():
        Broadcast.objects.filter(
            pk=broadcast.pk, status__in=(*PENDING_STATUSES, BroadcastStatus.QUEUED)
        ).update(status=BroadcastStatus.CANCELLED, cancelled_at=now, updated_at=now)
        broadcast.refresh_from_db(fields=["status", "cancelled_at"])
        return Message.objects.filter(broadcast=broadcast, status=MessageStatus.PENDING).update(
            status=MessageStatus.CANCELLED, last_error="broadcast cancelled", updated_at=now
        )


def broadcast_send_test(*, broadcast: Broadcast, user) -> list[Message]:
    """Email the broadcast to the coordinator `user` (one per language it is
    written in), marked as a test and never counted in its progress.

    Side effects: INSERTs one or two Message rows, due now."""
    _check_or_raise(broadcast)
    if not user.email:
        raise ValidationError(_("Your account has no email address to send the test to."))
    now = timezone.now()
    languages = [Language.ENGLISH] + ([Language.SPANISH] if broadcast.body_es.strip() else [])
    rows = [
        Message(
            user=user,
            channel=Channel.EMAIL,
            kind=MessageKind.BROADCAST,
            campaign_id=broadcast.campaign_id,
            hearing_id=broadcast.hearing_id,
            broadcast=broadcast,
            language=language,
            scheduled_for=now,
            dedupe_key=f"broadcast-test:{broadcast.pk}:{user.pk}:{language}:{now.isoformat()}",
            context={"test": True},
        )
        for language in languages
    ]
    return Message.objects.bulk_create(rows)


@dataclass
class Progress:
    pending: int = 0  # queued, not yet sent
    sending: int = 0
    in_doubt: int = 0
    sent: int = 0
    failed: int = 0
    suppressed: int = 0
    cancelled: int = 0

    @property
    def total(self) -> int:
        return (
            self.pending
            + self.sending
            + self.in_doubt
            + self.sent
            + self.failed
            + self.suppressed
            + self.cancelled
        )

    @property
    def queued(self) -> int:
        """Waiting or on their way."""
        return self.pending + self.sending


RECIPIENT_ROWS = Q(supporter__isnull=False)  # tests go to staff: not counted


def progress_counts(prefix: str = "") -> dict:
    """The Progress figures as conditional counts over Message rows (or, with
    `prefix` "messages__", over a broadcast's rows), for one query."""

    def where(condition: Q) -> Count:
        return Count(f"{prefix}pk" if prefix else "pk", filter=condition)

    def status(value) -> Q:
        return Q(**{f"{prefix}status": value})

    doubt = Q(**{f"{prefix}{key}": value for key, value in IN_DOUBT.children})
    recipient = Q(**{f"{prefix}supporter__isnull": False})
    return {
        "p_pending": where(recipient & status(MessageStatus.PENDING)),
        "p_sending": where(recipient & status(MessageStatus.SENDING) & ~doubt),
        "p_in_doubt": where(recipient & doubt),
        "p_sent": where(recipient & status(MessageStatus.SENT)),
        "p_failed": where(recipient & status(MessageStatus.FAILED)),
        "p_suppressed": where(recipient & status(MessageStatus.SUPPRESSED)),
        "p_cancelled": where(recipient & status(MessageStatus.CANCELLED)),
    }


def progress_from(figures) -> Progress:
    get = figures.get if isinstance(figures, dict) else lambda key: getattr(figures, key)
    return Progress(**{name: get(f"p_{name}") or 0 for name in Progress.__dataclass_fields__})


def broadcast_progress(broadcast: Broadcast) -> Progress:
    """Its recipients' rows by status, in one query."""
    return progress_from(Message.objects.filter(broadcast=broadcast).aggregate(**progress_counts()))


# ---------------------------------------------------------------------------
# A hearing added or moved: the broadcast to offer
# ---------------------------------------------------------------------------

HEARING_NEW = "new"
HEARING_MOVED = "moved"

_OFFER_TEXT = {
    HEARING_NEW: {
        "subject": "New hearing: {hearing_date}",
        "body": (
            "Hi {first_name},\n\nThe county board has set a public hearing on {hearing_date} "
            "at {hearing_place}. Your voice counts: come speak, send written testimony, or "
            "simply be there.\n\nTell us what you can do: {action_link}"
        ),
        "subject_es": "Nueva audiencia: {hearing_date}",
        "body_es": (
            "Hola {first_name}:\n\nLa junta del condado fijó una audiencia pública el "
            "{hearing_date} en {hearing_place}. Su voz cuenta: venga a hablar, envíe un "
            "testimonio escrito o simplemente acompáñenos.\n\nDíganos qué puede hacer: "
            "{action_link}"
        ),
    },
    HEARING_MOVED: {
        "subject": "The hearing has moved: {hearing_date}",
        "body": (
            "Hi {first_name},\n\nThe hearing you plan to come to has changed. It is now on "
            "{hearing_date} at {hearing_place}.\n\nYour page: {action_link}"
        ),
        "subject_es": "La audiencia cambió: {hearing_date}",
        "body_es": (
            "Hola {first_name}:\n\nLa audiencia a la que piensa asistir cambió. Ahora es el "
            "{hearing_date} en {hearing_place}.\n\nSu página: {action_link}"
        ),
    },
}


def broadcast_hearing_offer(*, hearing: Hearing, change: str) -> dict:
    """The composer's starting values for a hearing just added (`new`: to the
    whole base) or moved (`moved`: to those with an open pledge for it)."""
    segment = Segment(hearing=hearing.pk) if change == HEARING_MOVED else Segment()
    return {
        **_OFFER_TEXT[change],
        "channel": Channel.EMAIL,
        "hearing": hearing.pk,
        "segment": segment.to_json(),
    }
