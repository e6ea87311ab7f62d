"""The rights of the people in the list: access, erasure, and how long
anything is kept (retention).

Access (`supporter_access_export`): everything held about one person, as
data.json, a readable index.html and a CSV per list, in one zip. Nothing
about anyone else: a recruiter is "recruited through a share link", never a
name; a sign-up held for confirmation shows what was asked for, never what
was typed (anyone can type a known address into the public form); links
show their dates, never a token.

Erasure (`supporter_erase`): every trace of identity goes; the row stays as
an anonymous "Erased" supporter so their actions, memberships and consent
history still count (the whip count, pressure, base and history figures do
not change). Kept: district, sector, language and youth (the categories the
dashboard counts by), actions without their note, memberships (recruited_by
included: the organizing figures count it), consent events without source or
wording, messages without context, provider id or error, the app's own tags
(non-constituent, reached, do-not-call, wrong-number: figures read them).
Gone: names, email, phone, street, ZIP, notes, coordinator-made tags, the
pending messages (cancelled), sign-ups waiting for them, their personal links
(share links are revoked, not deleted: their tokens are derived from a count
of rows), phone-bank claims, idempotency keys (an action import's key hashes
the email), the admin log's copies of their name and the audit trail's
copies of their values (it keeps who did what and when). One-way hashes of the
email and phone go to the suppression list.

Suppression: an erased address is refused on every staff path (admin,
quick log, bulk log, imports) with ERASED_REFUSAL, and the outbox never sends
to it. Only the person signing up anew on the public form (or confirming a
held sign-up from their mailbox) lifts it (`suppressions_lift`).

Retention (`privacy_retention_run`, daily): the settings RETAIN_* say how
long message details, import files, admin import previews, login records and
inbound text ids are kept; dead personal links and used or expired held
sign-ups go at once; supporters inactive for REVIEW_INACTIVE_MONTHS are
tagged for a coordinator's review, never deleted automatically.
"""

import csv
import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import BooleanField, Case, Exists, Func, OuterRef, Q, Value, When
from django.db.models.functions import SHA256
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaign.models import (
    Action,
    Channel,
    ConsentEvent,
    ImportJob,
    InboundSms,
    Membership,
    Message,
    MessageStatus,
    PendingSignup,
    SignupSubmission,
    Supporter,
    SupporterLink,
    Suppression,
    Tag,
    normalize_email,
)

ERASED_REFUSAL = _(
    "This address asked to be erased. Only the person signing up again "
    "themselves can bring it back."
)
ERASED_NAME = "Erased"
ERASED_SOURCE = "erased"
# The outbox's reason on a message it holds back for a suppressed address.
SUPPRESSED_REASON = "address erased on request"
REVIEW_INACTIVE_TAG = "review-inactive"
# Tags the app itself writes and its figures read (the roster's "confirmed"
# reads reached-c<id>; the call list skips do-not-call and wrong-number).
_SYSTEM_TAGS = re.compile(r"^(non-constituent|do-not-call|wrong-number|reached-c\d+)$")
# The admin import preview's files (IMPORT_EXPORT_TMP_STORAGE_CLASS is
# MediaStorage): this folder of MEDIA_ROOT.
IMPORT_PREVIEW_FOLDER = "django-import-export"
IMPORT_FILES_FOLDER = "imports"


# ---------------------------------------------------------------------------
# Suppression: one-way hashes of erased addresses
# ---------------------------------------------------------------------------


def address_digest(value: str) -> str:
    """SHA-256 (hex) of a normalised address: a lower-cased email or an E.164
    phone (as every path stores them)."""
    return hashlib.sha256(value.encode()).hexdigest()


def _kind(value: str) -> str:
    return Suppression.Kind.EMAIL if "@" in value else Suppression.Kind.PHONE


class _Sha256Hex(SHA256):
    """SHA-256 in hex, in SQL. Django's SHA256 needs pgcrypto's DIGEST on
    PostgreSQL; the built-in sha256() (PostgreSQL 11+) needs no extension."""

    def as_postgresql(self, compiler, connection, **extra_context):
        return Func.as_sql(
            self,
            compiler,
            connection,
            template="ENCODE(SHA256(CONVERT_TO(%(expressions)s, 'UTF8')), 'hex')",
            **extra_context,
        )


