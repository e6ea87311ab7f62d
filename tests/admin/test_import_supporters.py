"""Supporter import through the admin: the same pipeline as /imports/ (a
background job, the same questions, good rows land, bad rows reported per row)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaign.models import ConsentEvent, ImportJob, Membership, Supporter, Tag
from campaign.services.imports import import_job_run
from tests import factories
from tests.admin.helpers import xlsx

pytestmark = pytest.mark.django_db

GOOD_CSV = (
    "first_name,last_name,email,phone,zip_code,language,sector,tags\n"
    'Ana,López, Ana@Example.ORG ,(612) 555-0123,55007,es,Parents,"parents, district 1"\n'
    "Ben,Okafor,ben@example.org,,55030-1234,English,youth,\n"
    "Cara,Smith,,612.555.0199,55063,en,,\n"
).encode()

BAD_CSV = (
    b"first_name,last_name,email,phone,zip_code\n"
    b"Good,Row,good@example.org,,55007\n"
    b"Bad,Email,not-an-email,,55007\n"
    b"Bad,Phone,,12345,55007\n"
    b"No,Contact,,,55007\n"
    b"Bad,Zip,zip@example.org,,5500\n"
)

NOTE = "paper sign-up sheet, Oct 3 town hall"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def admin_upload(client, content: bytes, name: str, **answers):
    """The admin's Import form: the file and the same questions as /imports/."""
    return client.post(
        "/admin/campaign/supporter/import/",
        {"file": SimpleUploadedFile(name, content), **answers},
    )


def admin_import(client, content: bytes, name: str = "supporters.csv", **answers) -> ImportJob:
    """Upload through the admin, then run the job as the worker would."""
    response = admin_upload(client, content, name, **answers)
    assert response.status_code == 302, response.content.decode()[:3000]
    job = ImportJob.objects.latest("pk")
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def test_the_admin_import_asks_the_same_questions_and_redirects_to_the_jobs_progress_page(
    coordinator_client, coordinator, pine_county
):
    page = coordinator_client.get("/admin/campaign/supporter/import/")
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("file", "campaign", "consents", "consent_note"):
        assert f'name="{name}"' in html

    response = admin_upload(
        coordinator_client,
        GOOD_CSV,
        "supporters.csv",
        campaign=pine_county["campaign"].pk,
        consents=["email"],
        consent_note=NOTE,
    )

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:detail", args=[job.pk])
    assert (job.status, job.started_by, job.campaign, job.attested_consents, job.consent_note) == (
        "queued",
        coordinator,
        pine_county["campaign"],
        ["email"],
        NOTE,
    )


def test_the_changelist_still_offers_import(coordinator_client, pine_county):
    page = coordinator_client.get("/admin/campaign/supporter/").content.decode()
    assert "/admin/campaign/supporter/import/" in page


def test_a_good_csv_creates_normalised_supporters_with_their_district(
    coordinator_client, pine_county
):
    d1, d2, _d3 = pine_county["districts"]

    job = admin_import(coordinator_client, GOOD_CSV)

    assert (job.status, job.created_rows, job.errors) == ("done", 3, [])
    ana = Supporter.objects.get(first_name="Ana")
    assert (ana.email, ana.phone, ana.zip_code, ana.district) == (
        "ana@example.org",
        "+16125550123",
        "55007",
        d1,
    )
    assert (ana.language, ana.sector) == ("es", "parents")
    assert sorted(ana.tags.values_list("name", flat=True)) == ["district 1", "parents"]
    ben = Supporter.objects.get(first_name="Ben")
    assert (ben.email, ben.phone, ben.zip_code, ben.district, ben.language, ben.sector) == (
        "ben@example.org",
        None,
        "55030",
        d2,
        "en",
        "youth",
    )
    cara = Supporter.objects.get(first_name="Cara")
    # 55063 spans districts 1 and 2: the ZIP alone cannot tell.
    assert (cara.email, cara.phone, cara.district) == (None, "+16125550199", None)
    assert Supporter.objects.count() == 3


def test_imported_supporters_have_no_consent_until_they_give_it(coordinator_client, pine_county):
    admin_import(coordinator_client, GOOD_CSV)

    assert Supporter.objects.filter(email_consent_at__isnull=False).count() == 0
    assert Supporter.objects.filter(sms_consent_at__isnull=False).count() == 0


def test_the_admin_import_puts_people_in_the_campaigns_base_with_their_attested_consent(
    coordinator_client, pine_county
):
    campaign = pine_county["campaign"]

    admin_import(
        coordinator_client, GOOD_CSV, campaign=campaign.pk, consents=["email"], consent_note=NOTE
    )

    assert Membership.objects.filter(campaign=campaign, source="import").count() == 3
    # Cara gave no email: she agreed to nothing the file can record.
    assert sorted(ConsentEvent.objects.values_list("supporter__first_name", "source")) == [
        ("Ana", f"import: {NOTE}"),
        ("Ben", f"import: {NOTE}"),
    ]


