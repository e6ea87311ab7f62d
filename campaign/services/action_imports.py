"""Action files too large for the admin's in-request import, run by a worker.

The admin imports an action file in the request (preview, then confirm)
while it stays within ADMIN_IMPORT_MAX_UPLOAD_BYTES and ADMIN_IMPORT_MAX_ROWS.
A larger one (up to the background imports' IMPORT_MAX_UPLOAD_BYTES and
IMPORT_MAX_ROWS) is stored as an ImportJob of kind "actions" and imported
here, by the same ActionResource, so the rules are the admin's: the
supporter found by email or phone, each action checked and built by the
intake core (`action_build`) and recorded by `action_record`.

Unlike the admin's all-or-nothing preview, a job cannot ask: good rows land,
bad ones are reported as {"row", "field", "error"} (the header is row 1), as
in the supporter jobs. The file is read streaming and imported in chunks of
CHUNK_ROWS rows, each chunk in its own transaction (each row in a savepoint),
so memory stays flat and progress shows. A re-run of the same file adds
nothing: each row's idempotency key is derived from its content
(`ActionResource._row_key`) and finds the action the first run made.
"""

import csv
import io
import itertools
import logging
from collections.abc import Iterator
from contextlib import closing

import tablib
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.utils import timezone

from campaign.models import ImportJob
from campaign.resources import ActionResource
from campaign.services.imports import (
    MAX_REPORTED_ERRORS,
    ImportFileError,
    too_many_rows,
    xlsx_records,
)

logger = logging.getLogger(__name__)

KIND = "actions"
CHUNK_ROWS = 500
_ROW_FAILED = "This row could not be imported."


def _records(handle, *, excel: bool, max_rows: int) -> Iterator[list]:
    """The file's rows as lists of cells (header first), at most `max_rows`
    data rows (ImportFileError past it), read streaming."""
    if excel:
        yield from xlsx_records(handle, max_rows=max_rows)
        return
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        for number, cells in enumerate(reader, start=1):
            if number > max_rows + 1:
                raise ImportFileError(too_many_rows(max_rows))
            yield cells
    except csv.Error as error:
        raise ImportFileError(f"Row {reader.line_num} is not readable CSV: {error}") from None
    except UnicodeDecodeError:
        raise ImportFileError("The file is not UTF-8 text (save it as CSV UTF-8).") from None
    finally:
        # The upload stays open for whoever reads it next.
        text.detach()


def action_file_needs_job(*, handle, excel: bool) -> bool:
    """Whether an action file has more rows than the admin imports in the
    request (ADMIN_IMPORT_MAX_ROWS). Reads at most that many rows plus one,
    never the whole file. Side effects: none (rewinds `handle`)."""
    limit = settings.ADMIN_IMPORT_MAX_ROWS
    try:
        for _ in _records(handle, excel=excel, max_rows=limit):
            pass
    except ImportFileError as error:
        # Past the limit; an unreadable file is refused by the admin's form.
        return str(error).startswith("This file has more than")
    finally:
        handle.seek(0)
    return False


def _header(cells: list | None) -> list[str]:
    if not cells:
        raise ImportFileError("The file is empty.")
    header = ["" if cell is None else str(cell).strip().lstrip("\ufeff") for cell in cells]
    while header and not header[-1]:
        header.pop()
    names = set(header)
    if not {"campaign", "kind"} <= names or not names & {"supporter_email", "supporter_phone"}:
        raise ImportFileError(
            "The file needs the columns campaign, kind and supporter_email or supporter_phone."
        )
    return header


def _error_entries(result, rows: list[int]) -> list[dict]:
    """The chunk's bad rows as {"row", "field", "error"}; `rows` maps the
    chunk's dataset rows (from 1) to the file's rows (the header is row 1)."""
    entries = []
    for invalid in result.invalid_rows:
        row = rows[invalid.number - 1]
        for name, messages in invalid.error_dict.items():
            field = "" if name == NON_FIELD_ERRORS else name
            entries.extend({"row": row, "field": field, "error": str(m)} for m in messages)
    for number, errors in result.row_errors():
        for error in errors:
            logger.error("action import row %s failed: %r", rows[number - 1], error.error)
        entries.append({"row": rows[number - 1], "field": "", "error": _ROW_FAILED})
    return sorted(entries, key=lambda entry: entry["row"])


def actions_import_run(*, job: ImportJob, on_progress=None) -> None:
    """Import the job's action file (CSV or .xlsx) through ActionResource,
    chunk by chunk; set the job's counts and errors (not saved here).

    Side effects: for each good row, an action recorded by the intake core
    (membership, a pledge's reminders) or an open pledge completed or
    cancelled; each chunk committed as it is done. A file past IMPORT_MAX_ROWS
    or without the needed columns raises ImportFileError before any row is
    written."""
    excel = job.file.name.lower().endswith(".xlsx")
    limit = settings.IMPORT_MAX_ROWS
    # A first pass checks the header and the row count, so a file refused
    # as a whole writes nothing.
    with (
        job.file.open("rb") as handle,
        closing(_records(handle, excel=excel, max_rows=limit)) as records,
    ):
        _header(next(records, None))
        job.total_rows = sum(1 for _ in records)
    if on_progress:
        on_progress(0, job.total_rows)

    resource = ActionResource()
    errors: list[dict] = []
    created = updated = done = 0
    with (
        job.file.open("rb") as handle,
        closing(_records(handle, excel=excel, max_rows=limit)) as records,
    ):
        header = _header(next(records, None))
        width = len(header)
        numbered = enumerate(records, start=2)
        while chunk := list(itertools.islice(numbered, CHUNK_ROWS)):
            dataset = tablib.Dataset(headers=header)
            rows = []
            for number, cells in chunk:
                values = list(cells[:width]) + [None] * (width - len(cells[:width]))
                # Empty rows (also those between far-apart cells) say nothing.
                if any(value not in (None, "") for value in values):
                    dataset.append(values)
                    rows.append(number)
            done += len(chunk)
            if rows:
                with transaction.atomic():
                    result = resource.import_data_inner(
                        dataset,
                        dry_run=False,
                        raise_errors=False,
                        using_transactions=True,
                        collect_failed_rows=False,
                        user=job.started_by,
                    )
                created += result.totals["new"]
                updated += result.totals["update"]
                room = MAX_REPORTED_ERRORS - len(errors)
                errors.extend(_error_entries(result, rows)[: max(0, room)])
            if on_progress:
                on_progress(done, job.total_rows)
    job.processed_rows = done
    job.created_rows = created
    job.updated_rows = updated
    job.errors = errors


def actions_import_job_run(*, job: ImportJob) -> ImportJob:
    """Run a claimed (running) job of kind "actions" to its end.

    Side effects: those of `actions_import_run`; the job's progress saved
    after each chunk, then its status (done, or failed with the reason),
    counts and errors."""

    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(
            processed_rows=done, total_rows=total, updated_at=timezone.now()
        )

    try:
        actions_import_run(job=job, on_progress=progress)
    except ImportFileError as error:
        job.status = ImportJob.Status.FAILED
        job.errors = [{"row": None, "field": "", "error": str(error)}]
    except Exception:
        logger.exception("action import job %s failed", job.pk)
        job.status = ImportJob.Status.FAILED
        job.errors = [
            {
                "row": None,
                "field": "",
                "error": "The import stopped; the rows before it were saved. Run it again: "
                "rows already imported are not added twice.",
            }
        ]
    else:
        job.status = ImportJob.Status.DONE
    job.finished_at = timezone.now()
    job.save()
    return job
