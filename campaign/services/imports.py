"""Supporter imports: large CSV or Excel files, run by a worker, with a per-row error report.

Both doors lead here: the /imports/ page and the admin's Import button store
the file as an ImportJob, with the campaign it is for (or none) and the
consents it attests, and a worker runs it. Good rows land; bad rows are
skipped and reported with their row and field. Rows are validated in Python
with the model's own normalisers.

The rules are the intake core's (campaign.services.intake) in its batch form,
at STAFF trust, row by row in file order, so a file gives what the same
people entered one at a time would:
- a row is matched by email, else phone, against the list and the rows
  before it (`identities_load`, `IdentityIndex.pick`); a matched supporter
  takes what the row gives (`supporter_apply`: a given value replaces, a
  blank never erases, an email or phone someone else holds is never taken);
  anyone else is built by `supporter_build`;
- the district is `PlaceMap.place`'s, within the campaign's body when the
  file is for a campaign (then someone outside it is tagged non-constituent);
- with a campaign, everyone the file names joins its base (Membership,
  source "import");
- "these people agreed to email" is recorded for each, with the ledger row,
  as "import: <where they agreed>" (`consents_record_attested`): never
  lifting an unsubscribe. Text consent is confirmed by the phone itself, as
  on the public form: the file's word makes each phone be asked to reply YES
  to a text naming the campaign (`sms_consents_request`), nothing more;
- tags named in a `tags` column are added.

Writing the planned supporters:
- PostgreSQL: COPY into a temporary table, one UPDATE ... FROM for the
  changed supporters and one INSERT ... SELECT for the new ones. A 100,000-row
  file takes seconds (bench/RESULTS.md), where a query per row takes minutes.
  No lock is held on the list meanwhile: a supporter someone changed or
  created since the import read it is planned again from what is stored now.
- Any other database (SQLite in development and tests): bulk_create and
  bulk_update of the same planned rows.
Memberships, tags and consents then go through the same batch functions on
both. All of it is one transaction: every good row lands or none.
"""

import codecs
import contextlib
import csv
import dataclasses
import datetime as dt
import gc
import io
import itertools
import logging
import operator
import re
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import openpyxl
import phonenumbers
import psycopg
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.validators import EmailValidator
from django.db import connection, transaction
from django.db.models.base import ModelState
from django.utils import timezone

from campaign.audit import audit_bulk
from campaign.exports import FORMULA_PREFIXES
from campaign.models import (
    ActionSource,
    Campaign,
    Channel,
    ImportJob,
    Language,
    Sector,
    Supporter,
    SupporterIdentifier,
    Suppression,
    Tag,
    normalize_email,
    normalize_phone,
    normalize_zip,
)
from campaign.services.import_presets import (
    PRESETS,
    column_map_build,
    preset_detect,
    preset_row,
)
from campaign.services.intake import (
    APPLIED_FIELDS,
    CHUNK,
    IdentityIndex,
    PersonInput,
    PlaceMap,
    Trust,
    chunks,
    consents_record_attested,
    identities_load,
    memberships_record,
    place_map,
    sms_consents_request,
    supporter_apply,
    supporter_build,
    supporters_tag_non_constituent,
)
from campaign.services.privacy import ERASED_REFUSAL, IMPORT_PREVIEW_FOLDER, suppressed_among
from campaign.services.webhooks import webhook_deliveries_record_many
from core import celery_app

logger = logging.getLogger(__name__)

COLUMNS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "zip_code",
    "street_address",
    "language",
    "sector",
    "is_youth",
    "tags",
    "notes",
)
# Header spellings a spreadsheet export commonly uses.
_HEADER_ALIASES = {
    "first name": "first_name",
    "firstname": "first_name",
    "last name": "last_name",
    "lastname": "last_name",
    "e-mail": "email",
    "email address": "email",
    "mobile": "phone",
    "mobile phone": "phone",
    "phone number": "phone",
    "zip": "zip_code",
    "zip code": "zip_code",
    "zipcode": "zip_code",
    "address": "street_address",
    "street address": "street_address",
    "youth": "is_youth",
    "note": "notes",
}
_MAX_LENGTHS = {"first_name": 100, "last_name": 100, "street_address": 255, "email": 254}
_TAG_MAX_LENGTH = Tag._meta.get_field("name").max_length
_ZIP_RE = re.compile(r"^\d{5}$")
_TRUE = {"1", "true", "yes", "y", "x", "si", "sí"}
_FALSE = {"0", "false", "no", "n"}
_LANGUAGES = {
    **{value: value for value in Language.values},
    **{str(label).lower(): value for value, label in Language.choices},
    "spanish": Language.SPANISH,
    "espanol": Language.SPANISH,
}
_SECTORS = {
    **{value: value for value in Sector.values},
    **{str(label).lower(): value for value, label in Sector.choices},
}
# A file with every row broken must not make a multi-megabyte JSON column.
MAX_REPORTED_ERRORS = 5000
# Columns read from a spreadsheet: the importers know a dozen or so.
MAX_COLUMNS = 64
PROGRESS_EVERY = 5000
# Channels a file can attest ("these people agreed to ...").
ATTESTABLE = (Channel.EMAIL, Channel.SMS)
CONSENT_SOURCE_PREFIX = "import: "
_CONSENT_SOURCE_MAX = Supporter._meta.get_field("email_consent_source").max_length
# How often a supporter changed by someone else mid-import is planned again.
_ROUNDS = 3

