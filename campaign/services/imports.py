"""Supporter imports: large CSV files, run by a worker, with a per-row error report.

Rows are parsed and validated in Python with the model's own normalisers, so an
imported supporter is exactly what a sign-up with the same details would give.
Rows are then merged in one transaction: either every good row lands or none.

- PostgreSQL: the cleaned rows are COPY'd into a temporary table and merged
  with a handful of set-based statements (match by email, then phone; update
  the matches; one INSERT ... ON CONFLICT for the rest). A 100,000-row file
  takes seconds (bench/RESULTS.md), where a query per row takes minutes.
- Any other database (SQLite in development and tests): the same cleaned rows
  go one by one through `supporter_upsert`: slower, same result.

Rules (the same as `supporter_upsert`): a supporter is matched by email, else by
phone; a blank cell never erases a known value; a phone already held by someone
else is not taken; the district follows the ZIP when one district covers it.
Rows that repeat a person already seen earlier in the file are merged into it.
An import never grants consent to email or text anyone: consent comes only from
the person's own sign-up.
"""

import csv
import io
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from campaign.models import (
    DistrictZip,
    ImportJob,
    Language,
    Sector,
    Supporter,
    normalize_email,
    normalize_phone,
    normalize_zip,
)
from campaign.services.supporters import supporter_upsert
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
}
_MAX_LENGTHS = {"first_name": 100, "last_name": 100, "street_address": 255, "email": 254}
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
PROGRESS_EVERY = 5000

_validate_email = EmailValidator()


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (wrong columns, not UTF-8 text)."""


@dataclass
class Person:
    """One supporter to create or update, merged from one or more rows."""

    row: int
    first_name: str = ""
    last_name: str = ""
    email: str | None = None
    phone: str | None = None
    zip_code: str = ""
    street_address: str = ""
    language: str = ""
    sector: str = ""
    is_youth: bool | None = None

    def merge(self, other: "Person", *, email_free: bool, phone_free: bool) -> None:
        """Take the later row's non-blank values, as a second sign-up would."""
        for name in ("first_name", "last_name", "zip_code", "street_address", "language", "sector"):
            value = getattr(other, name)
            if value:
                setattr(self, name, value)
        if other.is_youth is not None:
            self.is_youth = other.is_youth
        if not self.email and other.email and email_free:
            self.email = other.email
        if not self.phone and other.phone and phone_free:
            self.phone = other.phone


@dataclass
class ParsedFile:
    total_rows: int = 0
    people: list[Person] = field(default_factory=list)
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
# Parsing and validation
# ---------------------------------------------------------------------------


def _header_names(header: list[str]) -> list[str]:
    names = []
    for raw in header:
        name = raw.strip().lstrip("\ufeff").lower()
        name = _HEADER_ALIASES.get(name, name.replace(" ", "_"))
        names.append(name)
    if "first_name" not in names:
        raise ImportFileError("The file has no first_name column.")
    if "email" not in names and "phone" not in names:
        raise ImportFileError("The file needs an email or a phone column.")
    return names


def _clean_row(values: dict[str, str], row: int, errors: list[tuple[str, str]]) -> Person:
    """A Person from one row; problems are appended to `errors` as (field, reason)."""
    person = Person(row=row)
    person.first_name = values.get("first_name", "").strip()
    person.last_name = values.get("last_name", "").strip()
    person.street_address = values.get("street_address", "").strip()
    if not person.first_name:
        errors.append(("first_name", "This field is required."))
    for name, limit in _MAX_LENGTHS.items():
        if name != "email" and len(getattr(person, name)) > limit:
            errors.append((name, f"At most {limit} characters."))

    email = normalize_email(values.get("email"))
    if email:
        try:
            if len(email) > _MAX_LENGTHS["email"]:
                raise ValidationError("too long")
            _validate_email(email)
            person.email = email
        except ValidationError:
            errors.append(("email", "Enter a valid email address."))
    try:
        person.phone = normalize_phone(values.get("phone"))
    except ValidationError:
        errors.append(("phone", "Enter a valid phone number."))
    if not email and not values.get("phone", "").strip():
        errors.append(("email", "Give an email address or a mobile phone number."))

    zip_code = normalize_zip(values.get("zip_code"))
    if zip_code and not _ZIP_RE.match(zip_code):
        errors.append(("zip_code", "Enter a 5-digit ZIP code."))
    person.zip_code = zip_code

    language = values.get("language", "").strip().lower()
    if language:
        person.language = _LANGUAGES.get(language, "")
        if not person.language:
            errors.append(("language", "Use en or es."))
    sector = values.get("sector", "").strip().lower()
    if sector:
        person.sector = _SECTORS.get(sector, "")
        if not person.sector:
            errors.append(("sector", "Unknown sector."))
    youth = values.get("is_youth", "").strip().lower()
    if youth in _TRUE:
        person.is_youth = True
    elif youth in _FALSE:
        person.is_youth = False
    elif youth:
        errors.append(("is_youth", "Use yes or no."))
    return person


