"""Supporter import through the admin: normalised, validated per row, all or nothing."""

import pytest

from campaign.models import Supporter, Tag
from tests import factories
from tests.admin.helpers import XLSX, confirm, import_file, upload, xlsx

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


def test_a_good_csv_creates_normalised_supporters_with_their_district(
    coordinator_client, pine_county
):
    d1, d2, _d3 = pine_county["districts"]

    response = import_file(coordinator_client, "supporter", GOOD_CSV, "supporters.csv")

    assert response.status_code == 302
    assert response["Location"] == "/admin/campaign/supporter/"
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
    import_file(coordinator_client, "supporter", GOOD_CSV, "supporters.csv")

    assert Supporter.objects.filter(email_consent_at__isnull=False).count() == 0
    assert Supporter.objects.filter(sms_consent_at__isnull=False).count() == 0


def test_a_file_with_bad_rows_imports_nothing_and_shows_each_rows_errors(
    coordinator_client, pine_county
):
    response = upload(coordinator_client, "supporter", BAD_CSV, "bad.csv")

    assert response.status_code == 200
    assert "confirm_form" not in response.context
    errors = {
        row.number: {field: list(messages) for field, messages in row.field_specific_errors.items()}
        for row in response.context["result"].invalid_rows
    }
    assert errors == {
        2: {"email": ["Enter a valid email address."]},
        3: {"phone": ["Enter a valid phone number."]},
        4: {"email": ["Give an email address or a mobile phone number."]},
        5: {"zip_code": ["Enter a 5-digit ZIP code."]},
    }
    page = response.content.decode()
    assert "Some rows failed to validate" in page
    assert "Enter a 5-digit ZIP code." in page
    assert Supporter.objects.count() == 0


def test_the_confirm_step_imports_nothing_when_a_row_turned_bad_meanwhile(
    coordinator_client, pine_county
):
    csv = (
        b"first_name,email,phone\n"
        b"First,first@example.org,\n"
        b"Second,second@example.org,612-555-0111\n"
    )
    preview = upload(coordinator_client, "supporter", csv, "late.csv")
    # Between the preview and the confirm, row 2's email and phone come to
    # belong to two different supporters: the row can no longer be saved.
    factories.SupporterFactory(first_name="X", email="second@example.org", phone=None)
    factories.SupporterFactory(first_name="Y", email="y@example.org", phone="+16125550111")

    response = confirm(coordinator_client, "supporter", preview)

    assert response.status_code == 200
    [row] = response.context["result"].invalid_rows
    assert row.number == 2
    assert list(row.field_specific_errors) == ["phone"]
    assert "Nothing was imported" in response.content.decode()
    assert sorted(Supporter.objects.values_list("first_name", flat=True)) == ["X", "Y"]


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

    response = import_file(coordinator_client, "supporter", csv, "dupes.csv")

    assert response.status_code == 302
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


def test_an_xlsx_file_imports_too_with_numeric_phone_and_zip_cells(coordinator_client, pine_county):
    content = xlsx(
        [
            ["first_name", "last_name", "email", "phone", "zip_code", "is_youth"],
            ["Fay", "Lind", "FAY@example.org", 6125550123, 55007, "yes"],
            ["Gus", "Moe", None, "+1 612 555 0177", "55030", "no"],
        ]
    )

    response = import_file(coordinator_client, "supporter", content, "list.xlsx", XLSX)

    assert response.status_code == 302
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
    response = upload(coordinator_client, "supporter", b"\x00\x01not a workbook", "x.xlsx", XLSX)

    assert response.status_code == 200
    assert "import_file" in response.context["form"].errors
    assert Supporter.objects.count() == 0


def test_tags_named_in_a_file_that_fails_are_not_created(coordinator_client, pine_county):
    csv = b"first_name,email,tags\nAna,ana@example.org,newtag\nBad,bad,\n"

    upload(coordinator_client, "supporter", csv, "bad-tags.csv")

    assert Tag.objects.count() == 0


def test_a_blank_language_cell_means_english_for_a_new_supporter(coordinator_client, pine_county):
    csv = b"first_name,email,language\nIda,ida@example.org,\nJo,jo@example.org,Espa\xc3\xb1ol\n"

    import_file(coordinator_client, "supporter", csv, "lang.csv")

    assert dict(Supporter.objects.values_list("first_name", "language")) == {
        "Ida": "en",
        "Jo": "es",
    }
