"""The intake core: the one way people and actions enter Groundswell.

Every path that creates or changes a supporter or an action calls these
functions: the public form (services.signup), the quick log, the bulk log,
both imports, the admin's saves and seed_demo. Paths differ only in how far
their input is trusted (`Trust`); the rules themselves are written once, here.

Trust levels
- PUBLIC: an unauthenticated request. It may create a new supporter and
  pledge for them. It never changes what is known about an existing person:
  an email already on the list is held as a PendingSignup until someone who
  reads that mailbox confirms it (services.signup). A person is matched by
  email only, and a phone already held by someone else is never attached. Text
  consent is never recorded from a form: the phone is asked to reply YES.
- OWNER: the person themselves, proven by a link sent to their address. They
  may change their name, ZIP, language and sector, give email consent and lift
  their own unsubscribe. A phone is attached only when nobody holds it; text
  consent still needs the phone's YES.
- STAFF: a coordinator or admin (quick log, bulk log, admin, imports, seed).
  A given value replaces the stored one; a blank never erases. A phone or
  email held by someone else is never taken. Email consent is recorded only
  as attested (an import's consent columns, the admin's tick), with its
  source, and an attested consent never lifts an unsubscribe: only the admin's
  explicit tick (the person asked, `lift_unsubscribe=True`) or the owner does.

On every path text consent is confirmed by the phone itself: the form, an
import or the admin's tick only queue a "reply YES" text
(`sms_consents_request`), and the YES records it (services.sms_inbound).

Rules
- Identity: a person is their email (case-insensitive), else their E.164
  phone (`identity_pick`).
- Erased addresses (services.privacy's suppression list): a STAFF path never
  adds one to anyone (refused with ERASED_REFUSAL; the bulk paths skip the
  line or row); a PUBLIC or OWNER intake naming one lifts it: the person
  signs up anew themselves.
- Place: the districts of the campaign's body covering the ZIP decide the
  district: exactly one -> it; several -> a known district among them stays
  (a coordinator may have set it from the street address), else unknown;
  none -> unknown, and the supporter is tagged non-constituent for that body.
  Without a campaign, districts of every body count (`PlaceMap.place`).
- Target: the active member holding the district's seat, the first by name
  (`seat_holder_candidates`). Contact kinds default to it; other kinds are
  aimed at nobody.
- Base: a sign-up (with or without an ask), an import into a campaign, or a
  logged action makes the supporter a member of the campaign's base
  (`membership_record`).
- Actions: at most one open pledge per supporter, campaign and kind; testimony
  and attendance name one of the campaign's hearings (a pledge an upcoming one,
  a completed in-person one a hearing that has started); a new pledge gets its
  follow-up or hearing reminders in the same transaction (`action_record`); a
  completed action fulfils the supporter's open pledge of its kind (and
  hearing) instead of standing beside it (`pledge_fulfil`); in-person
  testimony takes the next place in its hearing's queue of speakers
  (`services.hearing_night.speaking_orders_assign`).
"""

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, router, transaction
from django.db.models import OuterRef, Q, Subquery, signals
from django.db.models.base import ModelState
from django.db.models.constants import OnConflict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaign import public_cache
from campaign.models import (
    CONTACT_KINDS,
    HEARING_KINDS,
    Action,
    ActionKind,
    ActionStatus,
    Campaign,
    Channel,
    ConsentEvent,
    CouncilMember,
    District,
    DistrictZip,
    Hearing,
    Membership,
    Supporter,
    Tag,
    normalize_email,
    normalize_phone,
    normalize_zip,
)
from campaign.services.boundaries import district_containing
from campaign.services.hearing_night import speaking_orders_assign
from campaign.services.privacy import ERASED_REFUSAL, suppressed_among, suppressions_lift
from campaign.services.scheduling import (
    messages_suppress_pending,
    reminders_on_action_closed,
    reminders_on_pledge,
    reminders_sms_consent_requests,
)
from campaign.services.webhooks import (
    webhook_deliveries_record,
    webhook_deliveries_record_actions,
)

NON_CONSTITUENT_TAG = "non-constituent"
# Keep IN lists well under every database's parameter limit.
CHUNK = 1000


class Trust(enum.StrEnum):
    PUBLIC = "public"
    OWNER = "owner"
    STAFF = "staff"


