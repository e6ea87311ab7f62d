"""Privacy hole 1: imports are bounded in size, in rows and in memory.

A 1.6 KB .xlsx declaring A1:XFD1048576 took a process from 83 MB to 2.9 GB
(the admin read the sheet at its declared size) and a 52 MB CSV ran 80 s in
the request. Now: uploads are capped, sheets are read row by row at their
real size with a row limit, a larger file is refused with the reason (an
action file past the admin's in-request limits runs as a background job
instead: tests/staff/test_big_action_import.py), and
an unconfirmed admin preview leaves no copy in the temp folder (it waits in
MEDIA_ROOT/django-import-export/, swept by the retention pass)."""

import io
import re
import tempfile
import tracemalloc
import zipfile

import openpyxl
import pytest

from campaign.models import Action, ImportJob, Supporter
from campaign.services.imports import import_job_create, import_job_run
from tests import factories
from tests.admin.helpers import XLSX, upload, xlsx

pytestmark = pytest.mark.django_db

MB = 2**20
HUGE = "A1:XFD1048576"
LAST_ROW = 1_048_576
ACTION_HEADER = ["supporter_email", "campaign", "kind", "status"]
PERSON_HEADER = ["first_name", "last_name", "email"]


def _declaring(content: bytes, dimension: str) -> bytes:
    """The same workbook, its first sheet declaring `dimension` as its size."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(
                    rb'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"'.encode(), data
                )
            target.writestr(item, data)
    return out.getvalue()


def _attack(header: list[str]) -> bytes:
    """The reported file: a header and one real cell in the sheet's last
    column and row (XFD1048576), so the sheet is A1:XFD1048576 in a few KB."""
    book = openpyxl.Workbook()
    book.active.append(header)
    book.active.cell(row=LAST_ROW, column=16_384, value="x")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _peak(call):
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture
def ana(pine_county):
    return factories.SupporterFactory(email="ana@example.org", district=pine_county["districts"][0])


def _form_errors(response) -> list[str]:
    return response.context["form"].errors.get("import_file", [])


# -- The admin's action import (runs in the request) ---------------------------


def test_an_xlsx_declaring_a_huge_sheet_is_read_at_its_real_size(coordinator_client, ana):
    content = _declaring(
        xlsx([ACTION_HEADER, ["ana@example.org", "parks-alcohol-ordinance", "call", "pledged"]]),
        HUGE,
    )
    assert len(content) < 8 * 1024

    response, peak = _peak(lambda: upload(coordinator_client, "action", content, "a.xlsx", XLSX))

    assert peak < 50 * MB
    assert response.status_code == 200
    assert response.context["result"].totals["new"] == 1
    assert response.context.get("confirm_form") is not None


def test_a_sheet_with_a_cell_in_its_last_row_and_column_goes_to_a_job_which_refuses_it(
    coordinator_client, ana, settings
):
    # Past ADMIN_IMPORT_MAX_ROWS an action file is a background job; the job
    # refuses a sheet past IMPORT_MAX_ROWS (made small here) with the reason.
    settings.IMPORT_MAX_ROWS = 100
    content = _attack(ACTION_HEADER)
    assert len(content) < 8 * 1024
    response, peak = _peak(lambda: upload(coordinator_client, "action", content, "a.xlsx", XLSX))
    job = ImportJob.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/imports/{job.pk}/")

    job, job_peak = _peak(lambda: import_job_run(job_id=job.pk))

    assert peak < 50 * MB
    assert job_peak < 50 * MB
    assert (job.status, job.errors) == (
        ImportJob.Status.FAILED,
        [
            {
                "row": None,
                "field": "",
                "error": "This file has more than 100 rows: split it into files of at most "
                "100 rows.",
            }
        ],
    )
    assert Action.objects.count() == 0


def test_a_csv_with_more_rows_than_the_admin_limit_goes_to_a_job(coordinator_client, settings, ana):
    settings.ADMIN_IMPORT_MAX_ROWS = 3
    rows = b"".join(b"ana@example.org,parks-alcohol-ordinance,call,pledged\n" for _ in range(4))
    content = b"supporter_email,campaign,kind,status\n" + rows

    response = upload(coordinator_client, "action", content, "a.csv")

    job = ImportJob.objects.get()
    assert (response.status_code, response["Location"], job.kind) == (
        302,
        f"/imports/{job.pk}/",
        "actions",
    )
    assert Action.objects.count() == 0


def test_an_action_upload_over_the_admin_size_goes_to_a_job(coordinator_client, settings, ana):
    settings.ADMIN_IMPORT_MAX_UPLOAD_BYTES = 1024
    content = b"supporter_email,campaign,kind,status\n" + b"x" * 2000

    response = upload(coordinator_client, "action", content, "a.csv")

    job = ImportJob.objects.get()
    assert (response.status_code, response["Location"], job.kind) == (
        302,
        f"/imports/{job.pk}/",
        "actions",
    )


def test_a_council_member_upload_over_the_admin_limit_is_refused_before_it_is_read(
    coordinator_client, settings
):
    # A board has a handful of seats: member files keep the in-request cap.
    settings.ADMIN_IMPORT_MAX_UPLOAD_BYTES = 1024
    content = b"body,district,name\n" + b"x" * 2000

    response = upload(coordinator_client, "councilmember", content, "m.csv")

    assert _form_errors(response) == [
        "This file is larger than 1.0\xa0KB: split it, or import people "
        "from the Import people page."
    ]
    assert ImportJob.objects.count() == 0


def test_an_unconfirmed_preview_leaves_no_copy_in_the_temp_folder(
    coordinator_client, ana, tmp_path, monkeypatch
):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    content = (
        b"supporter_email,campaign,kind,status\n"
        b"ana@example.org,parks-alcohol-ordinance,call,pledged\n"
    )

    response = upload(coordinator_client, "action", content, "a.csv")

    assert response.context.get("confirm_form") is not None
    assert list(tmp_path.iterdir()) == []


# -- The supporter import job (/imports/ and the admin's supporter import) -------


def _run(content: bytes, name: str) -> ImportJob:
    from django.core.files.uploadedfile import SimpleUploadedFile

    job = import_job_create(file=SimpleUploadedFile(name, content))
    return import_job_run(job_id=job.pk)


def test_an_import_job_reads_a_lying_xlsx_at_its_real_size(db):
    content = _declaring(xlsx([PERSON_HEADER, ["Ana", "Diaz", "ana@example.org"]]), HUGE)

    job, peak = _peak(lambda: _run(content, "people.xlsx"))

    assert peak < 50 * MB
    assert (job.status, job.created_rows) == (ImportJob.Status.DONE, 1)
    assert list(Supporter.objects.values_list("email", flat=True)) == ["ana@example.org"]


def test_an_import_job_refuses_a_sheet_past_the_row_limit(db, settings):
    settings.IMPORT_MAX_ROWS = 100

    job, peak = _peak(lambda: _run(_attack(PERSON_HEADER), "people.xlsx"))

    assert peak < 50 * MB
    assert job.status == ImportJob.Status.FAILED
    assert job.errors == [
        {
            "row": None,
            "field": "",
            "error": "This file has more than 100 rows: split it into files of at most 100 rows.",
        }
    ]
    assert Supporter.objects.count() == 0


def test_an_import_job_refuses_a_csv_past_the_row_limit(db, settings):
    settings.IMPORT_MAX_ROWS = 2
    content = b"first_name,email\n" + b"".join(b"P%d,p%d@example.org\n" % (n, n) for n in range(3))

    job = _run(content, "people.csv")

    assert job.status == ImportJob.Status.FAILED
    assert job.errors[0]["error"] == (
        "This file has more than 2 rows: split it into files of at most 2 rows."
    )


def test_the_import_page_refuses_a_file_over_the_upload_limit(client, coordinator, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    client.force_login(coordinator)
    response = client.post(
        "/imports/", {"file": SimpleUploadedFile("people.csv", b"first_name\n" + b"x" * 2000)}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [
        "The file is larger than 1.0\xa0KB; split it."
    ]