def address_erased() -> Case:
    """Whether a message's address (its supporter's email for an email, phone
    for a text) is on the suppression list, as an annotation on Message: the
    outbox reads it with the rows it locks, at no extra query."""

    def listed(kind: str, address: str) -> Exists:
        return Exists(Suppression.objects.filter(kind=kind, digest=_Sha256Hex(OuterRef(address))))

    return Case(
        When(channel=Channel.EMAIL, then=listed(Suppression.Kind.EMAIL, "supporter__email")),
        When(channel=Channel.SMS, then=listed(Suppression.Kind.PHONE, "supporter__phone")),
        default=Value(False),
        output_field=BooleanField(),
    )


def suppressed_among(*, emails: Iterable[str] = (), phones: Iterable[str] = ()) -> set[str]:
    """Which of these normalised emails and phones belong to someone erased.
    One query per thousand values (none for none)."""
    wanted = {
        (kind, address_digest(value)): value
        for kind, values in ((Suppression.Kind.EMAIL, emails), (Suppression.Kind.PHONE, phones))
        for value in values
        if value
    }
    found: set[str] = set()
    keys = list(wanted)
    for start in range(0, len(keys), 1000):
        chunk = keys[start : start + 1000]
        rows = Suppression.objects.filter(digest__in=[digest for _kind, digest in chunk])
        for kind, digest in rows.values_list("kind", "digest"):
            if (kind, digest) in wanted:
                found.add(wanted[(kind, digest)])
    return found


def suppressions_record(*, values: Iterable[str], reason: str = "") -> int:
    """Suppress these normalised addresses (an address already suppressed
    stays as it was). Side effects: one INSERT. Returns how many were given."""
    rows = [
        Suppression(kind=_kind(value), digest=address_digest(value), reason=reason[:100])
        for value in values
        if value
    ]
    Suppression.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def suppressions_lift(*, email: str | None = None, phone: str | None = None) -> int:
    """The person signed up anew themselves: their address may be used again.
    Side effects: DELETE of the matching suppressions. Returns how many."""
    digests = [address_digest(value) for value in (email, phone) if value]
    if not digests:
        return 0
    return Suppression.objects.filter(digest__in=digests).delete()[0]


# ---------------------------------------------------------------------------
# Access: everything held about one person
# ---------------------------------------------------------------------------


def _when(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(microsecond=0).isoformat()
    return value.isoformat()


def _audit_entries(supporter: Supporter) -> list[dict]:
    """Audit entries about this person, oldest first: the admin's own log of
    changes to their record and the audit trail's entries (changes to their
    record, actions and consents; reads of their data). Each says when, what
    kind of event, and which fields changed; not which staff member, and no
    values (their current values are in the export)."""
    from campaign.audit import audit_entries_about

    admin_log = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Supporter), object_id=str(supporter.pk)
    ).order_by("action_time", "id")
    labels = {1: "added", 2: "changed", 3: "deleted"}
    entries = [
        (
            entry.action_time,
            {
                "when": _when(entry.action_time),
                "source": "admin history",
                "action": labels.get(entry.action_flag, str(entry.action_flag)),
                "about": "their record",
                "detail": str(entry.get_change_message()),
            },
        )
        for entry in admin_log
    ]
    for entry in audit_entries_about(supporter):
        data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
        fields = sorted(entry.changes) if isinstance(entry.changes, dict) else []
        entries.append(
            (
                entry.timestamp,
                {
                    "when": _when(entry.timestamp),
                    "source": "audit trail",
                    "action": entry.get_action_display(),
                    "about": entry.content_type.model_class()._meta.verbose_name
                    if entry.content_type.model_class()
                    else "",
                    "detail": data.get("event") or ", ".join(fields),
                },
            )
        )
    return [row for _when_at, row in sorted(entries, key=lambda pair: pair[0])]


IMPORTS_NOTE = (
    "Imports are not recorded per person: an import keeps its counts and, for rows it "
    "could not use, the row number, field and reason, never which row named whom. A "
    "membership 'joined through: Import' shows that an import brought this person into "
    "that campaign. Import files are deleted {days} days after the import."
)
SIGNUPS_NOTE = (
    "Sign-ups held for confirmation show what was asked for, not the name or phone typed: "
    "anyone can type an address into the public form, so what they typed may not be yours."
)