_validate_email = EmailValidator()
# The validator's own pattern, compiled here: its lazy object costs a proxy call per use.
_EMAIL_USER_RE = re.compile(_validate_email.user_regex.pattern, _validate_email.user_regex.flags)
# Phone formats parsed without phonenumbers.parse (see `_phone_normalise`).
_E164_NANP_RE = re.compile(r"\+1([2-9]\d{9})")
_NATIONAL_NANP_RE = re.compile(r"\(?([2-9]\d\d)\)?[ .-]?(\d{3})[ .-]?(\d{4})")


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (wrong columns, not UTF-8 text)."""


def restore_neutralised(value: str) -> str:
    """Undo an export's formula neutralising ("'=x" -> "=x"), so an exported
    file imports back unchanged."""
    if value.startswith("'") and value[1:2] in FORMULA_PREFIXES:
        return value[1:]
    return value


def consent_source(note: str) -> str:
    """What an attested consent records as its source."""
    return f"{CONSENT_SOURCE_PREFIX}{note.strip()}"[:_CONSENT_SOURCE_MAX]


@dataclass(frozen=True)
class ImportRow(PersonInput):
    """One valid row: a person as the intake core takes them, plus where the
    row stands in the file and the tags it names."""

    row: int = 0
    tags: tuple[str, ...] = ()
    # From another tool's export (import_presets): the channels this row's
    # opt-in columns attest, and the tool's own id as (scheme, value).
    consents: tuple[str, ...] = ()
    identifiers: tuple[tuple[str, str], ...] = ()


@dataclass
class ParsedFile:
    total_rows: int = 0
    people: list[ImportRow] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    error_rows: int = 0

    @property
    def valid_rows(self) -> int:
        return self.total_rows - self.error_rows


@dataclass(frozen=True)
class ImportResult:
    total_rows: int
    created: int
    updated: int
    errors: list[dict]


# ---------------------------------------------------------------------------
# Reading and validation
# ---------------------------------------------------------------------------


def _header_names(header: list) -> list[str]:
    names = []
    for raw in header:
        name = _cell_text(raw).lstrip("\ufeff").lower()
        name = _HEADER_ALIASES.get(name, name.replace(" ", "_"))
        names.append(name)
    if "first_name" not in names:
        raise ImportFileError("The file has no first_name column.")
    if "email" not in names and "phone" not in names:
        raise ImportFileError("The file needs an email or a phone column.")
    return names


def _cell_text(value, name: str = "") -> str:
    """A cell as text. Spreadsheets turn phone numbers and ZIPs into numbers
    (and drop the leading zero of 02134)."""
    if value.__class__ is str:  # every CSV cell: the fast path
        return restore_neutralised(value.strip())
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and name == "zip_code":
        return str(value).zfill(5)
    return restore_neutralised(str(value).strip())


def _nanp_valid_for_us():
    """A check equal to phonenumbers' "valid for the US" (`_number_type_helper`
    is not UNKNOWN) on a 10-digit national number, built from its own
    metadata: one or two regex matches instead of a dozen Python calls."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("US")
    general = metadata.general_desc
    if general is None or 10 not in general.possible_length:
        return None
    names = ["premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager"]
    names += ["uan", "voicemail", "fixed_line"]
    if not metadata.same_mobile_and_fixed_line_pattern:
        names.append("mobile")
    patterns = [
        desc.national_number_pattern
        for desc in (getattr(metadata, name) for name in names)
        if desc is not None
        and desc.national_number_pattern
        and (not desc.possible_length or 10 in desc.possible_length)
    ]
    if not patterns:
        return None
    general_re = re.compile(general.national_number_pattern)
    typed_re = re.compile("|".join(f"(?:{pattern})" for pattern in patterns))
    return lambda nsn: bool(general_re.fullmatch(nsn) and typed_re.fullmatch(nsn))


_US_VALID = _nanp_valid_for_us()


def _phone_normalise(value: str, cache: dict) -> str | None:
    """`normalize_phone(value)`, faster. A US number written +1XXXXXXXXXX, or
    (XXX) XXX-XXXX and its usual spellings when the phone region is in the
    +1 plan, is checked with phonenumbers' US patterns directly (a number
    valid in the US is valid: the US is the plan's first region, checked
    first); anything else, or a number not valid in the US (Canada, the
    Caribbean), goes through normalize_phone. Answers are kept in `cache` by
    the raw value. Raises ValidationError as normalize_phone does."""
    answer = cache.get(value)
    if answer is None:
        answer = cache[value] = _phone_answer(value)
    if answer is _INVALID:
        raise ValidationError("Enter a valid phone number.", code="invalid_phone")
    return answer or None


_INVALID = object()


def _phone_answer(value: str) -> str | object:
    """E.164, "" for no phone, or _INVALID."""
    value = value.strip()
    if not value:
        return ""
    if _US_VALID is not None:
        match = _E164_NANP_RE.fullmatch(value)
        nsn = match[1] if match else None
        if nsn is None and phonenumbers.country_code_for_region(settings.PHONE_REGION) == 1:
            match = _NATIONAL_NANP_RE.fullmatch(value)
            nsn = "".join(match.groups()) if match else None
        if nsn is not None and _US_VALID(nsn):
            return f"+1{nsn}"
    try:
        return normalize_phone(value)
    except ValidationError:
        return _INVALID


def _email_valid(email: str, domains: dict[str, bool]) -> bool:
    """What `EmailValidator()(email)` accepts, with the domain's answer (the
    costly regex) kept in `domains`: a file's addresses share a few domains."""
    if "@" not in email or len(email) > 320:
        return False
    user_part, domain_part = email.rsplit("@", 1)
    if not _EMAIL_USER_RE.match(user_part):
        return False
    valid = domains.get(domain_part)
    if valid is None:
        valid = domains[domain_part] = domain_part in _validate_email.domain_allowlist or bool(
            _validate_email.validate_domain_part(domain_part)
        )
    return valid


