"""The public sign-up: one transaction from form to pledges and outbox rows."""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from campaign.models import (
    CONTACT_KINDS,
    HEARING_KINDS,
    Action,
    ActionKind,
    ActionSource,
    Campaign,
    Channel,
    District,
    Hearing,
    Supporter,
    Tag,
)
from campaign.services.actions import action_pledge, target_for_supporter
from campaign.services.supporters import supporter_grant_consent, supporter_upsert

NON_CONSTITUENT_TAG = "non-constituent"


@dataclass(frozen=True)
class SignupResult:
    supporter: Supporter
    created: bool
    # Pledges this submission created (re-submitted ones are not repeated).
    pledges: list[Action] = field(default_factory=list)


def signup_source(campaign: Campaign) -> str:
    return f"public_form:{campaign.slug}"


def _supporter_place_in_body(*, supporter: Supporter, campaign: Campaign) -> None:
    """Set the supporter's district from their ZIP within the campaign's body,
    and tag them as a non-constituent when no district of the body covers it.

    A ZIP shared by several districts leaves a known district covering it
    untouched (a coordinator may have set it from the street address)."""
    if not supporter.zip_code:
        return
    body = campaign.decision_body
    district = District.objects.for_zip(supporter.zip_code, body=body)
    changed = False
    if district is not None:
        if supporter.district_id != district.pk:
            supporter.district, changed = district, True
    elif supporter.district_id is not None and (
        supporter.district.body_id == body.pk
        and not supporter.district.zips.filter(zip_code=supporter.zip_code).exists()
    ):
        supporter.district, changed = None, True
    if changed:
        supporter.save(update_fields=["district", "updated_at"])

    covered = District.objects.filter(body=body, zips__zip_code=supporter.zip_code).exists()
    if covered:
        supporter.tags.remove(*Tag.objects.filter(name=NON_CONSTITUENT_TAG))
    else:
        supporter.tags.add(Tag.objects.get_or_create(name=NON_CONSTITUENT_TAG)[0])


def _pledge_details(*, kind: str, target, hearing: Hearing | None) -> dict:
    details: dict = {"target": target if kind in CONTACT_KINDS else None, "hearing": None}
    if kind in HEARING_KINDS and hearing is not None:
        details["hearing"] = hearing
        due = hearing.starts_at
        if kind == ActionKind.WRITTEN_TESTIMONY and hearing.testimony_deadline:
            due = hearing.testimony_deadline
        details["due_date"] = timezone.localtime(due).date()
    return details


def _signup(
    *,
    campaign: Campaign,
    first_name: str,
    last_name: str,
    email: str,
    phone: str,
    zip_code: str,
    language: str,
    sector: str,
    asks: list[str],
    email_updates: bool,
    sms_reminders: bool,
    email_wording: str,
    sms_wording: str,
) -> SignupResult:
    result = supporter_upsert(
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        zip_code=zip_code,
        language=language,
        sector=sector,
    )
    supporter = result.supporter
    _supporter_place_in_body(supporter=supporter, campaign=campaign)

    source = signup_source(campaign)
    if email_updates and supporter.email:
        supporter_grant_consent(
            supporter=supporter,
            channel=Channel.EMAIL,
            source=source,
            campaign=campaign,
            wording=email_wording,
        )
    if sms_reminders and supporter.phone:
        supporter_grant_consent(
            supporter=supporter,
            channel=Channel.SMS,
            source=source,
            campaign=campaign,
            wording=sms_wording,
        )

    target = target_for_supporter(supporter=supporter, campaign=campaign)
    hearing = Hearing.objects.upcoming().filter(campaign=campaign).first()
    allowed = set(campaign.asks or [])
    pledges = []
    for kind in asks:
        if kind not in allowed:
            continue
        action, created = action_pledge(
            supporter=supporter,
            campaign=campaign,
            kind=kind,
            source=ActionSource.PUBLIC_FORM,
            **_pledge_details(kind=kind, target=target, hearing=hearing),
        )
        if created:
            pledges.append(action)

    from campaign.services.reminders import reminders_on_signup

    reminders_on_signup(supporter=supporter, campaign=campaign, pledges=pledges)
    return SignupResult(supporter=supporter, created=result.created, pledges=pledges)


def signup_submit(
    *,
    campaign: Campaign,
    first_name: str,
    last_name: str = "",
    email: str = "",
    phone: str = "",
    zip_code: str = "",
    language: str = "",
    sector: str = "",
    asks: list[str] | tuple[str, ...] = (),
    email_updates: bool = False,
    sms_reminders: bool = False,
    email_wording: str = "",
    sms_wording: str = "",
) -> SignupResult:
    """A volunteer signs up on a campaign's public page.

    Finds the supporter by email, else phone (never a second row for one
    person), fills in what they gave without erasing known values, places them
    in a district of the campaign's body from the ZIP (or tags them
    non-constituent), records only the consents they ticked, pledges one
    action per ticked ask (an open pledge of the same kind is not repeated),
    and lets the reminders module write its outbox rows.

    Side effects, in one transaction: supporter INSERT/UPDATE, ConsentEvent
    rows, Action rows, tag changes, Message rows (via reminders_on_signup).
    The broker is never touched. Raises ValidationError on invalid input."""
    arguments = {
        "campaign": campaign,
        "first_name": first_name,
        "last_name": last_name,
        "email": email,
        "phone": phone,
        "zip_code": zip_code,
        "language": language,
        "sector": sector,
        "asks": list(dict.fromkeys(asks)),
        "email_updates": email_updates,
        "sms_reminders": sms_reminders,
        "email_wording": email_wording,
        "sms_wording": sms_wording,
    }
    # Two identical submissions at once (a double click) both find no
    # supporter and both INSERT; the unique email/phone index makes the second
    # fail, and on the retry it finds the first one's row.
    try:
        with transaction.atomic():
            return _signup(**arguments)
    except IntegrityError:
        with transaction.atomic():
            return _signup(**arguments)
