"""Export: spreadsheet formulas neutralised, and no query per row."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from campaign.models import ImportJob, Supporter, Tag
from campaign.resources import ActionResource, CouncilMemberResource, SupporterResource
from campaign.services.imports import import_job_run
from tests import factories
from tests.admin.helpers import XLSX, export

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_a_cell_that_starts_a_formula_is_neutralised(coordinator_client, db):
    factories.SupporterFactory(
        first_name='=HYPERLINK("http://evil.example","click")',
        last_name="@SUM(A1)",
        email="formula@example.org",
        phone="+16125550123",
        notes="\tcmd",
    )

    response = export(coordinator_client, "supporter", SupporterResource)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    [row] = rows_of(response)
    assert row["first_name"] == '\'=HYPERLINK("http://evil.example","click")'
    assert row["last_name"] == "'@SUM(A1)"
    assert row["notes"] == "'\tcmd"
    assert row["phone"] == "'+16125550123"
    assert row["email"] == "formula@example.org"


def test_an_xlsx_export_is_neutralised_too(coordinator_client, db):
    factories.SupporterFactory(first_name="-2+3", email="minus@example.org")

    response = export(coordinator_client, "supporter", SupporterResource, XLSX)

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    values = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
    assert values["first_name"] == "'-2+3"


def test_an_exported_file_imports_back_unchanged(
    coordinator_client, pine_county, settings, tmp_path
):
    # Supporters are imported by the background job the admin's Import hands
    # the file to (tests/admin/test_import_supporters.py).
    settings.MEDIA_ROOT = tmp_path
    ana = factories.SupporterFactory(
        first_name="=Ana", email="ana@example.org", phone="+16125550123", notes="Met at the fair"
    )
    ana.tags.add(Tag.objects.create(name="parents"))
    before = Supporter.objects.values().get()
    exported = export(coordinator_client, "supporter", SupporterResource).content

    response = coordinator_client.post(
        "/admin/campaign/supporter/import/",
        {"file": SimpleUploadedFile("roundtrip.csv", exported)},
    )
    import_job_run(job_id=ImportJob.objects.get().pk)

    assert response.status_code == 302
    assert ImportJob.objects.get().errors == []
    after = Supporter.objects.values().get()
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }
    assert list(ana.tags.values_list("name", flat=True)) == ["parents"]


def test_the_district_and_tags_are_exported_by_name(coordinator_client, pine_county):
    supporter = factories.SupporterFactory(
        email="tagged@example.org", district=pine_county["districts"][1]
    )
    supporter.tags.add(Tag.objects.create(name="parents"), Tag.objects.create(name="youth council"))

    [row] = rows_of(export(coordinator_client, "supporter", SupporterResource))

    assert row["district"] == "District 2"
    assert sorted(row["tags"].split(",")) == ["parents", "youth council"]


# Session, user, the changelist's filter choices, then the rows: the same
# for 5 rows or 200 (measured on SQLite and PostgreSQL).
EXPORT_QUERIES = {"supporter": 10, "action": 7, "councilmember": 7}


def make(model, count, pine_county):
    if model == "supporter":
        tag = Tag.objects.create(name="t")
        for supporter in factories.SupporterFactory.create_batch(
            count, district=pine_county["districts"][0]
        ):
            supporter.tags.add(tag)
    elif model == "action":
        for index in range(count):
            factories.ActionFactory(
                campaign=pine_county["campaign"],
                target=pine_county["members"][index % 3],
            )
    else:
        factories.CouncilMemberFactory.create_batch(
            count, body=pine_county["body"], district=pine_county["districts"][0]
        )


RESOURCES = {
    "supporter": SupporterResource,
    "action": ActionResource,
    "councilmember": CouncilMemberResource,
}


@pytest.mark.parametrize("rows", [5, 200])
@pytest.mark.parametrize("model", sorted(EXPORT_QUERIES))
def test_export_runs_a_constant_number_of_queries(
    model, rows, coordinator_client, pine_county, django_assert_max_num_queries
):
    make(model, rows, pine_county)
    expected_rows = rows + (3 if model == "councilmember" else 0)

    with django_assert_max_num_queries(EXPORT_QUERIES[model]):
        response = export(coordinator_client, model, RESOURCES[model])

    assert response.status_code == 200
    assert len(rows_of(response)) == expected_rows


def test_the_export_action_exports_only_the_selection(coordinator_client, pine_county):
    chosen = factories.SupporterFactory(email="chosen@example.org")
    factories.SupporterFactory(email="other@example.org")

    response = export(coordinator_client, "supporter", SupporterResource, selected=[chosen.pk])

    assert [row["email"] for row in rows_of(response)] == ["chosen@example.org"]