def chunks(values: Iterable, size: int = CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


# ---------------------------------------------------------------------------
# Identity
# ---------------------------------------------------------------------------


def identity_pick(
    *,
    email: str | None,
    phone: str | None,
    by_email: Mapping[str, Supporter],
    by_phone: Mapping[str, Supporter],
) -> Supporter | None:
    """THE matching rule: the supporter with this email, else with this phone.
    Arguments are normalised; the mappings hold the candidates read."""
    if email and email in by_email:
        return by_email[email]
    if phone and phone in by_phone:
        return by_phone[phone]
    return None


@dataclass
class IdentityIndex:
    """Candidates for many identities at once, read in chunks (bulk paths)."""

    by_email: dict[str, Supporter]
    by_phone: dict[str, Supporter]

    def pick(self, *, email: str | None, phone: str | None) -> Supporter | None:
        return identity_pick(
            email=email, phone=phone, by_email=self.by_email, by_phone=self.by_phone
        )

    def add(self, supporter: Supporter) -> None:
        if supporter.email:
            self.by_email.setdefault(supporter.email, supporter)
        if supporter.phone:
            self.by_phone.setdefault(supporter.phone, supporter)


def identities_load(*, emails: Iterable[str], phones: Iterable[str]) -> IdentityIndex:
    """Every supporter holding one of these (normalised) emails or phones."""
    index = IdentityIndex({}, {})
    emails, phones = list(set(emails) - {None, ""}), list(set(phones) - {None, ""})
    # Half a chunk of each per query: one query for a single person.
    half = CHUNK // 2
    for start in range(0, max(len(emails), len(phones)), half):
        part_emails, part_phones = emails[start : start + half], phones[start : start + half]
        for supporter in Supporter.objects.filter(
            Q(email__in=part_emails) | Q(phone__in=part_phones)
        ).order_by():
            index.add(supporter)
    return index


def supporter_match(
    *, email: str | None = None, phone: str | None = None, lock: bool = False
) -> Supporter | None:
    """The supporter with this email, else this phone (`identity_pick`).

    With `lock` inside a transaction the candidates are locked in id order
    (two requests matching the same two people cannot deadlock). Raises
    ValidationError when the phone cannot be normalised."""
    email, phone = normalize_email(email), normalize_phone(phone)
    if not email and not phone:
        return None
    query = Q(email=email) if email else Q()
    if phone:
        query |= Q(phone=phone)
    candidates = Supporter.objects.filter(query).order_by("pk")
    if lock and transaction.get_connection().in_atomic_block:
        candidates = candidates.select_for_update(of=("self",))
    index = IdentityIndex({}, {})
    for supporter in candidates[:2]:
        index.add(supporter)
    return index.pick(email=email, phone=phone)


# ---------------------------------------------------------------------------
# Place: ZIP -> district -> seat holder
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    district_id: int | None
    # Whether a district of the body covers the ZIP (None: no ZIP, or no body).
    covered: bool | None


@dataclass
class PlaceMap:
    """The districts covering some ZIPs and one body's districts and seat
    holders, read once (two queries) and asked as often as needed."""

    body_id: int | None
    # zip -> [(district id, body id)]
    zips: dict[str, list[tuple[int, int]]]
    # The body's districts whose seat is held -> the member holding it.
    seats: dict[int, int]
    # The body's districts, read only when a known district must be told
    # apart from another body's.
    _body_districts: set[int] | None = None
    _loaded: set[str] = field(default_factory=set)
    # district id -> GeoJSON boundary (None: none drawn), read when needed.
    _boundaries: dict[int, dict | None] = field(default_factory=dict)
    # (zip, current district) -> Place, without a point: an import asks the
    # same few ZIPs for every row, and what a ZIP read answers never changes.
    _placed: dict[tuple[str, int | None], "Place"] = field(default_factory=dict)

    def place(
        self,
        zip_code: str,
        current_district_id: int | None = None,
        point: tuple[float, float] | None = None,
    ) -> Place:
        """Where a supporter with this ZIP lives (rules in the module docstring).
        `current_district_id` is the district already known for them; `point`
        their (latitude, longitude), if known."""
        if point is not None:
            return self._place(zip_code, current_district_id, point)
        key = (zip_code, current_district_id)
        placed = self._placed.get(key)
        if placed is None:
            placed = self._placed[key] = self._place(zip_code, current_district_id, None)
        return placed

    def _place(
        self, zip_code: str, current_district_id: int | None, point: tuple[float, float] | None
    ) -> Place:
        zip_code = normalize_zip(zip_code)
        if not zip_code:
            return Place(current_district_id, None)
        candidates = self.districts_covering(zip_code)
        covered = bool(candidates) if self.body_id is not None else None
        if len(candidates) == 1:
            return Place(candidates[0], covered)
        if point is not None and len(candidates) > 1:
            # A shared ZIP: the one boundary holding their coordinates tells.
            inside = self.district_at(candidates, point)
            if inside is not None:
                return Place(inside, covered)
        if current_district_id in candidates:
            return Place(current_district_id, covered)
        if (
            self.body_id is not None
            and current_district_id is not None
            and current_district_id not in self.body_districts()
        ):
            # A district of another body (a city council, say) is not ours to clear.
            return Place(current_district_id, covered)
        return Place(None, covered)

    def district_at(self, candidates: list[int], point: tuple[float, float]) -> int | None:
        missing = [pk for pk in candidates if pk not in self._boundaries]
        if missing:
            self._boundaries.update(dict.fromkeys(missing))
            self._boundaries.update(
                District.objects.filter(pk__in=missing, boundary__isnull=False).values_list(
                    "pk", "boundary"
                )
            )
        return district_containing(
            boundaries={pk: self._boundaries[pk] for pk in candidates},
            latitude=point[0],
            longitude=point[1],
        )

    def body_districts(self) -> set[int]:
        if self._body_districts is None:
            self._body_districts = set(
                District.objects.filter(body_id=self.body_id).values_list("pk", flat=True)
            )
        return self._body_districts

    def load(self, zips: Iterable[str]) -> None:
        """Read the districts covering these ZIPs (those not read yet)."""
        wanted = {normalize_zip(z) for z in zips} - {""} - self._loaded
        for chunk in chunks(wanted):
            for zip_code, district_id, district_body_id in DistrictZip.objects.filter(
                zip_code__in=chunk
            ).values_list("zip_code", "district_id", "district__body_id"):
                self.zips.setdefault(zip_code, []).append((district_id, district_body_id))
        self._loaded |= wanted

    def districts_covering(self, zip_code: str) -> list[int]:
        """The districts covering the ZIP: the body's, or any body's without one."""
        zip_code = normalize_zip(zip_code)
        if zip_code and zip_code not in self._loaded:
            # A stored ZIP nobody preloaded (a line naming a known person by
            # email alone): read, never taken for "no district".
            self.load([zip_code])
        rows = self.zips.get(zip_code, [])
        if self.body_id is not None:
            rows = [row for row in rows if row[1] == self.body_id]
        return sorted({district_id for district_id, _body in rows})

    def seat_holder(self, district_id: int | None) -> int | None:
        return self.seats.get(district_id) if district_id is not None else None


def seat_holder_candidates(body_id: int):
    """THE seat-holder rule as a queryset: a district's seat is held by its
    first active member by name, then id (usually the only one)."""
    return (
        CouncilMember.objects.active()
        .filter(body_id=body_id, district__isnull=False)
        .order_by("district_id", "name", "id")
    )


def seat_holders(body_id: int) -> dict[int, int]:
    """Each district of the body whose seat is held -> the member holding it.
    One query."""
    seats: dict[int, int] = {}
    for district_id, member_id in seat_holder_candidates(body_id).values_list("district_id", "pk"):
        seats.setdefault(district_id, member_id)
    return seats


def place_map(*, body_id: int | None, zips: Iterable[str]) -> PlaceMap:
    """A PlaceMap with these ZIPs read (every body's districts covering them,
    so a supporter can be placed without a campaign too). A ZIP it is asked
    about later is read then: the ZIPs given only spare queries."""
    places = PlaceMap(
        body_id=body_id,
        zips={},
        seats=seat_holders(body_id) if body_id is not None else {},
    )
    places.load(zips)
    return places


def _zip_places(body_id: int, zip_code: str) -> list[tuple[int, int | None]]:
    """The body's districts covering the ZIP and each one's seat holder
    (`seat_holder_candidates`), in one query."""
    holder = seat_holder_candidates(body_id).filter(district_id=OuterRef("district_id"))
    return list(
        DistrictZip.objects.filter(zip_code=zip_code, district__body_id=body_id)
        .annotate(holder=Subquery(holder.values("pk")[:1]))
        .order_by("district_id")
        .values_list("district_id", "holder")
    )


def place_map_one(*, body_id: int | None, zip_code: str) -> PlaceMap:
    """`place_map` for one person: with a body, the body's districts covering
    the ZIP and their seat holders (what placing them and aiming their
    contacts needs) in one query, none once cached (campaign.public_cache:
    every sign-up of a surge asks about the same few ZIPs)."""
    zip_code = normalize_zip(zip_code)
    if body_id is None or not (len(zip_code) == 5 and zip_code.isascii() and zip_code.isdigit()):
        return place_map(body_id=body_id, zips=[zip_code])
    rows = public_cache.cached(
        f"public-cache:place:{body_id}:{zip_code}", lambda: _zip_places(body_id, zip_code)
    )
    places = PlaceMap(
        body_id=body_id,
        zips={zip_code: [(district_id, body_id) for district_id, _holder in rows]},
        seats={district_id: holder for district_id, holder in rows if holder is not None},
    )
    places._loaded.add(zip_code)
    return places


def member_for_supporter(*, supporter: Supporter, campaign: Campaign) -> CouncilMember | None:
    """The supporter's own member on the campaign's body, or None when their
    district is unknown or belongs to another body."""
    if supporter.district_id is None:
        return None
    return (
        seat_holder_candidates(campaign.decision_body_id)
        .filter(district_id=supporter.district_id)
        .select_related("district")
        .first()
    )


# ---------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonInput:
    """What a path knows about a person; blanks mean "not given"."""

    first_name: str = ""
    last_name: str = ""
    email: str | None = None
    phone: str | None = None
    zip_code: str = ""
    street_address: str = ""
    language: str = ""
    sector: str = ""
    is_youth: bool | None = None
    notes: str = ""
    # From an import or a geocoder: places them when their ZIP is shared.
    latitude: float | None = None
    longitude: float | None = None

    def normalised(self) -> "PersonInput":
        """Raises ValidationError on a phone that cannot be a real number."""
        return PersonInput(
            first_name=(self.first_name or "").strip(),
            last_name=(self.last_name or "").strip(),
            email=normalize_email(self.email),
            phone=normalize_phone(self.phone),
            zip_code=normalize_zip(self.zip_code),
            street_address=(self.street_address or "").strip(),
            language=self.language or "",
            sector=self.sector or "",
            is_youth=self.is_youth,
            notes=(self.notes or "").strip(),
            latitude=self.latitude,
            longitude=self.longitude,
        )


_FILLED_FIELDS = (
    "first_name",
    "last_name",
    "zip_code",
    "street_address",
    "language",
    "sector",
    "notes",
    "latitude",
    "longitude",
)


def _point(supporter: Supporter) -> tuple[float, float] | None:
    if supporter.latitude is None or supporter.longitude is None:
        return None
    return (supporter.latitude, supporter.longitude)


_BLANK_SUPPORTER: dict | None = None


def _supporter_new() -> Supporter:
    """`Supporter()`: a copy of a blank one's state (post_init's marks
    included), about 1 µs where Model.__init__ and its signals take 20-25 µs,
    a quarter of an import's budget per row. No field has a callable default
    (checked: else each gets its own __init__)."""
    global _BLANK_SUPPORTER
    if _BLANK_SUPPORTER is None:
        if any(f.has_default() and callable(f.default) for f in Supporter._meta.concrete_fields):
            return Supporter()
        _BLANK_SUPPORTER = {k: v for k, v in Supporter().__dict__.items() if k != "_state"}
    supporter = Supporter.__new__(Supporter)
    supporter.__dict__.update(_BLANK_SUPPORTER)
    supporter._state = ModelState()
    return supporter


def supporter_build(*, person: PersonInput, places: PlaceMap, taken: IdentityIndex) -> Supporter:
    """A new, unsaved supporter from normalised input. An email or phone that
    someone else holds (`taken`) is left out."""
    supporter = _supporter_new()
    supporter.email = person.email if person.email not in taken.by_email else None
    supporter.phone = person.phone if person.phone not in taken.by_phone else None
    supporter.is_youth = bool(person.is_youth)
    for field_name in _FILLED_FIELDS:
        value = getattr(person, field_name)
        if value:
            setattr(supporter, field_name, value)
    # Straight into __dict__: nothing is cached on a new instance for the
    # foreign key's descriptor to clear.
    supporter.__dict__["district_id"] = places.place(
        supporter.zip_code, point=_point(supporter)
    ).district_id
    supporter.fill_search_name()
    return supporter


# What `supporter_apply` may change (attnames): the bulk paths write these.
APPLIED_FIELDS = (*_FILLED_FIELDS, "email", "phone", "is_youth", "district_id")


def supporter_apply(
    *,
    supporter: Supporter,
    person: PersonInput,
    trust: Trust,
    places: PlaceMap,
    taken: IdentityIndex,
) -> bool:
    """Apply what a trusted path (OWNER, STAFF) knows to an existing supporter,
    in memory. Returns whether anything changed. PUBLIC input is never applied
    to an existing supporter."""
    if trust == Trust.PUBLIC:
        raise ValueError("public input never changes an existing supporter")
    before = {name: getattr(supporter, name) for name in APPLIED_FIELDS}
    for field_name in _FILLED_FIELDS:
        value = getattr(person, field_name)
        if value:
            setattr(supporter, field_name, value)
    if person.email and not supporter.email and person.email not in taken.by_email:
        supporter.email = person.email
    if person.phone and not supporter.phone and person.phone not in taken.by_phone:
        supporter.phone = person.phone
    if person.is_youth is not None:
        supporter.is_youth = person.is_youth
    moved = (supporter.latitude, supporter.longitude) != (before["latitude"], before["longitude"])
    if supporter.zip_code != before["zip_code"] or moved or places.body_id is not None:
        supporter.district_id = places.place(
            supporter.zip_code, supporter.district_id, _point(supporter)
        ).district_id
    supporter.fill_search_name()
    return any(getattr(supporter, name) != value for name, value in before.items())


@dataclass(frozen=True)
class IntakeResult:
    supporter: Supporter
    created: bool
    # An existing supporter found for PUBLIC input, left unchanged.
    held: bool = False
    # What placed them (its seats answer their actions' targets).
    places: PlaceMap | None = None


def supporter_intake(
    *,
    person: PersonInput,
    trust: Trust,
    campaign: Campaign | None = None,
    source: str = "",
    supporter: Supporter | None = None,
    recruited_by: Supporter | None = None,
) -> IntakeResult:
    """Find or create the supporter for `person` and apply what `trust` allows.

    `supporter`: the person is already known (an admin edit, a confirmed
    sign-up): no matching. With a campaign: the district is placed within its
    body, the non-constituent tag follows, and the supporter joins the base
    (crediting `recruited_by` only if they join it now: `memberships_record`).

    Side effects: locks the matched row, INSERT/UPDATE of the supporter, tag
    changes, a Membership row. PUBLIC input for a known email changes nothing
    (`held`). Raises ValidationError on invalid input."""
    person = person.normalised()
    if supporter is None and trust == Trust.PUBLIC:
        return _supporter_public_intake(
            person=person, campaign=campaign, source=source, recruited_by=recruited_by
        )
    if supporter is None:
        supporter = supporter_match(email=person.email, phone=person.phone, lock=True)
    held = (supporter.email, supporter.phone) if supporter is not None else ()
    given = [value for value in (person.email, person.phone) if value and value not in held]
    if given and trust == Trust.STAFF:
        # An erased person's address comes back only by their own sign-up.
        refused = suppressed_among(emails=[person.email], phones=[person.phone])
        if refused:
            raise ValidationError({"email" if person.email in refused else "phone": ERASED_REFUSAL})
    elif given:
        # PUBLIC (a new supporter) or OWNER: the person signs up anew themselves.
        suppressions_lift(email=person.email, phone=person.phone)
    taken = identities_load(
        emails=[person.email] if person.email else [], phones=[person.phone] if person.phone else []
    )
    places = place_map_one(
        body_id=campaign.decision_body_id if campaign else None, zip_code=person.zip_code
    )
    created = supporter is None
    if created:
        supporter = supporter_build(person=person, places=places, taken=taken)
        if not supporter.email and not supporter.phone:
            raise ValidationError(
                {"phone": _("This phone number belongs to another supporter; give an email.")}
            )
        changed = True
    else:
        # What the supporter holds themselves is not "taken" from them.
        taken = IdentityIndex(
            {k: v for k, v in taken.by_email.items() if v.pk != supporter.pk},
            {k: v for k, v in taken.by_phone.items() if v.pk != supporter.pk},
        )
        changed = supporter_apply(
            supporter=supporter, person=person, trust=trust, places=places, taken=taken
        )
    if changed:
        supporter.full_clean(
            validate_unique=False, validate_constraints=False, exclude=["district"]
        )
        supporter.save()
    if created:
        webhook_deliveries_record(event="person", obj=supporter)
    if campaign is not None:
        covered = places.place(supporter.zip_code, supporter.district_id).covered
        # A supporter created just now has no tag to drop.
        if covered is False or (covered and not created):
            supporter_tag_non_constituent(supporter=supporter, covered=covered)
        membership_record(
            supporter=supporter,
            campaign=campaign,
            source=source or str(trust),
            recruited_by=recruited_by,
        )
    return IntakeResult(supporter, created=created, places=places)


def _supporter_public_intake(
    *,
    person: PersonInput,
    campaign: Campaign | None,
    source: str,
    recruited_by: Supporter | None,
) -> IntakeResult:
    """`supporter_intake` at PUBLIC trust with nobody given: a public form is
    matched by its email alone (typing someone's phone must not reach their
    record). The new supporter is written at once with INSERT ... ON CONFLICT
    DO NOTHING: the unique email index is the dedupe, no read comes first.
    When it is taken the person is on the list: found (locked) and held,
    unchanged. Raises IntegrityError when only the phone was taken meanwhile
    (the caller's retry leaves it out, as `taken` then shows)."""
    # Only a phone can be taken before the INSERT: the email's holder, if
    # any, is found by it (and may be this phone's holder too).
    taken = IdentityIndex({}, {})
    if person.phone:
        taken.by_phone = identities_load(emails=[], phones=[person.phone]).by_phone
    places = place_map_one(
        body_id=campaign.decision_body_id if campaign else None, zip_code=person.zip_code
    )
    supporter = supporter_build(person=person, places=places, taken=taken)
    if not supporter.email and not supporter.phone:
        raise ValidationError(
            {"phone": _("This phone number belongs to another supporter; give an email.")}
        )
    supporter.full_clean(validate_unique=False, validate_constraints=False, exclude=["district"])
    if not _insert_unless_taken(supporter):
        known = supporter_match(email=person.email, lock=True) if person.email else None
        if known is None:
            raise IntegrityError("the new supporter's phone was taken meanwhile")
        return IntakeResult(known, created=False, held=True, places=places)
    # The person signs up anew themselves: an erasure's suppression goes.
    suppressions_lift(email=person.email, phone=person.phone)
    webhook_deliveries_record(event="person", obj=supporter)
    if campaign is not None:
        covered = places.place(supporter.zip_code, supporter.district_id).covered
        if covered is False:
            supporter_tag_non_constituent(supporter=supporter, covered=covered)
        membership_record(
            supporter=supporter,
            campaign=campaign,
            source=source or str(Trust.PUBLIC),
            recruited_by=recruited_by,
        )
    return IntakeResult(supporter, created=True, places=places)


def _insert_unless_taken(supporter: Supporter) -> bool:
    """Save a new supporter in one INSERT unless its email or phone is taken
    (PostgreSQL ON CONFLICT DO NOTHING, SQLite INSERT OR IGNORE): what
    `save()` does, signals included (the audit trail's entry), and False
    instead of an IntegrityError. One statement, no savepoint."""
    meta = Supporter._meta
    using = router.db_for_write(Supporter, instance=supporter)
    supporter.fill_search_name()
    signals.pre_save.send(
        sender=Supporter, instance=supporter, raw=False, using=using, update_fields=None
    )
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
    returned = Supporter._base_manager.using(using)._insert(
        [supporter],
        fields=fields,
        returning_fields=meta.db_returning_fields,
        using=using,
        on_conflict=OnConflict.IGNORE,
    )
    row = returned[0] if returned else None
    if not row:
        return False
    for value, field_ in zip(row, meta.db_returning_fields, strict=True):
        setattr(supporter, field_.attname, value)
    supporter._state.adding = False
    supporter._state.db = using
    signals.post_save.send(
        sender=Supporter,
        instance=supporter,
        created=True,
        update_fields=None,
        raw=False,
        using=using,
    )
    return True


def supporter_tag_non_constituent(*, supporter: Supporter, covered: bool) -> None:
    """Tag a supporter no district of the body covers; drop the tag of one who
    moved into the body's area. One statement each way."""
    supporters_tag_non_constituent(
        covered=[supporter.pk] if covered else [], uncovered=[] if covered else [supporter.pk]
    )


def supporters_tag_non_constituent(*, covered: Iterable[int], uncovered: Iterable[int]) -> None:
    """`supporter_tag_non_constituent` for many supporters (ids) at once (the
    bulk paths): a statement or two per thousand."""
    through = Supporter.tags.through
    uncovered, covered = list(uncovered), list(covered)
    if uncovered:
        tag = Tag.objects.get_or_create(name=NON_CONSTITUENT_TAG)[0]
        through.objects.bulk_create(
            [through(supporter_id=pk, tag_id=tag.pk) for pk in uncovered],
            ignore_conflicts=True,
            batch_size=CHUNK,
        )
    for chunk in chunks(covered):
        through.objects.filter(supporter_id__in=chunk, tag__name=NON_CONSTITUENT_TAG).delete()


# ---------------------------------------------------------------------------
# Consent
# ---------------------------------------------------------------------------


def consent_record(
    *,
    supporter: Supporter,
    channel: str,
    source: str,
    campaign: Campaign | None = None,
    wording: str = "",
    lift_unsubscribe: bool = False,
    now: dt.datetime | None = None,
) -> ConsentEvent | None:
    """Record an opt-in on one channel (the ledger row and the supporter's
    current state). An unsubscribed supporter stays unsubscribed unless
    `lift_unsubscribe` (the person themselves, or a coordinator recording
    their explicit request): then None is returned and nothing changes.

    Side effects: UPDATE of the supporter, one ConsentEvent. Raises
    ValidationError when the channel's address is missing."""
    now = now or timezone.now()
    if supporter.unsubscribed_at is not None and not lift_unsubscribe:
        return None
    if channel == Channel.EMAIL:
        if not supporter.email:
            raise ValidationError(_("Email consent needs an email address."))
        supporter.email_consent_at, supporter.email_consent_source = now, source
    elif channel == Channel.SMS:
        if not supporter.phone:
            raise ValidationError(_("SMS consent needs a phone number."))
        supporter.sms_consent_at, supporter.sms_consent_source = now, source
    else:
        raise ValueError(f"unknown channel {channel!r}")
    supporter.unsubscribed_at = None
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
    return ConsentEvent.objects.create(
        supporter=supporter,
        channel=channel,
        kind=ConsentEvent.Kind.GRANTED,
        source=source,
        campaign=campaign,
        wording=wording,
        occurred_at=now,
    )


_CONSENT_FIELDS = {
    Channel.EMAIL: ("email", "email_consent_at", "email_consent_source"),
    Channel.SMS: ("phone", "sms_consent_at", "sms_consent_source"),
}


def consents_record_attested(
    *,
    supporter_ids: Iterable[int],
    channel: str,
    source: str,
    campaign: Campaign | None = None,
    wording: str = "",
    now: dt.datetime | None = None,
) -> int:
    """An opt-in many people gave, as STAFF attest it (an import's "these
    people agreed to email"): for each, what `consent_record` records (the
    ledger row and the current state), never lifting an unsubscribe. Someone
    without the channel's address is skipped, and so is someone who already
    agreed on the channel: their first record stands, and a file imported
    twice records nothing twice. Returns how many consents were recorded.

    Side effects, per thousand supporters: a locking SELECT, one UPDATE, one
    INSERT of ConsentEvents."""
    now = now or timezone.now()
    address, at_field, source_field = _CONSENT_FIELDS[channel]
    recorded = 0
    for chunk in chunks(set(supporter_ids)):
        eligible = Supporter.objects.filter(
            pk__in=chunk,
            unsubscribed_at__isnull=True,
            **{f"{address}__isnull": False, f"{at_field}__isnull": True},
        ).order_by("pk")
        if transaction.get_connection().in_atomic_block:
            # Nobody unsubscribes between this read and the UPDATE.
            eligible = eligible.select_for_update()
        ids = list(eligible.values_list("pk", flat=True))
        if not ids:
            continue
        Supporter.objects.filter(pk__in=ids).update(
            **{at_field: now, source_field: source, "updated_at": now}
        )
        ConsentEvent.objects.bulk_create(
            ConsentEvent(
                supporter_id=pk,
                channel=channel,
                kind=ConsentEvent.Kind.GRANTED,
                source=source,
                campaign=campaign,
                wording=wording,
                occurred_at=now,
            )
            for pk in ids
        )
        recorded += len(ids)
    return recorded


def sms_consents_request(
    *, supporters: Iterable[Supporter], campaign: Campaign | None, wording: str
) -> int:
    """Text consent is confirmed by the phone: ask each supporter's phone to
    reply YES (once per campaign), as the public form does. A coordinator's
    word, like a form's, cannot prove a number is the person's. Nobody without
    a phone, unsubscribed, or who already agreed to texts is asked.

    Side effects: one Message row per supporter asked, in one bulk INSERT.
    Returns how many."""
    asked = [
        supporter
        for supporter in supporters
        if supporter.phone and supporter.unsubscribed_at is None and not supporter.sms_consent_at
    ]
    if asked:
        reminders_sms_consent_requests(supporters=asked, campaign=campaign, wording=wording)
    return len(asked)


def consent_withdraw(*, supporter: Supporter, channel: str, source: str) -> ConsentEvent:
    """Withdraw consent on one channel (an SMS STOP, a "do not call", the
    admin's untick). Side effects: UPDATE, a ConsentEvent, that channel's
    pending messages suppressed."""
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
        occurred_at=timezone.now(),
    )