def supporter_access_data(supporter: Supporter) -> dict:
    """Everything held about `supporter`, JSON-ready (see the module
    docstring for what is left out). A few queries, no writes."""
    s = supporter
    person = {
        "id": s.pk,
        "first_name": s.first_name,
        "last_name": s.last_name,
        "email": s.email,
        "phone": s.phone,
        "street_address": s.street_address,
        "zip_code": s.zip_code,
        "latitude": s.latitude,
        "longitude": s.longitude,
        "district": str(s.district) if s.district_id else None,
        "language": s.get_language_display(),
        "sector": s.get_sector_display() if s.sector else "",
        "youth": s.is_youth,
        "notes": s.notes,
        "email_consent_at": _when(s.email_consent_at),
        "email_consent_source": s.email_consent_source,
        "sms_consent_at": _when(s.sms_consent_at),
        "sms_consent_source": s.sms_consent_source,
        "unsubscribed_at": _when(s.unsubscribed_at),
        "email_bounced_at": _when(s.email_bounced_at),
        "erased_at": _when(s.erased_at),
        "created_at": _when(s.created_at),
        "updated_at": _when(s.updated_at),
    }
    consents = [
        {
            "when": _when(event.occurred_at),
            "channel": event.get_channel_display(),
            "event": event.get_kind_display(),
            "source": event.source,
            "campaign": event.campaign.name if event.campaign_id else "",
            "wording": event.wording,
        }
        for event in s.consent_events.select_related("campaign").order_by("occurred_at", "id")
    ]
    memberships = [
        {
            "campaign": membership.campaign.name,
            "joined_at": _when(membership.joined_at),
            "joined_through": membership.source,
            "recruited_through_a_share_link": membership.recruited_by_id is not None,
        }
        for membership in s.memberships.select_related("campaign").order_by("joined_at", "id")
    ]
    actions = [
        {
            "campaign": action.campaign.name,
            "kind": action.get_kind_display(),
            "status": action.get_status_display(),
            "target_member": action.target.name if action.target_id else "",
            "hearing": str(action.hearing) if action.hearing_id else "",
            "due_date": _when(action.due_date),
            "completed_at": _when(action.completed_at),
            "created_at": _when(action.created_at),
            "source": action.get_source_display(),
            "outcome_note": action.outcome_note,
        }
        for action in s.actions.select_related("campaign", "target", "hearing").order_by(
            "created_at", "id"
        )
    ]
    messages = [
        {
            "kind": message.get_kind_display(),
            "channel": message.get_channel_display(),
            "campaign": message.campaign.name if message.campaign_id else "",
            "language": message.language,
            "scheduled_for": _when(message.scheduled_for),
            "sent_at": _when(message.sent_at),
            "status": message.get_status_display(),
        }
        for message in s.messages.select_related("campaign").order_by("scheduled_for", "id")
    ]
    pending_signups = [
        {
            "campaign": pending.campaign.name,
            "received_at": _when(pending.created_at),
            "confirmed_at": _when(pending.confirmed_at),
            "asked_for": ", ".join(pending.payload.get("asks") or []),
        }
        for pending in s.pending_signups.select_related("campaign").order_by("created_at", "id")
    ]
    received = (
        SignupSubmission.objects.filter(payload__email=s.email).select_related("campaign")
        if s.email
        else SignupSubmission.objects.none()
    )
    signups_received = [
        {"campaign": row.campaign.name, "received_at": _when(row.received_at)}
        for row in received.order_by("received_at", "id")
    ]
    links = [
        {
            "purpose": link.get_purpose_display(),
            "campaign": link.campaign.name if link.campaign_id else "",
            "created_at": _when(link.created_at),
            "revoked_at": _when(link.revoked_at),
        }
        for link in s.links.select_related("campaign").order_by("created_at", "id")
    ]
    claims = [
        {
            "campaign": claim.campaign.name,
            "claimed_at": _when(claim.claimed_at),
            "expires_at": _when(claim.expires_at),
        }
        for claim in s.call_claims.select_related("campaign").order_by("claimed_at", "id")
    ]
    return {
        "generated_at": _when(timezone.now()),
        "held_by": settings.COALITION_NAME,
        "person": person,
        "tags": sorted(s.tags.values_list("name", flat=True)),
        "consents": consents,
        "memberships": memberships,
        "actions": actions,
        "messages": messages,
        "pending_signups": pending_signups,
        "signups_received": signups_received,
        "links": links,
        "phone_bank_claims": claims,
        "imports": IMPORTS_NOTE.format(days=settings.RETAIN_IMPORT_FILES_DAYS),
        "signups_note": SIGNUPS_NOTE,
        "audit": _audit_entries(s),
    }


