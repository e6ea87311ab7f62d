"""Background import jobs: claimed once, progress and report stored on the job."""

import pytest
from django.core.files.base import ContentFile

from campaign.models import ImportJob, Supporter
from campaign.services.imports import import_job_run
from campaign.tasks import import_job_run_task
from tests.imports.conftest import csv_lines

pytestmark = pytest.mark.django_db


def make_job(content: bytes) -> ImportJob:
    job = ImportJob()
    job.file.save("people.csv", ContentFile(content), save=False)
    job.save()
    return job


def test_the_task_runs_the_job_and_stores_counts_and_errors(method):
    text = "".join(csv_lines("Ana,,ana@example.org,,,", "Bad,,bad@,,,", "Ana,L,ana@example.org,,,"))
    job = make_job(text.encode())
    import_job_run(job_id=job.pk, method=method)
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.processed_rows) == ("done", 3, 3)
    assert (job.created_rows, job.updated_rows) == (1, 1)
    assert job.errors == [{"row": 3, "field": "email", "error": "Enter a valid email address."}]
    assert job.finished_at is not None
    assert Supporter.objects.get().last_name == "L"


def test_the_celery_task_calls_the_service():
    job = make_job("".join(csv_lines("Ana,,ana@example.org,,,")).encode())
    import_job_run_task.apply(args=(job.pk,))
    job.refresh_from_db()
    assert (job.status, job.created_rows) == ("done", 1)


def test_a_second_delivery_of_the_same_job_does_nothing():
    job = make_job("".join(csv_lines("Ana,,ana@example.org,,,")).encode())
    import_job_run(job_id=job.pk)
    assert import_job_run(job_id=job.pk) is None
    job.refresh_from_db()
    assert (job.status, job.created_rows) == ("done", 1)


def test_a_file_that_is_not_utf8_fails_the_job_with_a_reason_and_saves_nothing():
    job = make_job("first_name,email\nJosé,jose@example.org\n".encode("latin-1"))
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.errors == [
        {"row": None, "field": "", "error": "The file is not UTF-8 text (save it as CSV UTF-8)."}
    ]
    assert Supporter.objects.count() == 0


def test_progress_is_stored_on_the_job_while_it_runs(monkeypatch):
    from campaign.services import imports

    job = make_job("".join(csv_lines(*[f"P{i},,p{i}@example.org,,," for i in range(5)])).encode())
    seen = []
    real_parse = imports.supporters_parse

    def parse(**kwargs):
        progress = kwargs["on_progress"]

        def recording(done):
            progress(done)
            seen.append(ImportJob.objects.get(pk=job.pk).processed_rows)

        return real_parse(**{**kwargs, "on_progress": recording})

    monkeypatch.setattr(imports, "supporters_parse", parse)
    import_job_run(job_id=job.pk, progress_every=2)
    assert seen == [2, 4]


def test_the_job_imports_into_its_campaign_with_the_consents_its_file_attests(pine_county):
    campaign = pine_county["campaign"]
    job = ImportJob(
        campaign=campaign, attested_consents=["email"], consent_note="Oct 3 town hall sheet"
    )
    job.file.save("people.csv", ContentFile("".join(csv_lines("Ana,,ana@example.org,,,"))))
    job.save()
    import_job_run(job_id=job.pk)
    ana = Supporter.objects.get()
    assert ana.memberships.get().campaign == campaign
    assert ana.email_consent_source == "import: Oct 3 town hall sheet"
    assert ana.consent_events.get().campaign == campaign


def test_an_xlsx_job_imports_numeric_phone_and_zip_cells(pine_county):
    from tests.admin.helpers import xlsx

    content = xlsx(
        [
            ["first_name", "email", "phone", "zip_code", "is_youth"],
            ["Fay", "FAY@example.org", 6125550123, 55007, "yes"],
            ["Gus", None, "+1 612 555 0177", 2134, None],
        ]
    )
    job = ImportJob()
    job.file.save("list.xlsx", ContentFile(content), save=False)
    job.save()
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.created_rows, job.errors) == ("done", 2, 2, [])
    fay = Supporter.objects.get(first_name="Fay")
    assert (fay.email, fay.phone, fay.zip_code, fay.is_youth) == (
        "fay@example.org",
        "+16125550123",
        "55007",
        True,
    )
    # A spreadsheet drops the leading zero of 02134.
    assert Supporter.objects.get(first_name="Gus").zip_code == "02134"


def test_an_unreadable_xlsx_fails_the_job_with_a_reason():
    job = ImportJob()
    job.file.save("list.xlsx", ContentFile(b"PK\x03\x04 not really a workbook"), save=False)
    job.save()
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.errors == [
        {"row": None, "field": "", "error": "Not a readable Excel file (save it as .xlsx or CSV)."}
    ]
