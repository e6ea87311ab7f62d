"""Streamed CSV exports: rows are read in chunks and written as they come,
so memory stays flat whether the campaign has ten actions or a million."""

import csv
import datetime as dt
import io
from itertools import islice

from django.db.models import Count
from django.db.models.functions import Coalesce, TruncDate
from django.http import StreamingHttpResponse
from django.utils import timezone

from campaign.models import ActionKind, ActionStatus, Campaign, Language, Sector
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


def _stream(header: list[str], rows):
    tz = timezone.get_current_timezone()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # BOM: Excel then reads UTF-8
    writer.writerow(header)
    yield buffer.getvalue()
    rows = iter(rows)
    while batch := list(islice(rows, ROWS_PER_WRITE)):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([[neutralise(value, tz) for value in row] for row in batch])
        yield buffer.getvalue()


def _response(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_stream(header, rows), content_type="text/csv; charset=utf-8")
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


def supporters_csv_response(campaign: Campaign, date_range: DateRange) -> StreamingHttpResponse:
    """The campaign's base, one row per member, those who joined inside the
    range (personal data: coordinators only)."""
    columns = [
        *((name, f"supporter__{source}") for name, source in SUPPORTER_COLUMNS),
        *MEMBERSHIP_COLUMNS,
    ]
    rows = (
        campaign_memberships(campaign, date_range)
        # Served by the one-membership (campaign, supporter) unique index.
        .order_by("supporter_id")
        .values_list(*(source for _name, source in columns))
        .iterator(chunk_size=CHUNK_SIZE)
    )
    # Labels translated once, not once per row.
    languages = {value: str(label) for value, label in Language.choices}
    sectors = {value: str(label) for value, label in Sector.choices}
    language_index = [name for name, _s in SUPPORTER_COLUMNS].index("language")
    sector_index = language_index + 1

    def labelled():
        for row in rows:
            row = list(row)
            row[language_index] = languages.get(row[language_index], row[language_index])
            row[sector_index] = sectors.get(row[sector_index], row[sector_index])
            yield row

    return _response(
        _filename(campaign, "supporters", date_range),
        [name for name, _source in columns],
        labelled(),
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
    campaign: Campaign, date_range: DateRange, *, personal: bool
) -> StreamingHttpResponse:
    """The campaign's actions, one row each, with the supporters' names and
    notes (coordinators). Without `personal`: the viewers' aggregate."""
    if not personal:
        return actions_summary_csv_response(campaign, date_range)
    columns = ACTION_COLUMNS + PERSONAL_ACTION_COLUMNS
    rows = (
        campaign_actions(campaign, date_range)
        .order_by("pk")
        .values_list(*(source for _name, source in columns))
        .iterator(chunk_size=CHUNK_SIZE)
    )
    kinds = {value: str(label) for value, label in ActionKind.choices}
    statuses = {value: str(label) for value, label in ActionStatus.choices}

    def labelled():
        for row in rows:
            row = list(row)
            row[1] = kinds.get(row[1], row[1])
            row[2] = statuses.get(row[2], row[2])
            yield row

    return _response(
        _filename(campaign, "actions", date_range),
        [name for name, _source in columns],
        labelled(),
    )