# ---------------------------------------------------------------------------
# Campaign membership (the base)
# ---------------------------------------------------------------------------


def memberships_record(
    *,
    pairs: Iterable[tuple[int, int]],
    source: str,
    at: dt.datetime | None = None,
    recruited_by_id: int | None = None,
) -> None:
    """(campaign id, supporter id) pairs join those bases; a supporter already
    in a base keeps their first joining. `recruited_by_id`: whose share link
    brought them; it is written only on a membership created here (the
    skipped conflict leaves an existing one as it was), never on the
    recruiter's own. Side effects: INSERTs (conflicts skipped)."""
    at = at or timezone.now()
    rows = [
        Membership(
            campaign_id=campaign_id,
            supporter_id=supporter_id,
            source=source,
            joined_at=at,
            recruited_by_id=recruited_by_id if recruited_by_id != supporter_id else None,
        )
        for campaign_id, supporter_id in dict.fromkeys(pairs)
    ]
    if rows:
        Membership.objects.bulk_create(rows, ignore_conflicts=True, batch_size=CHUNK)


def membership_record(
    *,
    supporter: Supporter,
    campaign: Campaign,
    source: str,
    at: dt.datetime | None = None,
    recruited_by: Supporter | None = None,
) -> None:
    memberships_record(
        pairs=[(campaign.pk, supporter.pk)],
        source=source,
        at=at,
        recruited_by_id=recruited_by.pk if recruited_by else None,
    )