def test_a_file_with_bad_rows_imports_the_good_rows_and_reports_each_bad_one(
    coordinator_client, pine_county
):
    # Was all or nothing; both import paths now land the good rows.
    job = admin_import(coordinator_client, BAD_CSV, "bad.csv")

    assert (job.status, job.created_rows) == ("done", 1)
    assert job.errors == [
        {"row": 3, "field": "email", "error": "Enter a valid email address."},
        {"row": 4, "field": "phone", "error": "Enter a valid phone number."},
        {"row": 5, "field": "email", "error": "Give an email address or a mobile phone number."},
        {"row": 6, "field": "zip_code", "error": "Enter a 5-digit ZIP code."},
    ]
    assert list(Supporter.objects.values_list("email", flat=True)) == ["good@example.org"]


def test_duplicates_are_matched_by_email_in_any_case_and_by_phone(coordinator_client, pine_county):
    d3 = pine_county["districts"][2]
    dana = factories.SupporterFactory(
        first_name="Dana", last_name="Old", email="dana@example.org", phone="+16125550142"
    )
    csv = (
        b"first_name,last_name,email,phone,zip_code\n"
        b"Dana,Upper,DANA@EXAMPLE.ORG,,55072\n"
        b"Dana,ByPhone,,612-555-0142,\n"
        b"Eve,New,eve@example.org,,55007\n"
        b"Eve,Again,EVE@example.org,,\n"
    )

    job = admin_import(coordinator_client, csv, "dupes.csv")

    assert (job.created_rows, job.updated_rows) == (1, 3)
    assert Supporter.objects.count() == 2
    dana.refresh_from_db()
    # Matched twice; a blank cell never erased a known value; the new ZIP
    # moved her district.
    assert (dana.last_name, dana.email, dana.phone, dana.zip_code, dana.district) == (
        "ByPhone",
        "dana@example.org",
        "+16125550142",
        "55072",
        d3,
    )
    eve = Supporter.objects.get(email="eve@example.org")
    assert (eve.last_name, eve.zip_code) == ("Again", "55007")


def test_a_row_whose_email_and_phone_belong_to_two_people_updates_the_email_holder(
    coordinator_client, pine_county
):
    # Replaces "the confirm step imports nothing when a row turned bad
    # meanwhile": there is no confirm step; the email wins and the phone,
    # held by someone else, is not taken.
    x = factories.SupporterFactory(first_name="X", email="second@example.org", phone=None)
    factories.SupporterFactory(first_name="Y", email="y@example.org", phone="+16125550111")
    csv = b"first_name,email,phone\nSecond,second@example.org,612-555-0111\n"

    job = admin_import(coordinator_client, csv, "late.csv")

    assert (job.created_rows, job.updated_rows, job.errors) == (0, 1, [])
    x.refresh_from_db()
    assert (x.first_name, x.phone) == ("Second", None)


def test_an_xlsx_file_imports_too_with_numeric_phone_and_zip_cells(coordinator_client, pine_county):
    content = xlsx(
        [
            ["first_name", "last_name", "email", "phone", "zip_code", "is_youth"],
            ["Fay", "Lind", "FAY@example.org", 6125550123, 55007, "yes"],
            ["Gus", "Moe", None, "+1 612 555 0177", "55030", "no"],
        ]
    )

    job = admin_import(coordinator_client, content, "list.xlsx")

    assert job.status == "done"
    fay = Supporter.objects.get(first_name="Fay")
    assert (fay.email, fay.phone, fay.zip_code, fay.district, fay.is_youth) == (
        "fay@example.org",
        "+16125550123",
        "55007",
        pine_county["districts"][0],
        True,
    )
    gus = Supporter.objects.get(first_name="Gus")
    assert (gus.email, gus.phone, gus.is_youth) == (None, "+16125550177", False)


def test_an_unreadable_file_is_an_error_on_the_form_not_a_server_error(
    coordinator_client, pine_county
):
    response = admin_upload(coordinator_client, b"\x00\x01not a workbook", "x.xlsx")

    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert ImportJob.objects.count() == 0
    assert Supporter.objects.count() == 0


def test_tags_named_only_on_bad_rows_are_not_created(coordinator_client, pine_county):
    csv = b"first_name,email,tags\nAna,ana@example.org,kept\nBad,bad,newtag\n"

    admin_import(coordinator_client, csv, "bad-tags.csv")

    assert list(Tag.objects.values_list("name", flat=True)) == ["kept"]


def test_a_blank_language_cell_means_english_for_a_new_supporter(coordinator_client, pine_county):
    csv = b"first_name,email,language\nIda,ida@example.org,\nJo,jo@example.org,Espa\xc3\xb1ol\n"

    admin_import(coordinator_client, csv, "lang.csv")

    assert dict(Supporter.objects.values_list("first_name", "language")) == {
        "Ida": "en",
        "Jo": "es",
    }


def test_the_old_confirm_step_is_gone(coordinator_client, pine_county):
    response = coordinator_client.post(
        "/admin/campaign/supporter/process_import/",
        {"import_file_name": "x", "original_file_name": "x.csv", "format": "0"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/campaign/supporter/import/"
    assert Supporter.objects.count() == 0
