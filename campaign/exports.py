"""Streamed CSV exports: rows are read in chunks and written as they come,
so memory stays flat whether the campaign has ten actions or a million.

On PostgreSQL the per-row exports (actions, supporters) are written by the
database itself: `COPY (SELECT ...) TO STDOUT (FORMAT csv)` of the same
queryset, every cell already formatted and defused in the SQL (see
`_copy_statement`), streamed through psycopg, in one transaction (PgBouncer
in transaction mode is fine; no server-side cursor). The bytes are the same
as the Python path's (tests/exports pins this), which SQLite keeps."""

import csv
import datetime as dt
import io
from itertools import islice

from django.db import connections, models, router, transaction
from django.db.models import Count
from django.db.models.functions import Coalesce, TruncDate
from django.http import StreamingHttpResponse
from django.utils import timezone

from campaign.models import Action, ActionKind, ActionStatus, Campaign, Language, Membership, Sector
from campaign.selectors import DateRange, campaign_actions, campaign_memberships

# Rows fetched per round trip (a server-side cursor on PostgreSQL), and rows
# written per chunk of the response: one write per row would cost a write
# call (and a syscall under gunicorn) for each of 400,000 rows.
CHUNK_SIZE = 5000
ROWS_PER_WRITE = 1000
# A spreadsheet runs a cell starting with one of these as a formula
# (CWE-1236); quoting does not stop it, a leading apostrophe does.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")
_FORMULA_FIRST = frozenset(FORMULA_PREFIXES)


def neutralise(value, tz=None) -> str:
    """One cell as text: local time without microseconds, a formula defused.
    `tz` (the current time zone) is passed in by the exports, so a million
    cells do not look it up a million times."""
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        text = value
    elif kind is dt.datetime:
        text = value.astimezone(tz or timezone.get_current_timezone()).isoformat(timespec="seconds")
    elif isinstance(value, dt.datetime):
        text = timezone.localtime(value, tz).replace(microsecond=0).isoformat()
    elif hasattr(value, "isoformat"):
        text = value.isoformat()
    else:
        text = str(value)
    if text and text[0] in _FORMULA_FIRST:
        return "'" + text
    return text


def _header(header: list[str]) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # BOM: Excel then reads UTF-8
    csv.writer(buffer).writerow(header)
    return buffer.getvalue()


def _stream(header: list[str], rows):
    tz = timezone.get_current_timezone()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield _header(header)
    rows = iter(rows)
    while batch := list(islice(rows, ROWS_PER_WRITE)):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([[neutralise(value, tz) for value in row] for row in batch])
        yield buffer.getvalue()


def _response(filename: str, header: list[str], rows=None, *, content=None):
    """The download: `rows` written by the Python path, or `content` (the
    chunks of the COPY path)."""
    if content is None:
        content = _stream(header, rows)
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Personal data must not linger in shared caches (ASVS V8.2.1).
    response["Cache-Control"] = "no-store"
    return response


def _filename(campaign: Campaign, what: str, date_range: DateRange) -> str:
    stamp = timezone.localdate().isoformat()
    span = ""
    if date_range.is_set:
        span = f"-{date_range.start or 'start'}-to-{date_range.end or 'now'}"
    return f"{campaign.slug}-{what}{span}-{stamp}.csv"


# ---------------------------------------------------------------------------
# The COPY path (PostgreSQL): the database writes the CSV
# ---------------------------------------------------------------------------

# Bytes of COPY output (one row per CopyData message, ~160 bytes for an
# action) gathered into one chunk of the response.
COPY_CHUNK_BYTES = 256 * 1024
# The first characters `neutralise` defuses, as code points for ascii(); a
# PostgreSQL text cannot hold NUL.
_FORMULA_CODES = ", ".join(str(ord(c)) for c in FORMULA_PREFIXES if c != "\0")
# No time zone has had an offset with seconds since Liberia's, which ended
# on 1972-01-07: later instants skip the seconds test (see _DATETIME_CELL).
_WHOLE_MINUTE_OFFSETS_SINCE = "1973-01-01 00:00:00+00"


