"""The public sign-up: one transaction from form to pledges and outbox rows."""

from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from campaign.models import (
    CONTACT_KINDS,
    HEARING_KINDS,
    Action,
    ActionKind,
    ActionSource,
    ActionStatus,
    Campaign,
    Channel,
    ConsentEvent,
    CouncilMember,
    District,
    DistrictZip,
    Hearing,
    Supporter,
    Tag,
    normalize_zip,
)
from campaign.services.actions import action_pledge, target_for_supporter
from campaign.services.scheduling import reminders_on_signup
from campaign.services.supporters import supporter_stage_consent, supporter_upsert_prepare

NON_CONSTITUENT_TAG = "non-constituent"


@dataclass(frozen=True)
class SignupResult:
    supporter: Supporter
    created: bool
    # Pledges this submission created (re-submitted ones are not repeated).
    pledges: list[Action] = field(default_factory=list)
    # Every open pledge of the kinds ticked now, new or earlier: all the page
    # reached from the form may show (it must not list a known email's other
    # pledges to whoever typed that email).
    open_pledge_ids: list[int] = field(default_factory=list)


def signup_source(campaign: Campaign) -> str:
    return f"public_form:{campaign.slug}"


@dataclass(frozen=True)
class ZipDistrict:
    pk: int
    body_id: int
    # The campaign body's active member holding this district's seat.
    member_pk: int | None


def _zip_districts_sql() -> str:
    zips, district, member = DistrictZip._meta, District._meta, CouncilMember._meta
    # "name, id": CouncilMember's ordering within one body and one district,
    # so the member is the one target_for_supporter would pick.
    return f"""
        SELECT dz.district_id, d.body_id, (
            SELECT m.id FROM {member.db_table} m
            WHERE m.active AND m.body_id = %s AND m.district_id = dz.district_id
            ORDER BY m.name, m.id LIMIT 1
        )
        FROM {zips.db_table} dz JOIN {district.db_table} d ON d.id = dz.district_id
        WHERE dz.zip_code = %s
        ORDER BY dz.district_id"""


def _zip_districts(*, zip_code: str, campaign: Campaign) -> list[ZipDistrict]:
    """Every district covering the ZIP (any body) with the campaign body's
    member for its seat. One query answers the district, the non-constituent
    tag and the target. Plain SQL: the ORM spent ten times longer building
    this query than the database running it, on every sign-up."""
    if not zip_code:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_zip_districts_sql(), [campaign.decision_body_id, zip_code])
        return [ZipDistrict(*row) for row in cursor.fetchall()]


def _supporter_place_in_body(
    *, supporter: Supporter, campaign: Campaign, zip_districts: list[ZipDistrict]
) -> bool | None:
    """Set the supporter's district (in memory) from their ZIP within the
    campaign's body. Returns whether a district of the body covers the ZIP
    (None without a ZIP): the caller tags non-constituents.

    A ZIP shared by several districts leaves a known district covering it
    untouched (a coordinator may have set it from the street address)."""
    if not supporter.zip_code:
        return None
    body_id = campaign.decision_body_id
    in_body = [district for district in zip_districts if district.body_id == body_id]
    if len(in_body) == 1:
        supporter.district_id = in_body[0].pk
    elif (
        supporter.district_id is not None
        and supporter.district_id not in {district.pk for district in zip_districts}
        and supporter.district.body_id == body_id
    ):
        supporter.district_id = None
    return bool(in_body)


def _supporter_tag_non_constituent(*, supporter: Supporter, covered: bool, created: bool) -> None:
    """Tag a supporter no district of the body covers; drop the tag of one
    who moved into the body's area. The through table is written directly:
    one statement instead of the related manager's read-then-write."""
    through = Supporter.tags.through
    if not covered:
        tag = Tag.objects.get_or_create(name=NON_CONSTITUENT_TAG)[0]
        through.objects.bulk_create(
            [through(supporter_id=supporter.pk, tag_id=tag.pk)], ignore_conflicts=True
        )
    elif not created:
        through.objects.filter(supporter_id=supporter.pk, tag__name=NON_CONSTITUENT_TAG).delete()


def _target_id(*, supporter: Supporter, campaign: Campaign, zip_districts: list[ZipDistrict]):
    for district in zip_districts:
        if district.pk == supporter.district_id:
            return district.member_pk
    # A known district kept without the ZIP (or no ZIP given).
    target = target_for_supporter(supporter=supporter, campaign=campaign)
    return target.pk if target else None


def _pledge_details(*, kind: str, target_id, hearing: Hearing | None) -> dict:
    details: dict = {"target_id": target_id if kind in CONTACT_KINDS else None, "hearing": None}
    if kind in HEARING_KINDS and hearing is not None:
        details["hearing"] = hearing
        due = hearing.starts_at
        if kind == ActionKind.WRITTEN_TESTIMONY and hearing.testimony_deadline:
            due = hearing.testimony_deadline
        details["due_date"] = timezone.localtime(due).date()
    return details