def _clean_row(
    values: dict[str, str],
    row: int,
    errors: list[tuple[str, str]],
    cache: dict | None = None,
) -> ImportRow:
    """An ImportRow from one row; problems are appended to `errors` as (field, reason).
    `cache`: answers kept across the rows of one file (phones, email domains)."""
    cache = cache if cache is not None else {}
    get = values.get
    person: dict = {
        "row": row,
        "first_name": get("first_name", ""),
        "last_name": get("last_name", ""),
        "street_address": get("street_address", ""),
        "notes": get("notes", ""),
    }
    if not person["first_name"]:
        errors.append(("first_name", "This field is required."))
    for name, limit in _MAX_LENGTHS.items():
        if name != "email" and len(person[name]) > limit:
            errors.append((name, f"At most {limit} characters."))

    email = normalize_email(get("email"))
    if email:
        if len(email) <= _MAX_LENGTHS["email"] and _email_valid(
            email, cache.setdefault("domains", {})
        ):
            person["email"] = email
        else:
            errors.append(("email", "Enter a valid email address."))
    phone = get("phone")
    if phone:
        try:
            person["phone"] = _phone_normalise(phone, cache.setdefault("phones", {}))
        except ValidationError:
            errors.append(("phone", "Enter a valid phone number."))
    elif not email:
        errors.append(("email", "Give an email address or a mobile phone number."))

    zip_code = normalize_zip(get("zip_code"))
    if zip_code and not _ZIP_RE.match(zip_code):
        errors.append(("zip_code", "Enter a 5-digit ZIP code."))
    person["zip_code"] = zip_code

    language = get("language")
    if language:
        person["language"] = _LANGUAGES.get(language.lower(), "")
        if not person["language"]:
            errors.append(("language", "Use en or es."))
    sector = get("sector")
    if sector:
        person["sector"] = _SECTORS.get(sector.lower(), "")
        if not person["sector"]:
            errors.append(("sector", "Unknown sector."))
    youth = get("is_youth")
    if youth:
        youth = youth.lower()
        if youth in _TRUE:
            person["is_youth"] = True
        elif youth in _FALSE:
            person["is_youth"] = False
        else:
            errors.append(("is_youth", "Use yes or no."))
    tags = get("tags")
    if tags:
        tags = tuple(dict.fromkeys(t.strip() for t in tags.split(",") if t.strip()))
        if any(len(tag) > _TAG_MAX_LENGTH for tag in tags):
            errors.append(("tags", f"A tag is at most {_TAG_MAX_LENGTH} characters."))
        person["tags"] = tags
    return _import_row(person)


_IMPORT_ROW_DEFAULTS = {f.name: f.default for f in dataclasses.fields(ImportRow)}
assert dataclasses.MISSING not in _IMPORT_ROW_DEFAULTS.values(), "a field without a plain default"


def _import_row(values: dict) -> ImportRow:
    """`ImportRow(**values)` without the frozen dataclass's __init__ (an
    object.__setattr__ per field: a tenth of a row's budget). Every field
    has a plain, immutable default."""
    row = object.__new__(ImportRow)
    row.__dict__.update(_IMPORT_ROW_DEFAULTS)
    row.__dict__.update(values)
    return row


def _csv_records(text: Iterable[str]) -> Iterator[list]:
    reader = csv.reader(text)
    try:
        yield from reader
    except csv.Error as error:
        raise ImportFileError(f"Row {reader.line_num} is not readable CSV: {error}") from None
    except UnicodeDecodeError:
        raise ImportFileError("The file is not UTF-8 text (save it as CSV UTF-8).") from None


def too_many_rows(limit: int) -> str:
    return f"This file has more than {limit:,} rows: split it into files of at most {limit:,} rows."


def xlsx_records(handle, *, max_rows: int) -> Iterator[list]:
    """The first sheet's rows (cell values as the workbook stores them), at
    most `max_rows` after the header and MAX_COLUMNS wide.

    The sheet's declared size is not trusted: a few-KB file declaring (or
    holding one cell at) A1:XFD1048576 was read as a billion empty cells. Rows
    are streamed (openpyxl read-only), the row limit counts spreadsheet rows
    including empty ones, and ImportFileError says when it is passed."""
    try:
        with zipfile.ZipFile(handle) as archive:
            # zipfile never inflates a member past its declared size.
            unpacked = sum(member.file_size for member in archive.infolist())
        handle.seek(0)
        if unpacked > settings.IMPORT_MAX_UNPACKED_BYTES:
            raise ImportFileError(
                "This Excel file unpacks to more than "
                f"{settings.IMPORT_MAX_UNPACKED_BYTES // 2**20} MB: save it as CSV, or split it."
            )
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError) as error:
        if isinstance(error, ImportFileError):
            raise
        raise ImportFileError("Not a readable Excel file (save it as .xlsx or CSV).") from None
    try:
        sheet.reset_dimensions()
        rows = sheet.iter_rows(max_row=max_rows + 2, max_col=MAX_COLUMNS, values_only=True)
        for number, values in enumerate(rows, start=1):
            if number > max_rows + 1:
                raise ImportFileError(too_many_rows(max_rows))
            yield list(values)
    finally:
        book.close()


def _xlsx_records(handle) -> Iterator[list]:
    return xlsx_records(handle, max_rows=settings.IMPORT_MAX_ROWS)


def _rows(
    records: Iterable[list], column_map: dict[str, str] | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, values as text) per data row; the header is row 1.
    With a `column_map` ({"<column in the file>": "<our field>"}), only the
    mapped columns are read, and a field several columns give takes the first
    non-blank one in the map's order."""
    records = iter(records)
    header = next(records, None)
    if header is None:
        raise ImportFileError("The file is empty.")
    read = _mapped_columns(header, column_map) if column_map else None
    names = _header_names(header) if read is None else []
    row = 1
    limit = settings.IMPORT_MAX_ROWS
    for cells in records:
        row += 1
        if row - 1 > limit:
            raise ImportFileError(too_many_rows(limit))
        if read is None:
            try:
                # `_cell_text` of text cells (every CSV row), without a call per cell.
                stripped = map(restore_neutralised, map(str.strip, cells))
                values = dict(zip(names, stripped, strict=False))
            except TypeError:
                values = {n: _cell_text(cell, n) for n, cell in zip(names, cells, strict=False)}
        else:
            values = _mapped_values(read, cells)
        if any(values.values()):
            yield row, values


def _mapped_columns(header: list, column_map: dict[str, str]) -> list[tuple[int, str]]:
    """(position in the row, our field) of each mapped column the header has."""
    position = {_cell_text(cell).lstrip("\ufeff"): i for i, cell in enumerate(header)}
    read = [(position[column], name) for column, name in column_map.items() if column in position]
    names = {name for _i, name in read}
    if "first_name" not in names:
        raise ImportFileError("The column mapping gives no first name.")
    if "email" not in names and "phone" not in names:
        raise ImportFileError("The column mapping gives no email or phone.")
    return read


def _mapped_values(read: list[tuple[int, str]], cells: list) -> dict[str, str]:
    values: dict[str, str] = {}
    for index, name in read:
        if not values.get(name) and index < len(cells):
            values[name] = _cell_text(cells[index], name)
    return values