# What the Python path writes for a cell, as SQL over the raw value {cell}.
# A text: `neutralise` (a formula gets an apostrophe); '' and NULL are both
# the empty unquoted field (COPY quotes '' but not NULL).
_TEXT_CELL = (
    f"NULLIF(CASE WHEN ascii({{cell}}) IN ({_FORMULA_CODES}) THEN '''' || {{cell}}"
    " ELSE {cell} END, '')"
)
_INTEGER_CELL = "CASE WHEN {cell} < 0 THEN '''' || {cell}::text ELSE {cell}::text END"
# isoformat(timespec="seconds") in the session's TimeZone (set to the current
# time zone by _copy_stream): 2026-03-02T09:00:00-06:00. Before 1973 an
# offset may have seconds (Chicago's local mean time was -05:50:36): Python
# writes them, to_char cannot, so they are added.
_ISO_SECONDS = """to_char({cell}, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM')"""
_DATETIME_CELL = (
    f"CASE WHEN {{cell}} >= '{_WHOLE_MINUTE_OFFSETS_SINCE}' THEN {_ISO_SECONDS}"
    f" ELSE {_ISO_SECONDS} || CASE mod(abs(extract(timezone FROM {{cell}})::integer), 60)"
    " WHEN 0 THEN '' ELSE ':' || lpad("
    "mod(abs(extract(timezone FROM {cell})::integer), 60)::text, 2, '0') END END"
)
_DATE_CELL = "to_char({cell}, 'YYYY-MM-DD')"
_BOOLEAN_CELL = "CASE WHEN {cell} THEN 'True' WHEN NOT {cell} THEN 'False' END"


def _model_field(model, source: str) -> models.Field:
    """The field a values_list() path ends on ("supporter__district__name")."""
    *hops, last = source.split("__")
    for hop in hops:
        model = model._meta.get_field(hop).related_model
    field = model._meta.get_field(last)
    while field.is_relation:  # "supporter_id": the id it holds
        field = field.target_field
    return field


def _sql_cell(model, source: str, cell: str, labels: dict | None) -> tuple[str, list]:
    """The SQL (and its parameters) writing column `cell` as the Python path
    writes `source`."""
    if labels is not None:
        # Labels are translated and defused here, once; a value without a
        # label is written as stored, like labels.get(value, value).
        whens = " ".join("WHEN %s THEN %s" for _label in labels)
        params = []
        for value, label in labels.items():
            params += [value, neutralise(label) or None]
        return f"CASE {cell} {whens} ELSE {_TEXT_CELL.replace('{cell}', cell)} END", params
    field = _model_field(model, source)
    if isinstance(field, models.DateTimeField):
        template = _DATETIME_CELL
    elif isinstance(field, models.DateField):
        template = _DATE_CELL
    elif isinstance(field, models.BooleanField):
        template = _BOOLEAN_CELL
    elif isinstance(field, models.IntegerField):
        template = _INTEGER_CELL
    elif isinstance(field, models.CharField | models.TextField):
        template = _TEXT_CELL
    else:
        # A float or a decimal prints differently in PostgreSQL and Python.
        raise TypeError(f"no COPY format for {source} ({type(field).__name__})")
    return template.replace("{cell}", cell), []


def _copy_statement(queryset, sources: list[str], labels: dict[str, dict]) -> tuple[str, tuple]:
    """COPY of `queryset` (its filters, joins and order) with one formatted
    cell per source. The rows are read and sorted raw in a subquery, then
    formatted: sorting the formatted text (three times as wide) made
    PostgreSQL spend twice the time on a 400,000-row campaign."""
    ordering = [name.removeprefix("-") for name in queryset.query.order_by]
    descending = [name.startswith("-") for name in queryset.query.order_by]
    raw = queryset.values_list(*sources, *ordering).query
    inner_sql, inner_params = raw.get_compiler(using=queryset.db).as_sql()
    names = [f"c{i}" for i in range(len(sources) + len(ordering))]
    cells, params = [], []
    for source, name in zip(sources, names, strict=False):
        sql, cell_params = _sql_cell(queryset.model, source, f"t.{name}", labels.get(source))
        cells.append(sql)
        params += cell_params
    # The subquery's order, stated again: PostgreSQL keeps it without sorting twice.
    order = ", ".join(
        f"t.{name}{' DESC' if desc else ''}"
        for name, desc in zip(names[len(sources) :], descending, strict=True)
    )
    select = f"SELECT {', '.join(cells)} FROM ({inner_sql}) AS t({', '.join(names)})" + (
        f" ORDER BY {order}" if order else ""
    )
    return f"COPY ({select}) TO STDOUT (FORMAT csv)", (*params, *inner_params)