# The lists of data.json written as CSV files too.
_CSV_SECTIONS = (
    "consents",
    "memberships",
    "actions",
    "messages",
    "pending_signups",
    "signups_received",
    "links",
    "phone_bank_claims",
    "audit",
)


def _csv(rows: list[dict]) -> str:
    # Imported here: campaign.exports reads the selectors, which read the
    # intake core, which reads this module.
    from campaign.exports import neutralise

    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel reads UTF-8 then
    writer = csv.writer(buffer)
    if rows:
        writer.writerow(rows[0].keys())
        for row in rows:
            writer.writerow(neutralise(value) for value in row.values())
    return buffer.getvalue()


def supporter_access_export(supporter: Supporter) -> bytes:
    """The answer to an access request: a zip of data.json, index.html (the
    same, readable) and one CSV per list. No writes."""
    data = supporter_access_data(supporter)
    sections = [(name, data[name]) for name in _CSV_SECTIONS]
    html = render_to_string(
        "admin/campaign/supporter/access_export.html",
        {"data": data, "person": data["person"], "sections": sections},
    )
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("data.json", json.dumps(data, indent=2, ensure_ascii=False))
        zipped.writestr("index.html", html)
        for name, rows in sections:
            zipped.writestr(f"{name}.csv", _csv(rows))
    return archive.getvalue()


def access_filename(supporter: Supporter) -> str:
    return f"access-request-{supporter.pk}-{timezone.localdate().isoformat()}.zip"


# ---------------------------------------------------------------------------
# Erasure
# ---------------------------------------------------------------------------


@dataclass
class Erasure:
    """What an erasure removes and keeps (a plan before, the result after)."""

    actions_kept: int = 0
    memberships_kept: int = 0
    consents_kept: int = 0
    messages_cancelled: int = 0
    messages_cleared: int = 0
    signups_deleted: int = 0
    links_removed: int = 0
    claims_deleted: int = 0
    tags_removed: int = 0
    log_entries_scrubbed: int = 0
    suppressed: list[str] = field(default_factory=list)


_OPEN_MESSAGES = (MessageStatus.PENDING, MessageStatus.SENDING)


def _personal_tags(supporter: Supporter) -> list[Tag]:
    return [tag for tag in supporter.tags.all() if not _SYSTEM_TAGS.match(tag.name)]


def _log_entries(supporter: Supporter, action_ids: list[int]):
    types = ContentType.objects.get_for_models(Supporter, Action)
    return LogEntry.objects.filter(
        Q(content_type=types[Supporter], object_id=str(supporter.pk))
        | Q(content_type=types[Action], object_id__in=[str(pk) for pk in action_ids])
    )


def _submissions(supporter: Supporter):
    query = Q(pk__in=[])
    if supporter.email:
        query |= Q(payload__email=supporter.email)
    if supporter.phone:
        query |= Q(payload__phone=supporter.phone)
    return SignupSubmission.objects.filter(query)


def supporter_erasure_plan(supporter: Supporter) -> Erasure:
    """What `supporter_erase` would do, counted (the confirmation page)."""
    action_ids = list(supporter.actions.values_list("pk", flat=True))
    messages = supporter.messages.all()
    return Erasure(
        actions_kept=len(action_ids),
        memberships_kept=supporter.memberships.count(),
        consents_kept=supporter.consent_events.count(),
        messages_cancelled=messages.filter(status__in=_OPEN_MESSAGES).count(),
        messages_cleared=messages.exclude(status__in=_OPEN_MESSAGES).count(),
        signups_deleted=supporter.pending_signups.count() + _submissions(supporter).count(),
        links_removed=supporter.links.count(),
        claims_deleted=supporter.call_claims.count(),
        tags_removed=len(_personal_tags(supporter)),
        log_entries_scrubbed=_log_entries(supporter, action_ids).count(),
        suppressed=[
            kind
            for kind, value in (("email", supporter.email), ("phone", supporter.phone))
            if value
        ],
    )