# ---------------------------------------------------------------------------
# Actions
# ---------------------------------------------------------------------------

# "Use the supporter's own member", as opposed to an explicit None (no target).
OWN_MEMBER = "own-member"


def hearing_due_date(*, kind: str, hearing: Hearing) -> dt.date:
    """A hearing pledge is due on the hearing's day; written testimony by its deadline."""
    due = hearing.starts_at
    if kind == ActionKind.WRITTEN_TESTIMONY and hearing.testimony_deadline:
        due = hearing.testimony_deadline
    return timezone.localtime(due).date()


def action_check(
    *, campaign: Campaign, kind: str, status: str, hearing: Hearing | None, completed_at=None
) -> None:
    """The rules an action must meet whatever path it comes by.
    Raises ValidationError (keyed by field) when it cannot be."""
    if kind not in ActionKind.values:
        raise ValidationError({"kind": _("Unknown action kind.")})
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if kind not in HEARING_KINDS:
        return
    if hearing is None:
        raise ValidationError(
            {"hearing": _("Choose the hearing: testimony and attendance are for one hearing.")}
        )
    if hearing.campaign_id != campaign.pk:
        raise ValidationError({"hearing": _("The hearing belongs to another campaign.")})
    now = timezone.now()
    if status == ActionStatus.PLEDGED and (hearing.is_cancelled or hearing.starts_at <= now):
        raise ValidationError(
            {"hearing": _("A pledge can only be for an upcoming hearing that is not cancelled.")}
        )
    if (
        status == ActionStatus.COMPLETED
        and kind != ActionKind.WRITTEN_TESTIMONY
        and hearing.starts_at > (completed_at or now)
    ):
        raise ValidationError(
            {"hearing": _("Nobody has testified at or attended a hearing that has not started.")}
        )