def supporters_parse(
    *,
    text: Iterable[str] | None = None,
    records: Iterable[list] | None = None,
    on_progress=None,
    progress_every: int = PROGRESS_EVERY,
    source: str = "",
    column_map: dict[str, str] | None = None,
) -> ParsedFile:
    """Validate every row of a CSV (`text`, an iterable of lines) or of
    already split `records` (the header first), read through `column_map`
    when given; a `source` naming a preset (import_presets.PRESETS) reads its
    opt-in and id columns too.

    Side effects: none, except calling `on_progress(rows_done)` every
    `progress_every` rows. Raises ImportFileError when the file itself is unusable."""
    parsed = ParsedFile()
    preset = PRESETS.get(source) if column_map else None
    cache: dict = {}
    for row, values in _rows(_csv_records(text) if records is None else records, column_map):
        parsed.total_rows += 1
        if on_progress and parsed.total_rows % progress_every == 0:
            on_progress(parsed.total_rows)
        problems: list[tuple[str, str]] = []
        extras = {}
        if preset is not None:
            values, extras = preset_row(preset, values)
        person = _clean_row(values, row, problems, cache)
        if not problems:
            parsed.people.append(dataclasses.replace(person, **extras) if extras else person)
            continue
        parsed.error_rows += 1
        for field_name, reason in problems:
            if len(parsed.errors) < MAX_REPORTED_ERRORS:
                parsed.errors.append({"row": row, "field": field_name, "error": reason})
    if parsed.error_rows and len(parsed.errors) >= MAX_REPORTED_ERRORS:
        parsed.errors.append(
            {"row": None, "field": "", "error": "Too many errors: only the first are listed."}
        )
    return parsed


def _erased_rows_skip(parsed: ParsedFile, erased: set[str] | None = None) -> None:
    """A row naming an erased person's email or phone is skipped and
    reported (the intake core's rule: only their own sign-up brings it back).
    `erased`: those of the file's addresses that are suppressed, when already
    known; else one query per thousand addresses."""
    if erased is None:
        erased = suppressed_among(
            emails=(row.email for row in parsed.people if row.email),
            phones=(row.phone for row in parsed.people if row.phone),
        )
    if not erased:
        return
    kept = []
    for row in parsed.people:
        hit = "email" if row.email in erased else "phone" if row.phone in erased else ""
        if not hit:
            kept.append(row)
            continue
        parsed.error_rows += 1
        if len(parsed.errors) < MAX_REPORTED_ERRORS:
            parsed.errors.append({"row": row.row, "field": hit, "error": str(ERASED_REFUSAL)})
    parsed.people = kept
    # In file order, the "too many errors" line (row None) last.
    parsed.errors.sort(key=lambda error: (error["row"] is None, error["row"] or 0))


# ---------------------------------------------------------------------------
# Planning: the intake core, row by row, in memory
# ---------------------------------------------------------------------------


@dataclass(eq=False)
class _Person:
    """One supporter the file names, as its rows leave them."""

    supporter: Supporter
    created: bool
    # The supporter's updated_at when read (None: new), for the optimistic write.
    loaded_at: dt.datetime | None = None
    changed: bool = False
    rows: list[ImportRow] = field(default_factory=list)