def _audit_scrub(supporter: Supporter) -> int:
    """The audit trail keeps that something happened, when and by whom, and
    forgets the person's values (campaign.audit). Returns how many entries."""
    from campaign.audit import audit_entries_forget

    return audit_entries_forget(supporter)


def _audit_erasure(supporter: Supporter, by) -> None:
    """The erasure itself in the trail: who erased which row, no values."""
    from campaign.audit import audit_bulk

    audit_bulk(actor=by, model=Supporter, verb="erased", count=1, note=f"#{supporter.pk}")


def _scrub(text: str, values: list[str]) -> str:
    for value in values:
        text = text.replace(value, ERASED_NAME)
    return text


@transaction.atomic
def supporter_erase(*, supporter: Supporter, by=None) -> Erasure:
    """Erase a person (what goes and what stays: the module docstring).
    Works for every supporter, whatever they did; erasing twice changes
    nothing more.

    Side effects, in one transaction: the supporter row locked and
    anonymised; Suppression INSERTs; UPDATEs of their actions, consent
    events, messages (open ones cancelled), admin log entries and the audit
    trail's entries about them (their values forgotten); DELETEs of held and
    received sign-ups, personal links, phone-bank claims, personal tags (and
    a tag left on nobody); after commit, one trail entry: who erased the row.
    Nothing goes through save(): the trail's receivers would copy the values."""
    supporter = Supporter.objects.select_for_update().get(pk=supporter.pk)
    result = supporter_erasure_plan(supporter)
    now = timezone.now()
    # A name reaches the admin log only through str(): "Call by <full name>".
    names = [supporter.full_name] if supporter.full_name else []
    who = f"erased by {by.get_username()}" if by is not None else "erased"
    suppressions_record(values=[supporter.email, supporter.phone], reason=who)

    action_ids = list(supporter.actions.values_list("pk", flat=True))
    supporter.actions.update(outcome_note="", idempotency_key=None, updated_at=now)
    supporter.consent_events.update(source=ERASED_SOURCE, wording="")
    supporter.messages.filter(status__in=_OPEN_MESSAGES).update(
        status=MessageStatus.CANCELLED, claimed_at=None, updated_at=now
    )
    supporter.messages.update(context={}, provider_message_id="", last_error="")
    supporter.pending_signups.all().delete()
    _submissions(supporter).delete()
    supporter.links.exclude(purpose=SupporterLink.Purpose.SHARE).delete()
    supporter.links.filter(revoked_at__isnull=True).update(revoked_at=now)
    supporter.call_claims.all().delete()
    personal = _personal_tags(supporter)
    # Through the table, not tags.remove(): the trail would copy tag names.
    Supporter.tags.through.objects.filter(
        supporter_id=supporter.pk, tag_id__in=[tag.pk for tag in personal]
    ).delete()
    Tag.objects.filter(pk__in=[tag.pk for tag in personal], supporters__isnull=True).delete()
    for entry in _log_entries(supporter, action_ids):
        entry.object_repr = _scrub(entry.object_repr, names)[:200]
        entry.change_message = _scrub(entry.change_message, names)
        entry.save(update_fields=["object_repr", "change_message"])
    _audit_scrub(supporter)
    # An UPDATE, not save(): the trail's receivers would copy the old values.
    Supporter.objects.filter(pk=supporter.pk).update(
        first_name=ERASED_NAME,
        last_name="",
        search_name=ERASED_NAME.lower(),
        email=None,
        phone=None,
        street_address="",
        zip_code="",
        latitude=None,
        longitude=None,
        notes="",
        email_consent_at=None,
        sms_consent_at=None,
        email_consent_source="",
        sms_consent_source="",
        email_bounced_at=None,
        unsubscribed_at=supporter.unsubscribed_at or now,
        erased_at=supporter.erased_at or now,
        updated_at=now,
    )
    if supporter.erased_at is None:
        _audit_erasure(supporter, by)
    return result