def _open_pledges(*, supporter: Supporter, campaign: Campaign, kinds: list[str]) -> dict[str, int]:
    """Kind -> id of the supporter's open pledges of these kinds."""
    # order_by(): with Action's default ordering PostgreSQL walked the
    # campaign's (campaign, created_at) index (12 ms at 25,000 actions)
    # instead of the one-open-pledge index (0.1 ms).
    return dict(
        Action.objects.filter(
            supporter=supporter, campaign=campaign, kind__in=kinds, status=ActionStatus.PLEDGED
        )
        .order_by()
        .values_list("kind", "id")
    )


def _pledges_create(
    *,
    supporter: Supporter,
    campaign: Campaign,
    kinds: list[str],
    created: bool,
    already_open: dict[str, int],
    target_id,
    hearing: Hearing | None,
) -> list[Action]:
    """One pledged Action per kind without an open pledge of that kind, in one
    INSERT. A supporter created in this transaction has no pledges yet, and
    no other transaction can see their row; a known one's open pledges are
    read first, and the partial unique constraint stays the safety net: on a
    conflict (a pledge logged meanwhile elsewhere) the kinds go one by one."""
    kinds = [kind for kind in kinds if kind not in already_open]
    if not kinds:
        return []
    pledges = []
    for kind in kinds:
        action = Action(
            supporter=supporter,
            campaign=campaign,
            kind=kind,
            status=ActionStatus.PLEDGED,
            source=ActionSource.PUBLIC_FORM,
            **_pledge_details(kind=kind, target_id=target_id, hearing=hearing),
        )
        # The foreign keys come from rows read in this transaction, and the
        # target sits on the campaign's body by construction: checking them
        # again would only cost queries.
        action.clean_fields(exclude=["supporter", "campaign", "target", "hearing", "logged_by"])
        pledges.append(action)
    if created:
        return Action.objects.bulk_create(pledges)
    try:
        with transaction.atomic():
            return Action.objects.bulk_create(pledges)
    except IntegrityError:
        fallback = []
        for kind in kinds:
            action, new = action_pledge(
                supporter=supporter,
                campaign=campaign,
                kind=kind,
                source=ActionSource.PUBLIC_FORM,
                target=CouncilMember.objects.filter(pk=target_id).first() if target_id else None,
                **{
                    key: value
                    for key, value in _pledge_details(
                        kind=kind, target_id=target_id, hearing=hearing
                    ).items()
                    if key != "target_id"
                },
            )
            if new:
                fallback.append(action)
        return fallback


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
    zip_districts = _zip_districts(zip_code=normalize_zip(zip_code), campaign=campaign)
    result = supporter_upsert_prepare(
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        zip_code=zip_code,
        language=language,
        sector=sector,
        zip_district_ids=[district.pk for district in zip_districts],
    )
    supporter, created = result.supporter, result.created
    covered = _supporter_place_in_body(
        supporter=supporter, campaign=campaign, zip_districts=zip_districts
    )

    source = signup_source(campaign)
    now = timezone.now()
    consents = []
    if email_updates and supporter.email:
        consents.append((Channel.EMAIL, email_wording))
    if sms_reminders and supporter.phone:
        consents.append((Channel.SMS, sms_wording))
    events = [
        supporter_stage_consent(
            supporter=supporter,
            channel=channel,
            source=source,
            campaign=campaign,
            wording=wording,
            now=now,
        )
        for channel, wording in consents
    ]
    # The district comes from a row just read (no existence check needed).
    supporter.full_clean(validate_unique=False, validate_constraints=False, exclude=["district"])
    supporter.save()
    if events:
        ConsentEvent.objects.bulk_create(events)
    if covered is not None:
        _supporter_tag_non_constituent(supporter=supporter, covered=covered, created=created)

    allowed = set(campaign.asks or [])
    kinds = [kind for kind in asks if kind in allowed]
    target_id = None
    if any(kind in CONTACT_KINDS for kind in kinds):
        target_id = _target_id(supporter=supporter, campaign=campaign, zip_districts=zip_districts)
    hearings = None
    if any(kind in HEARING_KINDS for kind in kinds):
        hearings = list(Hearing.objects.upcoming().filter(campaign=campaign))
        for hearing in hearings:
            hearing.campaign = campaign
    already_open = (
        {} if created else _open_pledges(supporter=supporter, campaign=campaign, kinds=kinds)
    )
    pledges = _pledges_create(
        supporter=supporter,
        campaign=campaign,
        kinds=kinds,
        created=created,
        already_open=already_open,
        target_id=target_id,
        hearing=hearings[0] if hearings else None,
    )

    reminders_on_signup(supporter=supporter, campaign=campaign, pledges=pledges, hearings=hearings)
    return SignupResult(
        supporter=supporter,
        created=created,
        pledges=pledges,
        open_pledge_ids=sorted([pledge.pk for pledge in pledges] + list(already_open.values())),
    )


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