def _identities_copy(rows: list[ImportRow]) -> None:
    """COPY the file's emails and phones into a temporary table (until the
    transaction ends), which the look-ups below join: about 50 ms for 100,000
    rows, where IN lists of a thousand take seconds."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS import_identities")
        cursor.execute("CREATE TEMPORARY TABLE import_identities (value text) ON COMMIT DROP")
        values = {row.email for row in rows} | {row.phone for row in rows}
        values.discard(None)
        values.discard("")
        with cursor.cursor.copy("COPY import_identities (value) FROM STDIN") as copy:
            for value in values:
                copy.write_row((value,))


def _erased_postgresql() -> set[str]:
    """`suppressed_among` for the copied identities, in one query (none
    hashed when nobody was ever erased)."""
    with connection.cursor() as cursor:
        cursor.execute(_MERGE_SQL["erased"])
        return {value for (value,) in cursor.fetchall()}


def _identities_load_postgresql(**_copied) -> IdentityIndex:
    """`identities_load` for the copied identities (a superset of those
    asked: a row planned again is in the file), in one query."""
    index = IdentityIndex({}, {})
    with connection.cursor() as cursor:
        cursor.execute(_MERGE_SQL["candidates"])
        for values in cursor.fetchall():
            index.add(_supporter_loaded(values))
    return index


_ALL_FIELDS = Supporter._meta.concrete_fields
_ALL_ATTNAMES = [f.attname for f in _ALL_FIELDS]


def _supporter_loaded(values: tuple) -> Supporter:
    """`Supporter.from_db` for a row of every column (their values need no
    converter), without Model.__init__ and its post_init signals: a tenth of
    the time, for the tens of thousands of people a file may name. Nothing
    here save()s these instances (the plan is written set-wise), so the
    audit trail's snapshot is left unset, which would log every field on a
    save(): more, never less."""
    supporter = Supporter.__new__(Supporter)
    supporter.__dict__.update(zip(_ALL_ATTNAMES, values, strict=True))
    supporter._audit_loaded = None
    state = supporter._state = ModelState()
    state.adding, state.db = False, connection.alias
    return supporter


def _plan(rows: list[ImportRow], *, places: PlaceMap, load=identities_load) -> list[_Person]:
    """What the rows make of the list, in file order (rules in the module
    docstring). Reads the candidates (`load`: `identities_load` or its
    PostgreSQL twin); writes nothing."""
    index = load(
        emails=(row.email for row in rows if row.email),
        phones=(row.phone for row in rows if row.phone),
    )
    # The ZIPs known people have on file too, read in one batch.
    places.load(s.zip_code for s in (*index.by_email.values(), *index.by_phone.values()))
    people: dict[int, _Person] = {}
    for row in rows:
        supporter = index.pick(email=row.email, phone=row.phone)
        if supporter is None:
            # Never without an email or phone: one held by someone else is
            # what `pick` matches on.
            supporter = supporter_build(person=row, places=places, taken=index)
            person = people[id(supporter)] = _Person(supporter, created=True)
        else:
            person = people.get(id(supporter))
            if person is None:
                person = people[id(supporter)] = _Person(
                    supporter, created=False, loaded_at=supporter.updated_at
                )
            person.changed |= supporter_apply(
                supporter=supporter, person=row, trust=Trust.STAFF, places=places, taken=index
            )
        # A later row with this email or phone finds this supporter.
        index.add(supporter)
        person.rows.append(row)
    return list(people.values())


# ---------------------------------------------------------------------------
# Writing the plan
# ---------------------------------------------------------------------------

# What a known supporter's row may have changed (fill_search_name follows the names).
_APPLIED = (*APPLIED_FIELDS, "search_name", "updated_at")


def _write_portable(people: list[_Person], now: dt.datetime) -> list[_Person]:
    """bulk_create the new supporters, bulk_update the changed ones. Returns
    the people left to plan again (none: the database serialises writers)."""
    Supporter.objects.bulk_create([p.supporter for p in people if p.created], batch_size=CHUNK)
    changed = [p.supporter for p in people if p.changed and not p.created]
    for supporter in changed:
        supporter.updated_at = now
    Supporter.objects.bulk_update(changed, _APPLIED, batch_size=CHUNK // 4)
    return []


_TABLE = Supporter._meta.db_table
_FIELDS = [f for f in Supporter._meta.concrete_fields if not f.primary_key]
_COLUMNS = ", ".join(f.column for f in _FIELDS)
_SETS = ", ".join(
    f"{column} = t.{column}"
    for column in (Supporter._meta.get_field(name).column for name in _APPLIED)
)

_MERGE_SQL = {
    # The file's addresses on the suppression list (services.privacy): the
    # same SHA-256 of the normalised value, per kind.
    "erased": f"""
        SELECT i.value FROM import_identities i
        JOIN {Suppression._meta.db_table} s
          ON s.kind = CASE WHEN position('@' IN i.value) > 0
                           THEN '{Suppression.Kind.EMAIL}' ELSE '{Suppression.Kind.PHONE}' END
         AND s.digest = encode(sha256(convert_to(i.value, 'UTF8')), 'hex')
        WHERE EXISTS (SELECT FROM {Suppression._meta.db_table})""",
    # Every supporter holding one of the file's emails or phones.
    "candidates": f"""
        SELECT {", ".join(f.column for f in Supporter._meta.concrete_fields)} FROM {_TABLE}
        WHERE email IN (SELECT value FROM import_identities)
           OR phone IN (SELECT value FROM import_identities)""",
    # The column types of the supporter table, none of its constraints.
    "create": f"""
        CREATE TEMPORARY TABLE import_people ON COMMIT DROP AS
        SELECT 0 AS seq, id AS supporter_id, updated_at AS loaded_at, {_COLUMNS}
        FROM {_TABLE} WITH NO DATA""",
    # A supporter someone else changed since it was read is left out (and
    # planned again).
    "update": f"""
        UPDATE {_TABLE} s SET {_SETS}
        FROM import_people t
        WHERE s.id = t.supporter_id AND s.updated_at = t.loaded_at
        RETURNING s.id""",
    # Ids for the new supporters, in one round trip.
    "ids": f"SELECT nextval(pg_get_serial_sequence('{_TABLE}', 'id')) FROM generate_series(1, %s)",
    # The new supporters, ids included.
    "insert": f"COPY {_TABLE} (id, {_COLUMNS}) FROM STDIN",
    # When that COPY met someone else's new supporter (same email or phone):
    # the others. The one met is left out, and planned again: then it is matched.
    "insert_new": f"""
        INSERT INTO {_TABLE} ({_COLUMNS})
        SELECT {_COLUMNS} FROM import_people WHERE supporter_id IS NULL ORDER BY seq
        ON CONFLICT DO NOTHING
        RETURNING id, email, phone""",
}


def _write_postgresql(people: list[_Person], now: dt.datetime) -> list[_Person]:
    """Write the changed supporters set-wise and COPY the new ones in. Returns
    the people someone else wrote meanwhile."""
    writes = [p for p in people if p.created or p.changed]
    for person in writes:
        person.supporter.updated_at = now
        person.supporter.created_at = person.supporter.created_at or now
    changed = [p for p in writes if not p.created]
    new = [p for p in writes if p.created]
    left = _update_postgresql(changed) if changed else []
    if new and not _copy_new_postgresql(new):
        left += _insert_postgresql(new)
    return left


def _people_copy(cursor, people: list[_Person]) -> None:
    """The people's supporters into the temporary table import_people."""
    attrgetter = operator.attrgetter(*(f.attname for f in _FIELDS))
    cursor.execute("DROP TABLE IF EXISTS import_people")
    cursor.execute(_MERGE_SQL["create"])
    with cursor.cursor.copy(
        f"COPY import_people (seq, supporter_id, loaded_at, {_COLUMNS}) FROM STDIN"
    ) as copy:
        for seq, person in enumerate(people):
            supporter = person.supporter
            # Supporter's columns hold plain values psycopg adapts as they are.
            copy.write_row((seq, supporter.pk, person.loaded_at, *attrgetter(supporter)))


def _update_postgresql(people: list[_Person]) -> list[_Person]:
    """One UPDATE ... FROM for the changed supporters; returns those someone
    else changed since they were read (left as they are)."""
    with connection.cursor() as cursor:
        _people_copy(cursor, people)
        cursor.execute(_MERGE_SQL["update"])
        updated = {pk for (pk,) in cursor.fetchall()}
    return [p for p in people if p.supporter.pk not in updated]


def _copy_new_postgresql(people: list[_Person]) -> bool:
    """COPY the new supporters straight into the table, with ids taken from
    its sequence first (a third less work for the database than a temporary
    table and INSERT ... ON CONFLICT). False, with nothing written, when
    someone else added one of their emails or phones meanwhile: then
    `_insert_postgresql` writes the others."""
    attrgetter = operator.attrgetter(*(f.attname for f in _FIELDS))
    with connection.cursor() as cursor:
        cursor.execute(_MERGE_SQL["ids"], [len(people)])
        ids = [pk for (pk,) in cursor.fetchall()]
        try:
            with transaction.atomic(), cursor.cursor.copy(_MERGE_SQL["insert"]) as copy:
                for pk, person in zip(ids, people, strict=True):
                    copy.write_row((pk, *attrgetter(person.supporter)))
        except psycopg.errors.UniqueViolation:
            return False
    for pk, person in zip(ids, people, strict=True):
        person.supporter.pk = pk
        person.supporter._state.adding = False
    return True