def _rows(text: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, values) per data row; the header is row 1."""
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError("The file is empty.") from None
    except csv.Error as error:
        raise ImportFileError(f"Not a readable CSV file: {error}") from None
    except UnicodeDecodeError:
        raise ImportFileError("The file is not UTF-8 text (save it as CSV UTF-8).") from None
    names = _header_names(header)
    row = 1
    try:
        for cells in reader:
            row += 1
            if not any(cell.strip() for cell in cells):
                continue
            yield row, dict(zip(names, cells, strict=False))
    except csv.Error as error:
        raise ImportFileError(f"Row {row + 1} is not readable CSV: {error}") from None
    except UnicodeDecodeError:
        raise ImportFileError("The file is not UTF-8 text (save it as CSV UTF-8).") from None


def supporters_parse(
    *, text: Iterable[str], on_progress=None, progress_every: int = PROGRESS_EVERY
) -> ParsedFile:
    """Validate every row and merge rows that name the same person.

    Side effects: none, except calling `on_progress(rows_done)` every
    `progress_every` rows. Raises ImportFileError when the file itself is unusable."""
    parsed = ParsedFile()
    by_email: dict[str, Person] = {}
    by_phone: dict[str, Person] = {}
    for row, values in _rows(text):
        parsed.total_rows += 1
        if on_progress and parsed.total_rows % progress_every == 0:
            on_progress(parsed.total_rows)
        problems: list[tuple[str, str]] = []
        person = _clean_row(values, row, problems)
        if problems:
            parsed.error_rows += 1
            for field_name, reason in problems:
                if len(parsed.errors) < MAX_REPORTED_ERRORS:
                    parsed.errors.append({"row": row, "field": field_name, "error": reason})
            continue
        # Matched by email first, then phone, like supporter_find.
        earlier = by_email.get(person.email) if person.email else None
        if earlier is None and person.phone:
            earlier = by_phone.get(person.phone)
        if earlier is None:
            parsed.people.append(person)
            if person.email:
                by_email[person.email] = person
            if person.phone:
                if person.phone in by_phone:
                    # Someone earlier in the file holds this phone already.
                    person.phone = None
                else:
                    by_phone[person.phone] = person
            continue
        email_free = bool(person.email) and person.email not in by_email
        phone_free = bool(person.phone) and person.phone not in by_phone
        had_email, had_phone = earlier.email, earlier.phone
        earlier.merge(person, email_free=email_free, phone_free=phone_free)
        if earlier.email and not had_email:
            by_email[earlier.email] = earlier
        if earlier.phone and not had_phone:
            by_phone[earlier.phone] = earlier
    if parsed.error_rows and len(parsed.errors) >= MAX_REPORTED_ERRORS:
        parsed.errors.append(
            {"row": None, "field": "", "error": "Too many errors: only the first are listed."}
        )
    return parsed


# ---------------------------------------------------------------------------
# Merging into the database
# ---------------------------------------------------------------------------


def _district_by_zip() -> dict[str, int]:
    """ZIP -> district id, for ZIPs exactly one district covers (District.for_zip)."""
    rows = (
        DistrictZip.objects.values("zip_code")
        .annotate(n=Count("district_id", distinct=True))
        .filter(n=1)
        .values_list("zip_code", flat=True)
    )
    unique = set(rows)
    return {
        zip_code: district_id
        for zip_code, district_id in DistrictZip.objects.values_list("zip_code", "district_id")
        if zip_code in unique
    }


def _merge_portable(people: list[Person]) -> int:
    """One supporter_upsert per person; returns how many were created."""
    created = 0
    for person in people:
        result = supporter_upsert(
            first_name=person.first_name,
            last_name=person.last_name,
            email=person.email,
            phone=person.phone,
            zip_code=person.zip_code,
            street_address=person.street_address,
            language=person.language,
            sector=person.sector,
            is_youth=person.is_youth,
        )
        created += result.created
    return created


_TABLE = Supporter._meta.db_table

_MERGE_SQL = {
    "match_email": f"""
        UPDATE import_people t SET supporter_id = s.id
        FROM {_TABLE} s WHERE t.email IS NOT NULL AND s.email = t.email""",
    "match_phone": f"""
        UPDATE import_people t SET supporter_id = s.id
        FROM {_TABLE} s
        WHERE t.supporter_id IS NULL AND t.phone IS NOT NULL AND s.phone = t.phone""",
    # Two people of the file can match one supporter (one by email, the other
    # by phone); an UPDATE ... FROM applies only one of them, so apply them in
    # rounds, earliest row first.
    "update_round": f"""
        WITH batch AS (
            SELECT DISTINCT ON (supporter_id) * FROM import_people
            WHERE supporter_id IS NOT NULL AND NOT applied
            ORDER BY supporter_id, seq
        ), done AS (
            UPDATE import_people p SET applied = true FROM batch WHERE p.seq = batch.seq
        )
        UPDATE {_TABLE} s SET
            first_name = COALESCE(NULLIF(b.first_name, ''), s.first_name),
            last_name = COALESCE(NULLIF(b.last_name, ''), s.last_name),
            street_address = COALESCE(NULLIF(b.street_address, ''), s.street_address),
            language = COALESCE(NULLIF(b.language, ''), s.language),
            sector = COALESCE(NULLIF(b.sector, ''), s.sector),
            is_youth = COALESCE(b.is_youth, s.is_youth),
            district_id = CASE WHEN b.zip_code <> '' AND b.zip_code <> s.zip_code
                               THEN b.district_id ELSE s.district_id END,
            zip_code = COALESCE(NULLIF(b.zip_code, ''), s.zip_code),
            email = CASE WHEN s.email IS NULL AND b.email IS NOT NULL AND NOT EXISTS
                              (SELECT 1 FROM {_TABLE} x WHERE x.email = b.email)
                         THEN b.email ELSE s.email END,
            phone = CASE WHEN s.phone IS NULL AND b.phone IS NOT NULL AND NOT EXISTS
                              (SELECT 1 FROM {_TABLE} x WHERE x.phone = b.phone)
                         THEN b.phone ELSE s.phone END,
            updated_at = %(now)s
        FROM batch b WHERE s.id = b.supporter_id""",
    # Only a supporter created by someone else since the match can conflict
    # here; it is merged like a match.
    "insert": f"""
        INSERT INTO {_TABLE} (
            first_name, last_name, email, phone, zip_code, street_address, district_id,
            language, sector, is_youth, email_consent_source, sms_consent_source, notes,
            created_at, updated_at)
        SELECT first_name, last_name, email, phone, zip_code, street_address, district_id,
            COALESCE(NULLIF(language, ''), %(default_language)s), sector,
            COALESCE(is_youth, false), '', '', '', %(now)s, %(now)s
        FROM import_people WHERE supporter_id IS NULL ORDER BY seq
        ON CONFLICT (email) DO UPDATE SET
            first_name = COALESCE(NULLIF(EXCLUDED.first_name, ''), {_TABLE}.first_name),
            last_name = COALESCE(NULLIF(EXCLUDED.last_name, ''), {_TABLE}.last_name),
            updated_at = EXCLUDED.updated_at
        RETURNING (xmax = 0)""",
}


def _merge_postgresql(people: list[Person]) -> int:
    """COPY the people into a temporary table and merge set-wise; returns how
    many supporters were created."""
    districts = _district_by_zip()
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            """CREATE TEMPORARY TABLE import_people (
                seq integer PRIMARY KEY, first_name text, last_name text, email text,
                phone text, zip_code text, street_address text, language text, sector text,
                is_youth boolean, district_id bigint, supporter_id bigint,
                applied boolean NOT NULL DEFAULT false
            ) ON COMMIT DROP"""
        )
        raw = cursor.cursor
        with raw.copy(
            "COPY import_people (seq, first_name, last_name, email, phone, zip_code,"
            " street_address, language, sector, is_youth, district_id) FROM STDIN"
        ) as copy:
            for seq, p in enumerate(people):
                copy.write_row(
                    (
                        seq,
                        p.first_name,
                        p.last_name,
                        p.email,
                        p.phone,
                        p.zip_code,
                        p.street_address,
                        p.language,
                        p.sector,
                        p.is_youth,
                        districts.get(p.zip_code),
                    )
                )
        cursor.execute("CREATE INDEX ON import_people (email)")
        cursor.execute("CREATE INDEX ON import_people (phone)")
        cursor.execute("ANALYZE import_people")
        cursor.execute(_MERGE_SQL["match_email"])
        cursor.execute(_MERGE_SQL["match_phone"])
        while True:
            cursor.execute(_MERGE_SQL["update_round"], {"now": now})
            if cursor.rowcount == 0:
                break
        cursor.execute(
            _MERGE_SQL["insert"], {"now": now, "default_language": Language.ENGLISH.value}
        )
        return sum(1 for (inserted,) in cursor.fetchall() if inserted)


def supporters_import(
    *, text: Iterable[str], on_progress=None, progress_every: int = PROGRESS_EVERY, method=None
) -> ImportResult:
    """Import supporters from CSV text (an iterable of lines).

    Good rows are created or merged into existing supporters, all in one
    transaction; bad rows are skipped and reported as {"row", "field", "error"}
    (row numbers as a spreadsheet shows them: the header is row 1).
    `method` is "postgresql" or "portable"; by default the fastest the
    database supports.

    Side effects: INSERTs/UPDATEs supporters (no consent, no messages).
    Raises ImportFileError for an unusable file, with nothing saved."""
    parsed = supporters_parse(text=text, on_progress=on_progress, progress_every=progress_every)
    if method is None:
        method = "postgresql" if connection.vendor == "postgresql" else "portable"
    with transaction.atomic():
        if method == "postgresql":
            created = _merge_postgresql(parsed.people)
        else:
            created = _merge_portable(parsed.people)
    return ImportResult(
        total_rows=parsed.total_rows,
        created=created,
        updated=parsed.valid_rows - created,
        errors=parsed.errors,
    )


# ---------------------------------------------------------------------------
# Background jobs
# ---------------------------------------------------------------------------


def import_job_create(*, file, user=None, kind: str = "supporters") -> ImportJob:
    """Store the uploaded file as a queued job; a worker runs it after commit.

    Side effects: saves the file under MEDIA_ROOT/imports/, INSERTs an
    ImportJob, enqueues `import_job_run_task` when the transaction commits. If
    the broker is down the job stays queued (logged), and the upload still
    succeeds: the file is kept and `import_jobs_enqueue_queued` picks it up."""
    job = ImportJob(kind=kind, started_by=user if user and user.is_authenticated else None)
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


def _count_rows(job: ImportJob) -> int:
    with job.file.open("rb") as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
        try:
            return max(0, sum(1 for _ in csv.reader(text)) - 1)
        except (csv.Error, UnicodeDecodeError):
            return 0


def import_job_run(
    *, job_id: int, progress_every: int = PROGRESS_EVERY, method=None
) -> ImportJob | None:
    """Run a queued import job. Claims it first, so a second delivery of the
    same task does nothing (returns None).

    Side effects: the supporters import; the job's status, progress (every
    `progress_every` rows, committed as it goes so the progress page sees it),
    counts and error report. A file that cannot be read marks the job failed
    with the reason; nothing is saved then."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, updated_at=timezone.now()
    )
    if claimed != 1:
        logger.info("import job %s is not queued; another worker got there first", job_id)
        return None
    job = ImportJob.objects.get(pk=job_id)
    job.total_rows = _count_rows(job)
    ImportJob.objects.filter(pk=job_id).update(total_rows=job.total_rows)

    def progress(done: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed_rows=done, updated_at=timezone.now())

    try:
        with job.file.open("rb") as handle:
            text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
            result = supporters_import(
                text=text, on_progress=progress, progress_every=progress_every, method=method
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
    job.finished_at = timezone.now()
    job.save()
    return job
