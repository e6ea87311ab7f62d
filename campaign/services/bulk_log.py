"""Bulk logging: a pasted list or a CSV sign-in sheet becomes one action per line.

Each line gets a result: logged, created (a new supporter, then logged),
already logged (this list, or this line earlier in it, was logged today),
not found, invalid. The good lines are saved in one transaction, all or
nothing. The lookups are batched (a handful of queries for any number of
lines), so 5,000 lines take about a second.

The rules are the intake core's (campaign.services.intake), in its batch
form, at STAFF trust: a line is matched by email, else phone
(`IdentityIndex.pick`), and a known supporter takes what the line gives
(`supporter_apply`: a given name or ZIP replaces, a blank never erases, an
email or phone someone else holds is never taken); a line with a name and
nobody to match creates the supporter (`supporter_build`); everyone is placed
within the campaign's body (`PlaceMap`, the non-constituent tag). Each
action is checked and built by `action_build` (a contact aimed at the
supporter's own member; testimony and attendance for one of the campaign's
hearings) and saved by `actions_record_many` (campaign membership, a
pledge's reminders). A sign-in sheet records no consent: it is not an opt-in.

Idempotency: each action's key is campaign + kind + status + hearing + day +
supporter, so the same paste submitted twice the same day logs nothing twice,
and two lines naming the same person log once.
"""

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from campaign.models import (
    ActionSource,
    ActionStatus,
    Campaign,
    Hearing,
    Supporter,
    normalize_email,
    normalize_phone,
    normalize_zip,
)
from campaign.services.intake import (
    APPLIED_FIELDS,
    CHUNK,
    PersonInput,
    Trust,
    action_build,
    action_check,
    actions_record_many,
    identities_load,
    known_idempotency_keys,
    open_pledges,
    place_map,
    supporter_apply,
    supporter_build,
    supporters_tag_non_constituent,
)
from campaign.services.privacy import ERASED_REFUSAL, suppressed_among
from campaign.services.webhooks import webhook_deliveries_record_many

LOGGED = "logged"
CREATED = "created"
ALREADY = "already"
NOT_FOUND = "not_found"
INVALID = "invalid"
OUTCOME_LABELS = {
    LOGGED: "Logged",
    CREATED: "Created new supporter",
    ALREADY: "Already logged",
    NOT_FOUND: "Not found",
    INVALID: "Invalid",
}

_HEADER_ALIASES = {
    "email": "email",
    "e-mail": "email",
    "email address": "email",
    "phone": "phone",
    "mobile": "phone",
    "mobile phone": "phone",
    "cell": "phone",
    "phone number": "phone",
    "first_name": "first_name",
    "first name": "first_name",
    "first": "first_name",
    "last_name": "last_name",
    "last name": "last_name",
    "last": "last_name",
    "name": "name",
    "full name": "name",
    "zip": "zip_code",
    "zip_code": "zip_code",
    "zip code": "zip_code",
}
_ZIP_RE = re.compile(r"^\d{5}(-\d{4})?$")
_email_validator = EmailValidator()
# What a line may change on a known supporter (fill_search_name follows the names).
_APPLIED = (*APPLIED_FIELDS, "search_name", "updated_at")


class BulkLogConflict(Exception):
    """An identical list was being saved at the same moment; nothing was saved."""


@dataclass
class LineResult:
    line: int
    text: str
    outcome: str
    message: str = ""
    supporter_id: int | None = None

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self.outcome]


@dataclass
class BulkLogResult:
    lines: list[LineResult] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    @property
    def counts(self) -> dict[str, int]:
        return {outcome: self.count(outcome) for outcome in OUTCOME_LABELS}


@dataclass
class _Parsed:
    line: int
    text: str
    email: str | None = None
    phone: str | None = None
    first_name: str = ""
    last_name: str = ""
    zip_code: str = ""
    error: str = ""


def _header_map(cells: list[str]) -> dict[int, str] | None:
    mapping = {}
    for index, cell in enumerate(cells):
        alias = _HEADER_ALIASES.get(cell.strip().lower())
        if alias:
            mapping[index] = alias
    if "email" in mapping.values() or "phone" in mapping.values():
        return mapping
    return None


def _split_name(value: str) -> tuple[str, str]:
    first, _sep, last = value.strip().partition(" ")
    return first.strip(), last.strip()


def _fill_identity(parsed: _Parsed, email: str, phone: str) -> None:
    if email:
        email = normalize_email(email)
        try:
            _email_validator(email)
        except ValidationError:
            parsed.error = f"“{email[:60]}” is not a valid email address."
            return
        parsed.email = email
    if phone:
        try:
            parsed.phone = normalize_phone(phone)
        except ValidationError:
            parsed.error = f"“{phone[:40]}” is not a valid phone number."
            return
    if not parsed.email and not parsed.phone:
        parsed.error = "No email address or phone number on this line."