def _insert_postgresql(people: list[_Person]) -> list[_Person]:
    """INSERT the new supporters, skipping any whose email or phone someone
    else added meanwhile; returns those skipped."""
    with connection.cursor() as cursor:
        _people_copy(cursor, people)
        cursor.execute(_MERGE_SQL["insert_new"])
        inserted = cursor.fetchall()
    by_email = {p.supporter.email: p for p in people if p.supporter.email}
    by_phone = {p.supporter.phone: p for p in people if p.supporter.phone}
    for pk, email, phone in inserted:
        person = by_email[email] if email else by_phone[phone]
        person.supporter.pk = pk
        person.supporter._state.adding = False
    return [p for p in people if p.supporter.pk is None]


def _merge(rows: list[ImportRow], *, places: PlaceMap, method: str) -> list[_Person]:
    """Plan and write; a supporter written by someone else meanwhile is
    planned again from what is stored now. Returns everyone the file named."""
    if method == "postgresql":
        load, write = _identities_load_postgresql, _write_postgresql
    else:
        load, write = identities_load, _write_portable
    now = timezone.now()
    done: list[_Person] = []
    for _round in range(_ROUNDS):
        people = _plan(rows, places=places, load=load)
        left = write(people, now)
        done.extend(p for p in people if p not in left)
        if not left:
            return done
        rows = sorted((row for p in left for row in p.rows), key=lambda row: row.row)
    raise ImportFileError(
        "Supporters in the file kept changing while it was imported; nothing was saved. "
        "Import it again."
    )


# ---------------------------------------------------------------------------
# After the supporters: tags, base, consents (both methods)
# ---------------------------------------------------------------------------


def _tags_add(people: list[_Person]) -> None:
    """Add the tags the rows name (unknown tags are created)."""
    pairs = {(p.supporter.pk, tag) for p in people for row in p.rows for tag in row.tags}
    if not pairs:
        return
    names = {tag for _pk, tag in pairs}
    Tag.objects.bulk_create([Tag(name=name) for name in names], ignore_conflicts=True)
    tag_ids = {}
    for chunk in chunks(names):
        tag_ids.update(Tag.objects.filter(name__in=chunk).values_list("name", "pk"))
    through = Supporter.tags.through
    through.objects.bulk_create(
        [through(supporter_id=pk, tag_id=tag_ids[tag]) for pk, tag in pairs],
        ignore_conflicts=True,
        batch_size=CHUNK,
    )


def _record(
    people: list[_Person],
    *,
    places: PlaceMap,
    campaign: Campaign | None,
    consents: Iterable[str],
    consent_note: str,
    tool: str = "",
) -> None:
    supporters = {p.supporter.pk: p.supporter for p in people}
    _tags_add(people)
    _identifiers_add(people)
    # After the identifiers, so the posted person carries the other tool's id.
    webhook_deliveries_record_many(event="person", objs=[p.supporter for p in people if p.created])
    if campaign is not None:
        memberships_record(
            pairs=((campaign.pk, pk) for pk in supporters), source=ActionSource.IMPORT
        )
        covered = {
            pk: places.place(s.zip_code, s.district_id).covered for pk, s in supporters.items()
        }
        supporters_tag_non_constituent(
            covered=[pk for pk, is_in in covered.items() if is_in is True],
            uncovered=[pk for pk, is_in in covered.items() if is_in is False],
        )
    source = consent_source(consent_note)
    if Channel.EMAIL in consents:
        consents_record_attested(
            supporter_ids=supporters, channel=Channel.EMAIL, source=source, campaign=campaign
        )
    if Channel.SMS in consents and campaign is not None:
        sms_consents_request(supporters=supporters.values(), campaign=campaign, wording=source)
    _row_consents_record(people, preset=PRESETS.get(tool), campaign=campaign)


def _identifiers_add(people: list[_Person]) -> None:
    """Keep the ids other tools gave (`scheme:value` as sent); an id already
    kept, for whoever, stays as it is."""
    SupporterIdentifier.objects.bulk_create(
        [
            SupporterIdentifier(supporter_id=p.supporter.pk, scheme=scheme, value=value[:200])
            for p in people
            for scheme, value in {pair for row in p.rows for pair in row.identifiers}
        ],
        ignore_conflicts=True,
        batch_size=CHUNK,
    )


def _row_consents_record(people: list[_Person], *, preset, campaign: Campaign | None) -> None:
    """The consents a preset's rows attest, each person's own (see
    import_presets): email recorded, texts asked to be confirmed by a YES
    (which needs the campaign the text names)."""
    if preset is None:
        return
    attested = {
        channel: [p.supporter for p in people if any(channel in r.consents for r in p.rows)]
        for channel in ATTESTABLE
    }
    if attested[Channel.EMAIL]:
        consents_record_attested(
            supporter_ids=[s.pk for s in attested[Channel.EMAIL]],
            channel=Channel.EMAIL,
            source=consent_source(preset.consent_note("email_opt_in")),
            campaign=campaign,
        )
    if attested[Channel.SMS] and campaign is not None:
        sms_consents_request(
            supporters=attested[Channel.SMS],
            campaign=campaign,
            wording=consent_source(preset.consent_note("sms_opt_in")),
        )