def action_build(
    *,
    supporter: Supporter,
    campaign: Campaign,
    kind: str,
    status: str,
    source: str,
    by=None,
    target=OWN_MEMBER,
    hearing: Hearing | None = None,
    note: str = "",
    completed_at: dt.datetime | None = None,
    due_date: dt.date | None = None,
    idempotency_key: str | None = None,
    seats: Mapping[int, int] | None = None,
) -> Action:
    """A checked, unsaved action. `seats` (district -> member id) answers the
    default target without a query."""
    action_check(
        campaign=campaign, kind=kind, status=status, hearing=hearing, completed_at=completed_at
    )
    if kind not in CONTACT_KINDS:
        # Only a contact is aimed at a member (the whip count's contacts).
        target = None
    if target == OWN_MEMBER:
        target_id = None
        if kind in CONTACT_KINDS:
            if seats is None:
                seats = seat_holders(campaign.decision_body_id)
            target_id = seats.get(supporter.district_id)
    else:
        target_id = target.pk if target is not None else None
    completed = status == ActionStatus.COMPLETED
    if due_date is None and status == ActionStatus.PLEDGED and hearing is not None:
        due_date = hearing_due_date(kind=kind, hearing=hearing)
    action = Action(
        supporter=supporter,
        campaign=campaign,
        kind=kind,
        status=status,
        target_id=target_id,
        hearing=hearing if kind in HEARING_KINDS else None,
        outcome_note=note,
        source=source,
        logged_by=by,
        due_date=due_date,
        idempotency_key=idempotency_key,
        completed_at=(completed_at or timezone.now()) if completed else None,
    )
    if target not in (OWN_MEMBER, None) and target.body_id != campaign.decision_body_id:
        raise ValidationError({"target": _("The target does not sit on the campaign's body.")})
    action.clean_fields(exclude=["supporter", "campaign", "target", "hearing", "logged_by"])
    return action