def _parse_with_header(number: int, text: str, cells: list[str], header: dict) -> _Parsed:
    parsed = _Parsed(line=number, text=text)
    values = dict.fromkeys(_HEADER_ALIASES.values(), "")
    for index, name in header.items():
        if index < len(cells):
            values[name] = cells[index].strip()
    parsed.first_name, parsed.last_name = values["first_name"], values["last_name"]
    if values["name"] and not parsed.first_name:
        parsed.first_name, parsed.last_name = _split_name(values["name"])
    parsed.zip_code = normalize_zip(values["zip_code"])
    _fill_identity(parsed, values["email"], values["phone"])
    return parsed


def _parse_free(number: int, text: str, cells: list[str]) -> _Parsed:
    """A line without a header: each cell is recognised by its shape."""
    parsed = _Parsed(line=number, text=text)
    email = phone = ""
    names = []
    for cell in (c.strip() for c in cells):
        if not cell:
            continue
        if "@" in cell and not email:
            email = cell
        elif _ZIP_RE.match(cell) and not parsed.zip_code:
            parsed.zip_code = normalize_zip(cell)
        elif sum(ch.isdigit() for ch in cell) >= 7 and not phone:
            phone = cell
        else:
            names.append(cell)
    if len(names) == 1:
        parsed.first_name, parsed.last_name = _split_name(names[0])
    elif len(names) >= 2:
        parsed.first_name, parsed.last_name = names[0], names[1]
    _fill_identity(parsed, email, phone)
    return parsed


def bulk_parse(text: str) -> list[_Parsed]:
    """Parse a paste or a CSV file; blank lines are skipped. No queries."""
    parsed = []
    header = None
    reader = csv.reader(io.StringIO(text))
    physical_lines = text.splitlines()
    first = True
    try:
        for cells in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            raw = physical_lines[number - 1] if number - 1 < len(physical_lines) else ""
            if first:
                first = False
                header = _header_map(cells)
                if header is not None:
                    continue
            if header is not None:
                parsed.append(_parse_with_header(number, raw, cells, header))
            else:
                parsed.append(_parse_free(number, raw, cells))
    except csv.Error as error:
        parsed.append(
            _Parsed(line=reader.line_num, text="", error=f"The CSV could not be read: {error}")
        )
    return parsed


def _idempotency_key(
    *, campaign: Campaign, kind: str, status: str, hearing: Hearing | None, day, supporter_id: int
) -> str:
    raw = f"{campaign.pk}:{kind}:{status}:{hearing.pk if hearing else 0}:{day}:{supporter_id}"
    return "bulk:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def _problem(line: _Parsed) -> str:
    """What makes a line's name or ZIP unusable ("" when nothing)."""
    if len(line.first_name) > 100 or len(line.last_name) > 100:
        return "The name is longer than 100 characters."
    if line.zip_code and not _ZIP_RE.match(line.zip_code):
        return f"“{line.zip_code[:20]}” is not a 5-digit ZIP code."
    return ""


def _person(line: _Parsed) -> PersonInput:
    return PersonInput(
        first_name=line.first_name,
        last_name=line.last_name,
        email=line.email,
        phone=line.phone,
        zip_code=line.zip_code,
    )