def _crlf(chunk: bytes, quoted: bool) -> tuple[bytes, bool]:
    """COPY ends rows with \n, csv.writer with \r\n: the \n outside quotes
    are row ends; those inside a quoted cell stay as they are. `quoted`: the
    chunk starts inside a quoted cell (a row may span two chunks)."""
    if b'"' not in chunk:
        return (chunk if quoted else chunk.replace(b"\n", b"\r\n")), quoted
    pieces = chunk.split(b'"')
    for i in range(1 if quoted else 0, len(pieces), 2):
        pieces[i] = pieces[i].replace(b"\n", b"\r\n")
    # Every quote opens or closes a quoted cell (a doubled one does both).
    return b'"'.join(pieces), quoted ^ (len(pieces) % 2 == 0)


def _copy_stream(header: list[str], statement: str, params: tuple, using: str):
    yield _header(header).encode()
    tz = timezone.get_current_timezone()
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        # One transaction: the time zone is set for it only, and PgBouncer
        # (transaction pooling) keeps it on one server connection.
        cursor.execute(
            "SELECT current_setting('TimeZone'), set_config('TimeZone', %s, true)", [tz.key]
        )
        previous, _now = cursor.fetchone()
        quoted = False
        # Rows are copied into one buffer as they come: a list holding each
        # row's memoryview until the chunk is full cost twice the CPU.
        buffer = bytearray()
        with cursor.cursor.copy(statement, params) as copy:
            for row in copy:
                buffer += row
                if len(buffer) >= COPY_CHUNK_BYTES:
                    chunk, quoted = _crlf(bytes(buffer), quoted)
                    buffer.clear()
                    yield chunk
        if buffer:
            yield _crlf(bytes(buffer), quoted)[0]
        # Inside a longer transaction (a test's), set_config(..., true) would
        # outlive this export.
        cursor.execute("SELECT set_config('TimeZone', %s, true)", [previous])


def _copy_possible(using: str) -> bool:
    return connections[using].vendor == "postgresql" and hasattr(
        timezone.get_current_timezone(), "key"
    )


SUPPORTER_COLUMNS = [
    ("id", "id"),
    ("first_name", "first_name"),
    ("last_name", "last_name"),
    ("email", "email"),
    ("phone", "phone"),
    ("zip_code", "zip_code"),
    ("street_address", "street_address"),
    ("district", "district__name"),
    ("language", "language"),
    ("sector", "sector"),
    ("is_youth", "is_youth"),
    ("email_consent_at", "email_consent_at"),
    ("sms_consent_at", "sms_consent_at"),
    ("unsubscribed_at", "unsubscribed_at"),
    ("created_at", "created_at"),
]
# When and how each joined this campaign's base (campaign.Membership).
MEMBERSHIP_COLUMNS = [("joined_at", "joined_at"), ("joined_through", "source")]


def _rows_response(
    filename: str,
    queryset,
    columns: list[tuple[str, str]],
    labels: dict[str, dict],
    *,
    sql_copy: bool,
) -> StreamingHttpResponse:
    """One row per object of `queryset` (read from the router's read alias),
    `columns` (header, values_list path), a `labels` map for the columns of
    choices. `sql_copy`: let PostgreSQL write it (COPY), when it is the
    database; False keeps the Python path (the tests compare both)."""
    header = [name for name, _source in columns]
    sources = [source for _name, source in columns]
    if sql_copy and _copy_possible(queryset.db):
        statement, params = _copy_statement(queryset, sources, labels)
        content = _copy_stream(header, statement, params, queryset.db)
        return _response(filename, header, content=content)
    rows = queryset.values_list(*sources).iterator(chunk_size=CHUNK_SIZE)
    labelled = [(sources.index(source), names) for source, names in labels.items()]

    def labelled_rows():
        for row in rows:
            row = list(row)
            for index, names in labelled:
                row[index] = names.get(row[index], row[index])
            yield row

    return _response(filename, header, labelled_rows())