@contextlib.contextmanager
def _cyclic_gc_paused():
    """Python's cyclic garbage collector off while a file is imported. Every
    collection of the oldest generation walks all live objects, and an import
    keeps one model instance and row per person alive: with the collector on,
    a 100,000-row file spent a third of its Python time in it. Nothing an
    import makes needs it (reference counting frees the rest); it runs again
    afterwards, on whatever is left."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def supporters_import(
    *,
    text: Iterable[str] | None = None,
    records: Iterable[list] | None = None,
    campaign: Campaign | None = None,
    consents: Iterable[str] = (),
    consent_note: str = "",
    on_progress=None,
    progress_every: int = PROGRESS_EVERY,
    method=None,
    source: str = "",
    column_map: dict[str, str] | None = None,
) -> ImportResult:
    """Import supporters from CSV `text` (an iterable of lines) or `records`
    (rows of cells, the header first), for `campaign` (or none), with the
    `consents` ("email", "sms") the file attests and where they were given
    (`consent_note`).

    Good rows are created or merged into existing supporters, all in one
    transaction; bad rows are skipped and reported as {"row", "field", "error"}
    (row numbers as a spreadsheet shows them: the header is row 1).
    `method` is "postgresql" or "portable"; by default the fastest the
    database supports. `column_map` and `source`: see `supporters_parse`; a
    preset's rows bring their own attested consents and foreign ids.

    Side effects: INSERTs/UPDATEs supporters, tags; with a campaign,
    memberships and non-constituent tags; attested email consents (ledger
    rows); for attested texts, one consent request (outbox row) per phone.
    Raises ImportFileError for an unusable file, with nothing saved."""
    consents = set(consents)
    if consents - set(ATTESTABLE):
        raise ValueError(f"unknown consents {consents - set(ATTESTABLE)}")
    if consents and not consent_note.strip():
        raise ValueError("an attested consent needs a note saying where it was given")
    with _cyclic_gc_paused():
        parsed = supporters_parse(
            text=text,
            records=records,
            on_progress=on_progress,
            progress_every=progress_every,
            source=source,
            column_map=column_map,
        )
        if method is None:
            method = "postgresql" if connection.vendor == "postgresql" else "portable"
        places = place_map(
            body_id=campaign.decision_body_id if campaign else None,
            zips=(row.zip_code for row in parsed.people),
        )
        with transaction.atomic():
            if method == "postgresql":
                _identities_copy(parsed.people)
                _erased_rows_skip(parsed, _erased_postgresql())
            else:
                _erased_rows_skip(parsed)
            people = _merge(parsed.people, places=places, method=method)
            _record(
                people,
                places=places,
                campaign=campaign,
                consents=consents,
                consent_note=consent_note,
                tool=source,
            )
    created = sum(1 for p in people if p.created)
    return ImportResult(
        total_rows=parsed.total_rows,
        created=created,
        updated=parsed.valid_rows - created,
        errors=parsed.errors,
    )


# ---------------------------------------------------------------------------
# Background jobs
# ---------------------------------------------------------------------------


def import_job_create(
    *,
    file,
    user=None,
    kind: str = "supporters",
    campaign: Campaign | None = None,
    consents: Iterable[str] = (),
    consent_note: str = "",
    source: str = "",
    column_map: dict[str, str] | None = None,
) -> ImportJob:
    """Store the uploaded file (CSV or .xlsx) as a queued job, with the
    campaign it is for, the consents it attests (see `supporters_import`),
    the tool it came from and its column mapping (`source`, `column_map`,
    see import_presets); a worker runs it after commit.

    Side effects: saves the file under MEDIA_ROOT/imports/, INSERTs an
    ImportJob, enqueues `import_job_run_task` when the transaction commits. If
    the broker is down the job stays queued (logged), and the upload still
    succeeds: the file is kept and `import_jobs_enqueue_queued` picks it up."""
    consents = [channel for channel in ATTESTABLE if channel in set(consents)]
    if consents and not consent_note.strip():
        raise ValueError("an attested consent needs a note saying where it was given")
    job = ImportJob(
        kind=kind,
        started_by=user if user and user.is_authenticated else None,
        campaign=campaign,
        attested_consents=consents,
        consent_note=consent_note.strip() if consents else "",
        source=source,
        column_map=column_map or {},
    )
    job.file.save(file.name.rsplit("/", 1)[-1], file, save=False)
    job.save()
    transaction.on_commit(lambda: _enqueue(job.pk), robust=True)
    return job


# The task running a job (campaign.tasks.import_job_run_task), enqueued by
# name: tasks import services, never the reverse.
IMPORT_JOB_RUN_TASK = "campaign.import_job_run"


def _enqueue(job_id: int) -> None:
    celery_app.send_task(IMPORT_JOB_RUN_TASK, args=(job_id,))


def import_jobs_enqueue_queued() -> int:
    """Enqueue every job still queued (e.g. uploaded while the broker was down).

    Side effects: one task per queued job; running a job twice is harmless,
    because `import_job_run` claims it first."""
    ids = list(
        ImportJob.objects.filter(status=ImportJob.Status.QUEUED).values_list("pk", flat=True)
    )
    for job_id in ids:
        _enqueue(job_id)
    return len(ids)


def _is_excel(job: ImportJob) -> bool:
    return job.file.name.lower().endswith(".xlsx")


def _count_rows(job: ImportJob) -> int:
    with job.file.open("rb") as handle:
        try:
            if _is_excel(job):
                return max(0, sum(1 for _ in _xlsx_records(handle)) - 1)
            lines = _csv_lines_count(handle)
            if lines is not None:
                return max(0, lines - 1)
            handle.seek(0)
            text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
            return max(0, sum(1 for _ in csv.reader(text)) - 1)
        except (csv.Error, UnicodeDecodeError, ImportFileError):
            return 0


def _csv_lines_count(handle, chunk_size: int = 2**20) -> int | None:
    """The records csv.reader would read, counted as lines, in bytes (a
    tenth of the time): None when the file has what makes them differ (a
    quote, which may hold a line break; a carriage return not before a line
    feed; a NUL byte, which csv refuses). Raises UnicodeDecodeError as
    reading it as UTF-8 text does."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines, last = 0, b""
    while chunk := handle.read(chunk_size):
        if chunk.endswith(b"\r"):
            # Keep a CRLF whole.
            chunk += handle.read(1)
        if b'"' in chunk or b"\x00" in chunk or chunk.count(b"\r") != chunk.count(b"\r\n"):
            return None
        decoder.decode(chunk)
        lines += chunk.count(b"\n")
        last = chunk
    decoder.decode(b"", final=True)
    return lines + (1 if last and not last.endswith(b"\n") else 0)


