"""What the API writes, always through the intake core with STAFF trust:
a client holding a write key is a coordinator's tool.

Consent is taken only as the client attests it: an email address sent with
`status: "subscribed"` records email consent (`consents_record_attested`:
never over an unsubscribe); a phone sent with `sms_capable: true` and
`status: "subscribed"` only queues the "reply YES" text
(`sms_consents_request`): the phone's YES records text consent, as on every
path. An "unsubscribed" status records nothing (Action Network sends it for
anyone never subscribed there)."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from campaign.models import (
    Action,
    ActionSource,
    ActionStatus,
    Campaign,
    Channel,
    CouncilMember,
    Language,
    Supporter,
    SupporterIdentifier,
    Tag,
    normalize_email,
    normalize_phone,
)
from campaign.services.intake import (
    OWN_MEMBER,
    IntakeResult,
    PersonInput,
    Trust,
    action_record,
    consents_record_attested,
    sms_consents_request,
    supporter_intake,
)

from .serializers import NAMESPACE

API_SOURCE = "api"
_LANGUAGES = set(Language.values)


@dataclass(frozen=True)
class ApiPerson:
    """A person as an OSDI client sent them."""

    person: PersonInput
    identifiers: tuple[tuple[str, str], ...] = ()
    email_subscribed: bool = False
    sms_opt_in: bool = False


def api_person(data: dict) -> ApiPerson:
    """An ApiPerson from PersonInputSerializer's validated data."""
    emails = data.get("email_addresses", [])
    phones = data.get("phone_numbers", [])
    email = next((e for e in emails if e.get("primary")), emails[0] if emails else None)
    phone = next((p for p in phones if p.get("primary")), phones[0] if phones else None)
    addresses = data.get("postal_addresses", [])
    address = next((a for a in addresses if a.get("primary")), addresses[0] if addresses else {})
    lines = [line for line in address.get("address_lines", []) if line.strip()]
    language = next((code for code in data.get("languages_spoken", []) if code in _LANGUAGES), "")
    identifiers = []
    for identifier in data.get("identifiers", []):
        scheme, _, value = identifier.partition(":")
        if scheme != NAMESPACE:
            identifiers.append((scheme, value))
    return ApiPerson(
        person=PersonInput(
            first_name=data.get("given_name", ""),
            last_name=data.get("family_name", ""),
            email=email["address"] if email else None,
            phone=phone["number"] if phone else None,
            zip_code=address.get("postal_code", ""),
            street_address=", ".join(lines),
            language=language,
            sector=data.get("groundswell:sector", ""),
            is_youth=data.get("groundswell:is_youth"),
        ),
        identifiers=tuple(dict.fromkeys(identifiers)),
        email_subscribed=bool(email and email.get("status") == "subscribed"),
        sms_opt_in=bool(phone and phone.get("sms_capable") and phone.get("status") == "subscribed"),
    )


def supporter_by_identifiers(identifiers) -> Supporter | None:
    """The supporter a foreign id already names (the first sent that does)."""
    for scheme, value in identifiers:
        found = SupporterIdentifier.objects.filter(scheme=scheme, value=value).first()
        if found is not None:
            return found.supporter
    return None


def identifiers_record(*, supporter: Supporter, identifiers) -> None:
    """Keep foreign ids as sent; an id another supporter holds stays theirs.
    Side effects: an INSERT per new id."""
    for scheme, value in identifiers:
        try:
            with transaction.atomic():
                SupporterIdentifier.objects.get_or_create(
                    scheme=scheme, value=value, defaults={"supporter": supporter}
                )
        except IntegrityError:
            continue


def supporter_tags_add(*, supporter: Supporter, names) -> list[Tag]:
    """Tag a supporter (tags created as needed). Side effects: INSERTs."""
    tags = []
    for name in dict.fromkeys(name.strip() for name in names):
        if name:
            tags.append(Tag.objects.get_or_create(name=name)[0])
    if tags:
        supporter.tags.add(*tags)
    return tags


