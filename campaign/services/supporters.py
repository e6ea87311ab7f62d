"""Writes about supporters: find-or-create, consent, unsubscribe."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from campaign.models import (
    Campaign,
    Channel,
    ConsentEvent,
    District,
    Supporter,
    normalize_email,
    normalize_phone,
    normalize_zip,
)
from campaign.services.scheduling import messages_suppress_pending

# Fields an upsert may fill in; a blank value never erases a known one.
_UPDATABLE_FIELDS = ("first_name", "last_name", "zip_code", "street_address", "language", "sector")


@dataclass(frozen=True)
class UpsertResult:
    supporter: Supporter
    created: bool


def supporter_find(*, email: str | None = None, phone: str | None = None) -> Supporter | None:
    """The supporter with this email (case-insensitive), else with this phone.

    Raises ValidationError when the phone cannot be normalised."""
    email = normalize_email(email)
    phone = normalize_phone(phone)
    if not email and not phone:
        return None
    query = Q()
    if email:
        query |= Q(email=email)
    if phone:
        query |= Q(phone=phone)
    matches = list(Supporter.objects.filter(query)[:2])
    # An email match wins over a phone match that belongs to someone else.
    for match in matches:
        if email and match.email == email:
            return match
    return matches[0] if matches else None


def _district_id_for_zip(zip_district_ids: list[int]) -> int | None:
    """What District.objects.for_zip answers, from the ids of every district
    covering the ZIP."""
    return zip_district_ids[0] if len(zip_district_ids) == 1 else None


def _supporter_find_locked(*, email: str, phone: str) -> Supporter | None:
    """supporter_find, locking the match in the same query when inside a
    transaction. Rows are locked in id order, so two requests that match the
    same two people cannot deadlock."""
    if not email and not phone:
        return None
    query = Q()
    if email:
        query |= Q(email=email)
    if phone:
        query |= Q(phone=phone)
    matches = Supporter.objects.filter(query).order_by("pk")
    if transaction.get_connection().in_atomic_block:
        matches = matches.select_for_update(of=("self",))
    matches = list(matches[:2])
    for match in matches:
        if email and match.email == email:
            return match
    return matches[0] if matches else None


def supporter_upsert_prepare(
    *,
    first_name: str = "",
    last_name: str = "",
    email: str | None = None,
    phone: str | None = None,
    zip_code: str = "",
    street_address: str = "",
    language: str = "",
    sector: str = "",
    is_youth: bool | None = None,
    zip_district_ids: list[int] | None = None,
) -> UpsertResult:
    """supporter_upsert without the final validation and save: the caller may
    change more fields, then calls supporter.full_clean() and save() once.

    `zip_district_ids`, when given, are the ids of all the districts covering
    the normalised ZIP (any body); they answer the district look-up without a
    query.

    Side effects: locks the matched supporter's row (inside a transaction).
    Raises ValidationError on an invalid phone."""
    email = normalize_email(email)
    phone = normalize_phone(phone)
    given = {
        "first_name": (first_name or "").strip(),
        "last_name": (last_name or "").strip(),
        "zip_code": normalize_zip(zip_code),
        "street_address": (street_address or "").strip(),
        "language": language,
        "sector": sector,
    }
    supporter = _supporter_find_locked(email=email, phone=phone)
    if supporter is not None:
        zip_changed = given["zip_code"] and given["zip_code"] != supporter.zip_code
        for field in _UPDATABLE_FIELDS:
            if given[field]:
                setattr(supporter, field, given[field])
        if email and not supporter.email:
            supporter.email = email
        # Only take the phone when nobody else holds it.
        if phone and not supporter.phone and not Supporter.objects.filter(phone=phone).exists():
            supporter.phone = phone
        if is_youth is not None:
            supporter.is_youth = is_youth
        if zip_changed:
            if zip_district_ids is None:
                supporter.district = District.objects.for_zip(supporter.zip_code)
            else:
                supporter.district_id = _district_id_for_zip(zip_district_ids)
        return UpsertResult(supporter, created=False)

    supporter = Supporter(email=email, phone=phone, is_youth=bool(is_youth))
    for field in _UPDATABLE_FIELDS:
        if given[field]:
            setattr(supporter, field, given[field])
    if supporter.zip_code:
        # Supporter.clean() no longer places anyone: until the last caller
        # moves to the intake core, this keeps its old answer here.
        if zip_district_ids is None:
            supporter.district = District.objects.for_zip(supporter.zip_code)
        else:
            supporter.district_id = _district_id_for_zip(zip_district_ids)
    return UpsertResult(supporter, created=True)


def supporter_upsert(
    *,
    first_name: str = "",
    last_name: str = "",
    email: str | None = None,
    phone: str | None = None,
    zip_code: str = "",
    street_address: str = "",
    language: str = "",
    sector: str = "",
    is_youth: bool | None = None,
) -> UpsertResult:
    """Find the supporter by email, else phone, and fill in what they gave, or
    create them. Never erases a known value with a blank one, never creates a
    second supporter for the same email or phone.

    Side effects: one INSERT or UPDATE. Call inside a transaction; the row is
    locked until it commits, so concurrent sign-ups of one person serialise.
    Raises ValidationError on an invalid email, phone or ZIP."""
    result = supporter_upsert_prepare(
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        zip_code=zip_code,
        street_address=street_address,
        language=language,
        sector=sector,
        is_youth=is_youth,
    )
    result.supporter.full_clean(validate_unique=False, validate_constraints=False)
    result.supporter.save()
    return result


def supporter_stage_consent(
    *,
    supporter: Supporter,
    channel: str,
    source: str,
    campaign: Campaign | None = None,
    wording: str = "",
    now=None,
) -> ConsentEvent:
    """supporter_grant_consent in memory: sets the supporter's consent fields
    and clears an earlier unsubscribe, and returns the unsaved ledger row. The
    caller saves the supporter, then the row (e.g. with bulk_create).

    Raises ValidationError when the channel's address is missing."""
    now = now or timezone.now()
    if channel == Channel.EMAIL:
        if not supporter.email:
            raise ValidationError("Email consent needs an email address.")
        supporter.email_consent_at, supporter.email_consent_source = now, source
    elif channel == Channel.SMS:
        if not supporter.phone:
            raise ValidationError("SMS consent needs a phone number.")
        supporter.sms_consent_at, supporter.sms_consent_source = now, source
    else:
        raise ValueError(f"unknown channel {channel!r}")
    supporter.unsubscribed_at = None
    return ConsentEvent(
        supporter=supporter,
        channel=channel,
        kind=ConsentEvent.Kind.GRANTED,
        source=source,
        campaign=campaign,
        wording=wording,
        occurred_at=now,
    )