def import_job_run(
    *, job_id: int, progress_every: int = PROGRESS_EVERY, method=None
) -> ImportJob | None:
    """Run a queued import job. Claims it first, so a second delivery of the
    same task does nothing (returns None).

    Side effects: the supporters import; the job's status, progress (every
    `progress_every` rows, committed as it goes so the progress page sees it),
    counts and error report; an audit entry for the supporters it created and
    one for those it updated. A file that cannot be read marks the job failed
    with the reason; nothing is saved then. A job of kind "actions" (a large
    admin action file) is run by `action_imports.actions_import_job_run`."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, updated_at=timezone.now()
    )
    if claimed != 1:
        logger.info("import job %s is not queued; another worker got there first", job_id)
        return None
    job = ImportJob.objects.get(pk=job_id)
    if job.kind == "actions":
        # Imported here, not at the top: action_imports reads files with this module.
        from campaign.services.action_imports import actions_import_job_run

        return actions_import_job_run(job=job)
    job.total_rows = _count_rows(job)
    ImportJob.objects.filter(pk=job_id).update(total_rows=job.total_rows)

    def progress(done: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed_rows=done, updated_at=timezone.now())

    try:
        with job.file.open("rb") as handle:
            if _is_excel(job):
                source = {"records": _xlsx_records(handle)}
            else:
                source = {"text": io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")}
            result = supporters_import(
                **source,
                campaign=job.campaign,
                consents=job.attested_consents,
                consent_note=job.consent_note,
                on_progress=progress,
                progress_every=progress_every,
                method=method,
                source=job.source,
                column_map=job.column_map,
            )
    except ImportFileError as error:
        job.status = ImportJob.Status.FAILED
        job.errors = [{"row": None, "field": "", "error": str(error)}]
    except Exception:
        logger.exception("import job %s failed", job_id)
        job.status = ImportJob.Status.FAILED
        job.errors = [{"row": None, "field": "", "error": "The import failed; nothing was saved."}]
    else:
        job.status = ImportJob.Status.DONE
        job.total_rows = result.total_rows
        job.processed_rows = result.total_rows
        job.created_rows = result.created
        job.updated_rows = result.updated
        job.errors = result.errors
        # Written set-wise, without model signals: one audit entry per kind
        # of change, naming the job (campaign.audit).
        for verb, count in (("created", result.created), ("updated", result.updated)):
            note = f"import job #{job.pk}"
            audit_bulk(actor=job.started_by, model=Supporter, verb=verb, count=count, note=note)
    job.finished_at = timezone.now()
    job.save()
    return job


# ---------------------------------------------------------------------------
# Before the job: the header, the mapping and the first rows, nothing written
# ---------------------------------------------------------------------------

PREVIEW_ROWS = 5


def _records_open(handle, *, excel: bool) -> Iterator[list]:
    if excel:
        return _xlsx_records(handle)
    return _csv_records(io.TextIOWrapper(handle, encoding="utf-8-sig", newline=""))


def file_header_read(*, handle, excel: bool) -> list[str]:
    """The header row of an uploaded file, as text. Raises ImportFileError
    for an empty or unreadable file. Side effects: none (reads `handle`)."""
    if excel:
        header = next(iter(_xlsx_records(handle)), None)
    else:
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
        try:
            header = next(iter(_csv_records(text)), None)
        finally:
            # The upload stays open for the form and the job.
            text.detach()
    if not header or not any(_cell_text(cell) for cell in header):
        raise ImportFileError("The file is empty.")
    return [_cell_text(cell).lstrip("\ufeff") for cell in header]


def file_mapping_choose(header: list[str], source: str = "") -> tuple[str, dict[str, str]]:
    """(source, column_map) for a header row: the preset `source` names, else
    the one the header is recognised as, else Groundswell's own columns
    ("groundswell", no map). Raises ImportFileError when a picked preset finds
    none of its columns."""
    preset = PRESETS.get(source) if source else preset_detect(header)
    if preset is None:
        return "groundswell", {}
    column_map = column_map_build(preset, header)
    fields = set(column_map.values())
    if "first_name" not in fields or not fields & {"email", "phone"}:
        raise ImportFileError(
            f"This file does not have the {preset.label} export's columns for a first name "
            "and an email or phone."
        )
    return preset.key, column_map


def supporters_preview(
    *, handle, excel: bool, source: str, column_map: dict[str, str], rows: int = PREVIEW_ROWS
) -> ParsedFile:
    """The first `rows` data rows as the job will read them (the same parse),
    valid ones in `people`, the others in `errors`. Side effects: none."""
    records = itertools.islice(_records_open(handle, excel=excel), rows + 1)
    return supporters_parse(records=records, source=source, column_map=column_map or None)


def file_mapping_describe(
    header: list[str], source: str, column_map: dict[str, str]
) -> list[tuple[str, str]]:
    """(column in the file, our field or "" when the column is not read), in
    the file's order, for the preview."""
    if column_map:
        return [(column, column_map.get(column, "")) for column in header]
    described = []
    for column in header:
        name = column.lower()
        name = _HEADER_ALIASES.get(name, name.replace(" ", "_"))
        described.append((column, name if name in COLUMNS else ""))
    return described


def import_file_stage(*, file) -> str:
    """Keep an upload until its preview is confirmed; returns its storage path.

    Side effects: writes the file in the admin import previews' folder, which
    the retention pass empties after RETAIN_IMPORT_PREVIEW_HOURS (a preview
    never confirmed leaves nothing behind)."""
    extension = ".xlsx" if file.name.lower().endswith(".xlsx") else ".csv"
    return default_storage.save(f"{IMPORT_PREVIEW_FOLDER}/{uuid.uuid4().hex}{extension}", file)


def import_job_create_staged(*, path: str, name: str, **job) -> ImportJob | None:
    """`import_job_create` for a staged upload (`import_file_stage`), or None
    when it is gone (already confirmed, or past its retention).

    Side effects: those of `import_job_create`; the staged file is deleted
    when the transaction commits."""
    if not default_storage.exists(path):
        return None
    with default_storage.open(path, "rb") as handle:
        created = import_job_create(file=File(handle, name=name), **job)
    transaction.on_commit(lambda: default_storage.delete(path), robust=True)
    return created