def _consents_apply(*, supporter: Supporter, sent: ApiPerson, campaign, source: str) -> None:
    email = normalize_email(sent.person.email)
    if sent.email_subscribed and email and email == supporter.email:
        consents_record_attested(
            supporter_ids=[supporter.pk], channel=Channel.EMAIL, source=source, campaign=campaign
        )
    if sent.sms_opt_in and normalize_phone(sent.person.phone) == supporter.phone:
        sms_consents_request(
            supporters=[supporter], campaign=campaign, wording=f"{source}: agreed to texts"
        )


def person_save(
    *,
    sent: ApiPerson,
    key_prefix: str,
    campaign: Campaign | None = None,
    supporter: Supporter | None = None,
    tags=(),
) -> IntakeResult:
    """Find (a foreign id, else email, else phone: the intake core) or create
    the person, or update `supporter`, with STAFF trust; keep the foreign ids;
    apply the consents the client attests (module docstring); add the tags.

    Side effects: supporter_intake's (a Supporter INSERT/UPDATE, a
    Membership with a campaign), SupporterIdentifier rows, at most one
    ConsentEvent and one "reply YES" Message, tag rows. Raises
    ValidationError (an invalid phone or ZIP, an erased address)."""
    source = f"{API_SOURCE}:{key_prefix}"
    with transaction.atomic():
        if supporter is None:
            supporter = supporter_by_identifiers(sent.identifiers)
        result = supporter_intake(
            person=sent.person,
            trust=Trust.STAFF,
            campaign=campaign,
            source=API_SOURCE,
            supporter=supporter,
        )
        identifiers_record(supporter=result.supporter, identifiers=sent.identifiers)
        _consents_apply(supporter=result.supporter, sent=sent, campaign=campaign, source=source)
        supporter_tags_add(supporter=result.supporter, names=tags)
    result.supporter.refresh_from_db()
    return result


def target_find(*, campaign: Campaign, ocdid: str = "", member_id: int | None = None):
    """The active member of the campaign's body a target names (by id, else
    by their district's OCD id); None when none does."""
    members = CouncilMember.objects.active().filter(body_id=campaign.decision_body_id)
    if member_id:
        return members.filter(pk=member_id).first()
    if ocdid:
        return members.filter(district__ocd_id=ocdid).order_by("name", "pk").first()
    return None


def outreach_record(
    *,
    supporter: Supporter,
    campaign: Campaign,
    kind: str,
    target=OWN_MEMBER,
    note: str = "",
    foreign_id: str = "",
) -> tuple[Action, bool]:
    """A completed contact, logged through `action_record` (the supporter's
    own member when no target is named). A foreign id makes a resent outreach
    return the first one. Source "import": the tool it came from logged it.

    Side effects: action_record's."""
    with transaction.atomic():
        return action_record(
            supporter=supporter,
            campaign=campaign,
            kind=kind,
            status=ActionStatus.COMPLETED,
            source=ActionSource.IMPORT,
            target=target,
            note=note,
            idempotency_key=f"api:{foreign_id}" if foreign_id else None,
        )


def attendance_record(
    *, supporter: Supporter, hearing, kind: str, attended: bool, foreign_id: str = ""
) -> tuple[Action, bool]:
    """A pledge to attend or testify at a hearing, or having done it, through
    `action_record` (its rules: a pledge only for an upcoming hearing, done
    only once it has started; in-person testimony takes the next place in the
    queue of speakers). Side effects: action_record's."""
    with transaction.atomic():
        return action_record(
            supporter=supporter,
            campaign=hearing.campaign,
            kind=kind,
            status=ActionStatus.COMPLETED if attended else ActionStatus.PLEDGED,
            source=ActionSource.IMPORT,
            hearing=hearing,
            idempotency_key=f"api:{foreign_id}" if foreign_id else None,
        )