def supporter_grant_consent(
    *,
    supporter: Supporter,
    channel: str,
    source: str,
    campaign: Campaign | None = None,
    wording: str = "",
) -> ConsentEvent:
    """Record an explicit opt-in on one channel, and clear an earlier
    unsubscribe: a new explicit sign-up is the only way back in.

    Side effects: updates the supporter, adds a ConsentEvent."""
    event = supporter_stage_consent(
        supporter=supporter, channel=channel, source=source, campaign=campaign, wording=wording
    )
    supporter.save(
        update_fields=[
            "email_consent_at",
            "email_consent_source",
            "sms_consent_at",
            "sms_consent_source",
            "unsubscribed_at",
            "updated_at",
        ]
    )
    event.save()
    return event


def supporter_withdraw_consent(*, supporter: Supporter, channel: str, source: str) -> ConsentEvent:
    """Withdraw consent on one channel (e.g. an SMS STOP, a "do not call").

    Side effects: updates the supporter, adds a ConsentEvent, suppresses that
    channel's pending messages."""
    now = timezone.now()
    if channel == Channel.EMAIL:
        supporter.email_consent_at, supporter.email_consent_source = None, ""
    elif channel == Channel.SMS:
        supporter.sms_consent_at, supporter.sms_consent_source = None, ""
    else:
        raise ValueError(f"unknown channel {channel!r}")
    supporter.save(
        update_fields=[
            "email_consent_at",
            "email_consent_source",
            "sms_consent_at",
            "sms_consent_source",
            "updated_at",
        ]
    )
    messages_suppress_pending(
        supporter=supporter, channel=channel, reason=f"consent withdrawn ({source})"
    )
    return ConsentEvent.objects.create(
        supporter=supporter,
        channel=channel,
        kind=ConsentEvent.Kind.WITHDRAWN,
        source=source,
        occurred_at=now,
    )


@transaction.atomic
def supporter_unsubscribe(*, supporter: Supporter, source: str) -> bool:
    """Unsubscribe from every channel at once. Idempotent: returns False when
    the supporter had already unsubscribed.

    Side effects: sets unsubscribed_at, withdraws both consents (ledger rows),
    suppresses every pending message."""
    supporter = Supporter.objects.select_for_update().get(pk=supporter.pk)
    if supporter.unsubscribed_at is not None:
        return False
    now = timezone.now()
    had = [
        channel
        for channel, given in (
            (Channel.EMAIL, supporter.email_consent_at),
            (Channel.SMS, supporter.sms_consent_at),
        )
        if given
    ]
    supporter.unsubscribed_at = now
    supporter.email_consent_at = supporter.sms_consent_at = None
    supporter.email_consent_source = supporter.sms_consent_source = ""
    supporter.save(
        update_fields=[
            "unsubscribed_at",
            "email_consent_at",
            "email_consent_source",
            "sms_consent_at",
            "sms_consent_source",
            "updated_at",
        ]
    )
    ConsentEvent.objects.bulk_create(
        ConsentEvent(
            supporter=supporter,
            channel=channel,
            kind=ConsentEvent.Kind.WITHDRAWN,
            source=source,
            occurred_at=now,
        )
        for channel in had
    )
    messages_suppress_pending(supporter=supporter, channel=None, reason=f"unsubscribed ({source})")
    return True