def _open_pledge(*, supporter: Supporter, campaign: Campaign, kind: str) -> Action | None:
    # No ORDER BY: PostgreSQL reads the one-open-pledge index.
    return (
        Action.objects.filter(
            supporter=supporter, campaign=campaign, kind=kind, status=ActionStatus.PLEDGED
        )
        .order_by()
        .first()
    )


def action_record(
    *,
    supporter: Supporter,
    campaign: Campaign,
    kind: str,
    status: str,
    source: str,
    by=None,
    target=OWN_MEMBER,
    hearing: Hearing | None = None,
    note: str = "",
    completed_at: dt.datetime | None = None,
    due_date: dt.date | None = None,
    idempotency_key: str | None = None,
) -> tuple[Action, bool]:
    """Record a pledge or a completed action (rules in the module docstring).
    Returns (action, created): the same idempotency key, or a second open
    pledge of the same kind, returns the existing action.

    Side effects: one INSERT (or none) under a savepoint, the campaign
    membership, the pledge's follow-up or hearing reminders (outbox rows)."""
    if idempotency_key:
        existing = Action.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return existing, False
    pledge = _open_pledge(supporter=supporter, campaign=campaign, kind=kind)
    if pledge is not None and status == ActionStatus.PLEDGED:
        return pledge, False
    action = action_build(
        supporter=supporter,
        campaign=campaign,
        kind=kind,
        status=status,
        source=source,
        by=by,
        target=target,
        hearing=hearing,
        note=note,
        completed_at=completed_at,
        due_date=due_date,
        idempotency_key=idempotency_key,
    )
    if pledge is not None and pledge_fulfilled_by(pledge=pledge, action=action):
        pledge = pledge_fulfil(pledge=pledge, action=action)
        webhook_deliveries_record_actions(actions=[pledge])
        return pledge, True
    try:
        with transaction.atomic():
            speaking_orders_assign(actions=[action])
            action.save()
    except IntegrityError:
        # A twin submitted at the same moment won the unique index.
        if idempotency_key:
            return Action.objects.get(idempotency_key=idempotency_key), False
        if status == ActionStatus.PLEDGED:
            return _open_pledge(supporter=supporter, campaign=campaign, kind=kind), False
        raise
    membership_record(supporter=supporter, campaign=campaign, source=source)
    reminders_on_pledge(action=action)
    webhook_deliveries_record_actions(actions=[action])
    return action, True


