"""Bulk logging: a pasted list or a CSV sign-in sheet becomes one action per line.

Each line gets a result: logged, created (a new supporter, then logged),
already logged (this list, or this line earlier in it, was logged today),
not found, invalid. The good lines are saved in one transaction, all or
nothing. The lookups are batched (a handful of queries for any number of
lines), so 5,000 lines take about a second.

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
    Action,
    ActionSource,
    ActionStatus,
    Campaign,
    CouncilMember,
    DistrictZip,
    Hearing,
    Supporter,
    normalize_email,
    normalize_phone,
    normalize_zip,
)

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
# Keep the IN lists well under every database's parameter limit.
_CHUNK = 1000


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


def _chunks(values):
    values = list(values)
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


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


def _districts_for_zips(zips: set[str]) -> dict[str, int]:
    """ZIP -> district, for ZIPs only one district covers (as District.for_zip)."""
    found: dict[str, set[int]] = {}
    for chunk in _chunks(zips):
        for zip_code, district_id in DistrictZip.objects.filter(zip_code__in=chunk).values_list(
            "zip_code", "district_id"
        ):
            found.setdefault(zip_code, set()).add(district_id)
    return {zip_code: ids.pop() for zip_code, ids in found.items() if len(ids) == 1}


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

    Side effects, in one transaction: INSERTs new supporters (no consent is
    recorded: a sign-in sheet is not an opt-in) and the actions, each with an
    idempotency key and the supporter's own member as target. Raises
    BulkLogConflict when an identical list was saved concurrently (nothing
    of this call is saved then)."""
    parsed = bulk_parse(text)
    result = BulkLogResult()
    good = [p for p in parsed if not p.error]

    emails = {p.email for p in good if p.email}
    phones = {p.phone for p in good if p.phone}
    by_email: dict[str, Supporter] = {}
    by_phone: dict[str, Supporter] = {}
    for chunk in _chunks(emails):
        for supporter in (
            Supporter.objects.filter(email__in=chunk)
            .order_by()
            .only("pk", "email", "phone", "district_id")
        ):
            by_email[supporter.email] = supporter
    for chunk in _chunks(phones):
        for supporter in (
            Supporter.objects.filter(phone__in=chunk)
            .order_by()
            .only("pk", "email", "phone", "district_id")
        ):
            by_phone[supporter.phone] = supporter

    # Resolve each line to an existing supporter, a new one, or no one.
    resolved: list[tuple[_Parsed, Supporter | None, bool]] = []
    new_by_identity: dict[str, Supporter] = {}
    new_supporters: list[Supporter] = []
    for line in good:
        # An email match wins over a phone match, as in supporter_find.
        supporter = by_email.get(line.email) if line.email else None
        if supporter is None and line.phone:
            supporter = by_phone.get(line.phone)
        if supporter is not None:
            resolved.append((line, supporter, False))
            continue
        identities = [
            f"e:{line.email}" if line.email else "",
            f"p:{line.phone}" if line.phone else "",
        ]
        pending = next((new_by_identity[i] for i in identities if i in new_by_identity), None)
        if pending is not None:
            resolved.append((line, pending, True))
            continue
        if not line.first_name:
            resolved.append((line, None, False))
            continue
        if len(line.first_name) > 100 or len(line.last_name) > 100:
            line.error = "The name is longer than 100 characters."
            continue
        if line.zip_code and not _ZIP_RE.match(line.zip_code):
            line.error = f"“{line.zip_code[:20]}” is not a 5-digit ZIP code."
            continue
        # A phone that already belongs to someone else is not taken again.
        supporter = Supporter(
            first_name=line.first_name,
            last_name=line.last_name,
            email=line.email,
            phone=line.phone if line.phone not in by_phone else None,
            zip_code=line.zip_code,
        )
        if supporter.email is None and supporter.phone is None:
            resolved.append((line, None, False))
            continue
        new_supporters.append(supporter)
        for identity in identities:
            if identity:
                new_by_identity[identity] = supporter
        resolved.append((line, supporter, True))

    zips = {s.zip_code for s in new_supporters if s.zip_code}
    district_by_zip = _districts_for_zips(zips) if zips else {}
    for supporter in new_supporters:
        supporter.district_id = district_by_zip.get(supporter.zip_code)

    members_by_district: dict[int, int] = {}
    for district_id, member_id in (
        CouncilMember.objects.active()
        .filter(body_id=campaign.decision_body_id, district__isnull=False)
        .values_list("district_id", "pk")
    ):
        # Same choice as target_for_supporter: the first in the default order.
        members_by_district.setdefault(district_id, member_id)

    now = timezone.now()
    day = timezone.localdate(now).isoformat()
    try:
        with transaction.atomic():
            if new_supporters:
                Supporter.objects.bulk_create(new_supporters, batch_size=_CHUNK)
            keys = {}
            for line, supporter, _created in resolved:
                if supporter is not None:
                    keys[line.line] = _idempotency_key(
                        campaign=campaign,
                        kind=kind,
                        status=status,
                        hearing=hearing,
                        day=day,
                        supporter_id=supporter.pk,
                    )
            existing_keys = set()
            for chunk in _chunks(set(keys.values())):
                existing_keys.update(
                    Action.objects.filter(idempotency_key__in=chunk)
                    .order_by()
                    .values_list("idempotency_key", flat=True)
                )
            open_pledgers = set()
            if status == ActionStatus.PLEDGED:
                supporter_ids = {s.pk for _l, s, _c in resolved if s is not None}
                for chunk in _chunks(supporter_ids):
                    open_pledgers.update(
                        Action.objects.filter(
                            campaign=campaign,
                            kind=kind,
                            status=ActionStatus.PLEDGED,
                            supporter_id__in=chunk,
                        ).values_list("supporter_id", flat=True)
                    )

            actions = []
            first_line_for_key: dict[str, int] = {}
            results = {}
            for line, supporter, created in resolved:
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
                        line.line,
                        line.text,
                        ALREADY,
                        "Already logged today.",
                        supporter.pk,
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
                    Action(
                        supporter_id=supporter.pk,
                        campaign=campaign,
                        kind=kind,
                        status=status,
                        target_id=members_by_district.get(supporter.district_id),
                        hearing=hearing,
                        source=ActionSource.IMPORT,
                        logged_by=by,
                        idempotency_key=key,
                        completed_at=now if status == ActionStatus.COMPLETED else None,
                    )
                )
                results[line.line] = LineResult(
                    line.line, line.text, CREATED if created else LOGGED, "", supporter.pk
                )
            Action.objects.bulk_create(actions, batch_size=_CHUNK)
    except IntegrityError as error:
        raise BulkLogConflict(str(error)) from error

    for line in parsed:
        if line.error:
            result.lines.append(LineResult(line.line, line.text, INVALID, line.error))
        else:
            result.lines.append(results[line.line])
    result.lines.sort(key=lambda r: r.line)
    return result