def bulk_log(
    *,
    campaign: Campaign,
    kind: str,
    status: str,
    text: str,
    by,
    hearing: Hearing | None = None,
) -> BulkLogResult:
    """Log one action per line of `text` (rules in the module docstring).

    Side effects, in one transaction: INSERTs new supporters and UPDATEs
    known ones a line changed (no consent is recorded: a sign-in sheet is not
    an opt-in; someone outside the campaign's body is tagged non-constituent,
    someone inside untagged), the actions (each with an idempotency
    key and, for contacts, the supporter's own member as target), their
    campaign memberships and each pledge's follow-up or hearing reminders.
    Raises ValidationError (keyed by field) when the action itself cannot be
    (`action_check`: e.g. attendance without a hearing); nothing is saved then.
    Raises BulkLogConflict when an identical list was saved concurrently
    (nothing of this call is saved then)."""
    now = timezone.now()
    action_check(campaign=campaign, kind=kind, status=status, hearing=hearing, completed_at=now)
    parsed = bulk_parse(text)
    result = BulkLogResult()
    good = [p for p in parsed if not p.error]

    index = identities_load(
        emails=(p.email for p in good if p.email), phones=(p.phone for p in good if p.phone)
    )
    places = place_map(
        body_id=campaign.decision_body_id, zips=(p.zip_code for p in good if p.zip_code)
    )
    # The ZIPs known people have on file too, read in the same batch.
    places.load(s.zip_code for s in (*index.by_email.values(), *index.by_phone.values()))
    # Resolve each line to a known supporter (who takes what the line gives,
    # at STAFF trust), a new one (a line with a name), or no one; everyone
    # stays in the index, so a later line naming them finds them.
    resolved: list[tuple[_Parsed, Supporter | None]] = []
    new_supporters: list[Supporter] = []
    changed: dict[int, Supporter] = {}
    erased = suppressed_among(
        emails=(p.email for p in good if p.email), phones=(p.phone for p in good if p.phone)
    )
    for line in good:
        line.error = _problem(line)
        if not line.error and (line.email in erased or line.phone in erased):
            line.error = str(ERASED_REFUSAL)
        if line.error:
            continue
        supporter = index.pick(email=line.email, phone=line.phone)
        if supporter is not None:
            if (
                supporter_apply(
                    supporter=supporter,
                    person=_person(line),
                    trust=Trust.STAFF,
                    places=places,
                    taken=index,
                )
                and supporter.pk
            ):
                changed[supporter.pk] = supporter
        elif line.first_name:
            supporter = supporter_build(person=_person(line), places=places, taken=index)
            new_supporters.append(supporter)
        if supporter is not None:
            index.add(supporter)
        resolved.append((line, supporter))
    created = {id(supporter) for supporter in new_supporters}
    # Everyone the sheet names is placed within the campaign's body.
    covered = {
        id(supporter): places.place(supporter.zip_code, supporter.district_id).covered
        for _line, supporter in resolved
        if supporter is not None
    }

    day = timezone.localdate(now).isoformat()
    try:
        with transaction.atomic():
            Supporter.objects.bulk_create(new_supporters, batch_size=CHUNK)
            webhook_deliveries_record_many(event="person", objs=new_supporters)
            for supporter in changed.values():
                supporter.updated_at = now
            Supporter.objects.bulk_update(changed.values(), _APPLIED, batch_size=CHUNK // 4)
            supporters = {id(s): s for _line, s in resolved if s is not None}
            supporters_tag_non_constituent(
                covered=[s.pk for key, s in supporters.items() if covered[key] is True],
                uncovered=[s.pk for key, s in supporters.items() if covered[key] is False],
            )
            keys = {
                line.line: _idempotency_key(
                    campaign=campaign,
                    kind=kind,
                    status=status,
                    hearing=hearing,
                    day=day,
                    supporter_id=supporter.pk,
                )
                for line, supporter in resolved
                if supporter is not None
            }
            existing_keys = known_idempotency_keys(keys.values())
            open_pledgers = set()
            if status == ActionStatus.PLEDGED:
                open_pledgers = open_pledges(
                    campaign=campaign,
                    kind=kind,
                    supporter_ids=(s.pk for _line, s in resolved if s is not None),
                )

            actions = []
            first_line_for_key: dict[str, int] = {}
            results = {}
            for line, supporter in resolved:
                if supporter is None:
                    results[line.line] = LineResult(
                        line.line,
                        line.text,
                        NOT_FOUND,
                        "No supporter with this email or phone; add a name to create one.",
                    )
                    continue
                key = keys[line.line]
                if key in existing_keys or supporter.pk in open_pledgers:
                    results[line.line] = LineResult(
                        line.line, line.text, ALREADY, "Already logged today.", supporter.pk
                    )
                    continue
                if key in first_line_for_key:
                    results[line.line] = LineResult(
                        line.line,
                        line.text,
                        ALREADY,
                        f"Same person as line {first_line_for_key[key]}.",
                        supporter.pk,
                    )
                    continue
                first_line_for_key[key] = line.line
                actions.append(
                    action_build(
                        supporter=supporter,
                        campaign=campaign,
                        kind=kind,
                        status=status,
                        source=ActionSource.IMPORT,
                        by=by,
                        hearing=hearing,
                        completed_at=now,
                        idempotency_key=key,
                        seats=places.seats,
                    )
                )
                outcome = CREATED if id(supporter) in created else LOGGED
                results[line.line] = LineResult(line.line, line.text, outcome, "", supporter.pk)
            actions_record_many(actions=actions)
    except IntegrityError as error:
        raise BulkLogConflict(str(error)) from error

    for line in parsed:
        if line.error:
            result.lines.append(LineResult(line.line, line.text, INVALID, line.error))
        else:
            result.lines.append(results[line.line])
    result.lines.sort(key=lambda r: r.line)
    return result