def actions_record_many(*, actions: list[Action], schedule: bool = True) -> list[Action]:
    """Save actions built by `action_build` (the bulk paths: bulk log,
    imports) in a few statements, with their memberships and reminders.
    The caller has dropped duplicates (open pledges, known idempotency keys).

    A completed action whose supporter has an open pledge of its kind
    fulfils that pledge instead (`pledge_fulfil`), as in `action_record`.
    `schedule=False`: the caller writes the pledges' reminders itself, in one
    go (the sign-up's `reminders_on_signup`).

    Side effects: INSERTs actions and memberships, outbox rows for pledges;
    UPDATEs of the pledges fulfilled, their pending follow-ups cancelled."""
    fulfilled, actions = _fulfil_open_pledges(actions)
    # No savepoint (no query) of its own: the hearings a speaking order
    # locks stay locked until the INSERT is committed.
    with transaction.atomic(savepoint=False):
        speaking_orders_assign(actions=actions)
        saved = Action.objects.bulk_create(actions, batch_size=CHUNK)
    by_source: dict[str, list[tuple[int, int]]] = {}
    for action in saved:
        by_source.setdefault(action.source, []).append((action.campaign_id, action.supporter_id))
    for source, pairs in by_source.items():
        memberships_record(pairs=pairs, source=source)
    if schedule:
        for action in saved:
            if action.status == ActionStatus.PLEDGED:
                reminders_on_pledge(action=action)
    webhook_deliveries_record_actions(actions=fulfilled + saved)
    return fulfilled + saved