def supporters_csv_response(
    campaign: Campaign, date_range: DateRange, *, sql_copy: bool = True
) -> StreamingHttpResponse:
    """The campaign's base, one row per member, those who joined inside the
    range (personal data: coordinators only)."""
    columns = [
        *((name, f"supporter__{source}") for name, source in SUPPORTER_COLUMNS),
        *MEMBERSHIP_COLUMNS,
    ]
    queryset = (
        campaign_memberships(campaign, date_range)
        # Read where the router reads memberships (a replica, when there is one).
        .using(router.db_for_read(Membership))
        # Served by the one-membership (campaign, supporter) unique index.
        .order_by("supporter_id")
    )
    # Labels translated once, not once per row.
    labels = {
        "supporter__language": {value: str(label) for value, label in Language.choices},
        "supporter__sector": {value: str(label) for value, label in Sector.choices},
    }
    return _rows_response(
        _filename(campaign, "supporters", date_range),
        queryset,
        columns,
        labels,
        sql_copy=sql_copy,
    )


ACTION_COLUMNS = [
    ("id", "id"),
    ("kind", "kind"),
    ("status", "status"),
    ("created_at", "created_at"),
    ("due_date", "due_date"),
    ("completed_at", "completed_at"),
    ("target", "target__name"),
    ("target_district", "target__district__name"),
    ("hearing", "hearing__title"),
    ("source", "source"),
    ("supporter_district", "supporter__district__name"),
]
PERSONAL_ACTION_COLUMNS = [
    ("supporter_id", "supporter_id"),
    ("first_name", "supporter__first_name"),
    ("last_name", "supporter__last_name"),
    ("email", "supporter__email"),
    ("phone", "supporter__phone"),
    ("outcome_note", "outcome_note"),
]


SUMMARY_COLUMNS = ["date", "kind", "status", "supporter_district", "target", "actions"]


def actions_summary_csv_response(campaign: Campaign, date_range: DateRange):
    """What a viewer may export: the campaign's actions counted per day, kind,
    status, the supporters' district and the member aimed at, never one row
    per action (a row with its timestamps and district can point at a
    person). The day is the completion day of a completed action and the
    day it was logged otherwise, as on the dashboard."""
    tz = timezone.get_current_timezone()
    rows = (
        campaign_actions(campaign, date_range)
        .annotate(day=TruncDate(Coalesce("completed_at", "created_at"), tzinfo=tz))
        .values_list("day", "kind", "status", "supporter__district__name", "target__name")
        .annotate(actions=Count("id"))
        .order_by("day", "kind", "status", "supporter__district__name", "target__name")
    )
    kinds = {value: str(label) for value, label in ActionKind.choices}
    statuses = {value: str(label) for value, label in ActionStatus.choices}
    labelled = (
        [day, kinds.get(kind, kind), statuses.get(status, status), district, target, n]
        for day, kind, status, district, target, n in rows
    )
    return _response(_filename(campaign, "actions-summary", date_range), SUMMARY_COLUMNS, labelled)


def actions_csv_response(
    campaign: Campaign, date_range: DateRange, *, personal: bool, sql_copy: bool = True
) -> StreamingHttpResponse:
    """The campaign's actions, one row each, with the supporters' names and
    notes (coordinators). Without `personal`: the viewers' aggregate."""
    if not personal:
        return actions_summary_csv_response(campaign, date_range)
    queryset = (
        campaign_actions(campaign, date_range).using(router.db_for_read(Action)).order_by("pk")
    )
    labels = {
        "kind": {value: str(label) for value, label in ActionKind.choices},
        "status": {value: str(label) for value, label in ActionStatus.choices},
    }
    return _rows_response(
        _filename(campaign, "actions", date_range),
        queryset,
        ACTION_COLUMNS + PERSONAL_ACTION_COLUMNS,
        labels,
        sql_copy=sql_copy,
    )