# ---------------------------------------------------------------------------
# Retention
# ---------------------------------------------------------------------------


@dataclass
class Retention:
    messages_cleared: int = 0
    import_files_deleted: int = 0
    import_previews_deleted: int = 0
    login_records_deleted: int = 0
    links_deleted: int = 0
    pending_signups_deleted: int = 0
    inbound_sms_deleted: int = 0
    flagged_inactive: int = 0
    unflagged_active: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


_DONE_MESSAGES = (
    MessageStatus.SENT,
    MessageStatus.FAILED,
    MessageStatus.SUPPRESSED,
    MessageStatus.CANCELLED,
)


def messages_details_clear(*, now: dt.datetime) -> int:
    """Sent, failed, suppressed and cancelled messages older than
    RETAIN_MESSAGE_DETAILS_DAYS lose their context, provider id and error
    (kind, channel, dates and status stay: the figures count them)."""
    cutoff = now - dt.timedelta(days=settings.RETAIN_MESSAGE_DETAILS_DAYS)
    return (
        Message.objects.filter(status__in=_DONE_MESSAGES, scheduled_for__lt=cutoff)
        .exclude(context={}, provider_message_id="", last_error="")
        .update(context={}, provider_message_id="", last_error="")
    )


def _old_files(folder: str, cutoff: dt.datetime) -> list[str]:
    """Files directly in `folder` of the default storage last changed before `cutoff`."""
    if not default_storage.exists(folder):
        return []
    _dirs, files = default_storage.listdir(folder)
    return [
        path
        for path in (f"{folder}/{name}" for name in files)
        if default_storage.get_modified_time(path) < cutoff
    ]


def import_files_delete(*, now: dt.datetime) -> int:
    """Import files (MEDIA_ROOT/imports/) go RETAIN_IMPORT_FILES_DAYS after
    their job finished; a job still queued or running keeps its file. The
    job keeps its counts and error report, with no file."""
    cutoff = now - dt.timedelta(days=settings.RETAIN_IMPORT_FILES_DAYS)
    deleted = 0
    finished = ImportJob.objects.filter(
        status__in=(ImportJob.Status.DONE, ImportJob.Status.FAILED), finished_at__lt=cutoff
    ).exclude(file="")
    for job in finished:
        if default_storage.exists(job.file.name):
            default_storage.delete(job.file.name)
            deleted += 1
        ImportJob.objects.filter(pk=job.pk).update(file="")
    # A file no job names any more (e.g. a job deleted from the admin).
    named = set(ImportJob.objects.exclude(file="").values_list("file", flat=True))
    for path in _old_files(IMPORT_FILES_FOLDER, cutoff):
        if path not in named:
            default_storage.delete(path)
            deleted += 1
    return deleted


def import_previews_delete(*, now: dt.datetime) -> int:
    """The admin import preview keeps the uploaded file until it is
    confirmed; one never confirmed stays. Those older than
    RETAIN_IMPORT_PREVIEW_HOURS are deleted."""
    cutoff = now - dt.timedelta(hours=settings.RETAIN_IMPORT_PREVIEW_HOURS)
    paths = _old_files(IMPORT_PREVIEW_FOLDER, cutoff)
    for path in paths:
        default_storage.delete(path)
    return len(paths)