def pledge_fulfilled_by(*, pledge: Action, action: Action) -> bool:
    """Whether a completed action is what the open pledge promised: the same
    kind, and for testimony or attendance the same hearing."""
    return (
        action.status == ActionStatus.COMPLETED
        and pledge.kind == action.kind
        and (
            action.kind not in HEARING_KINDS
            or action.hearing_id is None
            or pledge.hearing_id in (None, action.hearing_id)
        )
    )


def pledge_fulfil(*, pledge: Action, action: Action) -> Action:
    """The completed `action` (built, unsaved) is the open `pledge` kept: the
    pledge becomes that completion, so a supporter who pledged to call and
    called counts one call, and their "did you do it?" follow-up is cancelled.

    Side effects: UPDATE of the pledge, its pending follow-ups cancelled."""
    pledge.status = ActionStatus.COMPLETED
    pledge.completed_at = action.completed_at
    # What happened wins over what was planned: the member actually called.
    pledge.target_id = action.target_id or pledge.target_id
    pledge.hearing_id = pledge.hearing_id or action.hearing_id
    pledge.logged_by_id = pledge.logged_by_id or action.logged_by_id
    pledge.idempotency_key = pledge.idempotency_key or action.idempotency_key
    if action.outcome_note:
        pledge.outcome_note = f"{pledge.outcome_note}\n{action.outcome_note}".strip()
    pledge.save()
    reminders_on_action_closed(action=pledge)
    return pledge


def _fulfil_open_pledges(actions: list[Action]) -> tuple[list[Action], list[Action]]:
    """Split built actions into pledges they fulfil (done) and rows to insert."""
    completed = [a for a in actions if a.status == ActionStatus.COMPLETED]
    if not completed:
        return [], actions
    pledges: dict[tuple[int, int, str], Action] = {}
    for (campaign_id, kind), group in _group(completed).items():
        for chunk in chunks({a.supporter_id for a in group}):
            for pledge in Action.objects.filter(
                campaign_id=campaign_id,
                kind=kind,
                status=ActionStatus.PLEDGED,
                supporter_id__in=chunk,
            ).order_by():
                pledges[(campaign_id, pledge.supporter_id, kind)] = pledge
    fulfilled, rest = [], []
    for action in actions:
        pledge = pledges.pop((action.campaign_id, action.supporter_id, action.kind), None)
        if pledge is not None and pledge_fulfilled_by(pledge=pledge, action=action):
            fulfilled.append(pledge_fulfil(pledge=pledge, action=action))
        else:
            rest.append(action)
    return fulfilled, rest


def _group(actions: list[Action]) -> dict[tuple[int, str], list[Action]]:
    groups: dict[tuple[int, str], list[Action]] = {}
    for action in actions:
        groups.setdefault((action.campaign_id, action.kind), []).append(action)
    return groups


def open_pledges_by_kind(
    *, supporter: Supporter, campaign: Campaign, kinds: Iterable[str]
) -> dict[str, Action]:
    """The supporter's open pledges of these kinds in the campaign, by kind."""
    return {
        pledge.kind: pledge
        for pledge in Action.objects.filter(
            supporter=supporter,
            campaign=campaign,
            kind__in=list(kinds),
            status=ActionStatus.PLEDGED,
        ).order_by()
    }


def open_pledges(*, campaign: Campaign, kind: str, supporter_ids: Iterable[int]) -> set[int]:
    """Which of these supporters already have an open pledge of this kind."""
    found: set[int] = set()
    for chunk in chunks(set(supporter_ids)):
        found.update(
            Action.objects.filter(
                campaign=campaign, kind=kind, status=ActionStatus.PLEDGED, supporter_id__in=chunk
            )
            .order_by()
            .values_list("supporter_id", flat=True)
        )
    return found


def known_idempotency_keys(keys: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunks(set(keys)):
        found.update(
            Action.objects.filter(idempotency_key__in=chunk)
            .order_by()
            .values_list("idempotency_key", flat=True)
        )
    return found