def login_records_delete(*, now: dt.datetime) -> int:
    """django-axes' records of login attempts (user names and IP addresses)
    older than RETAIN_LOGIN_RECORDS_DAYS."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    cutoff = now - dt.timedelta(days=settings.RETAIN_LOGIN_RECORDS_DAYS)
    return sum(
        model.objects.filter(attempt_time__lt=cutoff).delete()[0]
        for model in (AccessAttempt, AccessLog, AccessFailureLog)
    )


def dead_links_delete(*, now: dt.datetime) -> int:
    """Action-page and unsubscribe links that no longer open anything
    (revoked, or older than PUBLIC_TOKEN_MAX_AGE_DAYS). Share links stay:
    their tokens are derived from how many a supporter has had, so deleting
    one would bring a revoked token back to life."""
    expired = now - dt.timedelta(days=settings.PUBLIC_TOKEN_MAX_AGE_DAYS)
    return (
        SupporterLink.objects.exclude(purpose=SupporterLink.Purpose.SHARE)
        .filter(Q(revoked_at__isnull=False) | Q(created_at__lt=expired))
        .delete()[0]
    )


def pending_signups_delete(*, now: dt.datetime) -> int:
    """Held sign-ups confirmed (applied) or past SIGNUP_CONFIRM_MAX_AGE_DAYS:
    what someone typed is not kept once it can no longer be used."""
    expired = now - dt.timedelta(days=settings.SIGNUP_CONFIRM_MAX_AGE_DAYS)
    return PendingSignup.objects.filter(
        Q(confirmed_at__isnull=False) | Q(created_at__lt=expired)
    ).delete()[0]


def inbound_sms_delete(*, now: dt.datetime) -> int:
    """Ids of inbound texts older than RETAIN_INBOUND_SMS_DAYS: a replay of
    a request is refused by its id for this long."""
    cutoff = now - dt.timedelta(days=settings.RETAIN_INBOUND_SMS_DAYS)
    return InboundSms.objects.filter(received_at__lt=cutoff).delete()[0]


def _months_ago(now: dt.datetime, months: int) -> dt.datetime:
    # Thirty-day months: "no activity for 24 months" needs no calendar precision.
    return now - dt.timedelta(days=30 * months)


def inactive_supporters_flag(*, now: dt.datetime) -> tuple[int, int]:
    """Tag REVIEW_INACTIVE_TAG on supporters with no activity (their record
    changed, an action of theirs created or changed, a campaign joined, a
    consent given or withdrawn) for REVIEW_INACTIVE_MONTHS, for a
    coordinator to review; untag those active again. Nobody is deleted.
    Returns (flagged, unflagged)."""
    cutoff = _months_ago(now, settings.REVIEW_INACTIVE_MONTHS)
    recent = (
        Q(updated_at__gte=cutoff)
        | Exists(Action.objects.filter(supporter=OuterRef("pk"), updated_at__gte=cutoff))
        | Exists(Membership.objects.filter(supporter=OuterRef("pk"), joined_at__gte=cutoff))
        | Exists(ConsentEvent.objects.filter(supporter=OuterRef("pk"), occurred_at__gte=cutoff))
    )
    tag = Tag.objects.get_or_create(name=REVIEW_INACTIVE_TAG)[0]
    through = Supporter.tags.through
    tagged = through.objects.filter(tag=tag)
    unflagged = tagged.filter(supporter_id__in=Supporter.objects.filter(recent)).delete()[0]
    inactive = (
        Supporter.objects.filter(erased_at__isnull=True)
        .exclude(recent)
        .exclude(pk__in=tagged.values("supporter_id"))
        .values_list("pk", flat=True)
    )
    rows = [through(supporter_id=pk, tag_id=tag.pk) for pk in inactive.iterator()]
    through.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows), unflagged


def privacy_retention_run(*, now: dt.datetime | None = None) -> Retention:
    """The daily retention pass (beat task campaign.privacy_retention_run).
    Each step is idempotent; defaults in core/settings.py (RETAIN_*)."""
    now = now or timezone.now()
    flagged, unflagged = inactive_supporters_flag(now=now)
    return Retention(
        messages_cleared=messages_details_clear(now=now),
        import_files_deleted=import_files_delete(now=now),
        import_previews_deleted=import_previews_delete(now=now),
        login_records_deleted=login_records_delete(now=now),
        links_deleted=dead_links_delete(now=now),
        pending_signups_deleted=pending_signups_delete(now=now),
        inbound_sms_deleted=inbound_sms_delete(now=now),
        flagged_inactive=flagged,
        unflagged_active=unflagged,
    )


def supporter_find(identifier: str) -> Supporter | None:
    """A supporter by id or email (the management command's argument)."""
    identifier = identifier.strip()
    if identifier.isdigit():
        return Supporter.objects.filter(pk=int(identifier)).first()
    return Supporter.objects.filter(email=normalize_email(identifier)).first()
