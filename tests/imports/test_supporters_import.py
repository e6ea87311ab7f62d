"""The supporter import service: what lands in the database, row by row."""

import pytest

from campaign.models import Supporter
from campaign.services import imports
from campaign.services.imports import ImportFileError, supporters_import, supporters_parse
from tests import factories
from tests.imports.conftest import METHODS, csv_lines

pytestmark = pytest.mark.django_db


def test_it_creates_new_supporters_with_normalised_fields(method, pine_county):
    result = supporters_import(
        text=csv_lines(
            "Ana,Lopez,Ana.Lopez@Example.ORG,(612) 555-0123,55007,es",
            "Ben,Okafor,ben@example.org,,55063-1234,",
        ),
        method=method,
    )
    assert (result.total_rows, result.created, result.updated, result.errors) == (2, 2, 0, [])
    ana = Supporter.objects.get(email="ana.lopez@example.org")
    assert (ana.first_name, ana.last_name, ana.phone, ana.zip_code, ana.language) == (
        "Ana",
        "Lopez",
        "+16125550123",
        "55007",
        "es",
    )
    assert ana.district == pine_county["districts"][0]
    ben = Supporter.objects.get(email="ben@example.org")
    # 55063 spans districts 1 and 2: no district, default language.
    assert (ben.zip_code, ben.district, ben.language, ben.phone) == ("55063", None, "en", None)


def test_it_never_grants_consent(method):
    supporters_import(text=csv_lines("Ana,Lopez,ana@example.org,6125550123,,"), method=method)
    ana = Supporter.objects.get()
    assert (ana.email_consent_at, ana.sms_consent_at) == (None, None)


def test_it_merges_duplicate_rows_of_the_file_into_one_supporter(method):
    result = supporters_import(
        text=csv_lines(
            "Ana,,ANA@example.org,,,",
            "Ana,Lopez,ana@example.org,612-555-0123,55072,",
            "Ana,,,(612) 555-0123,,es",
        ),
        method=method,
    )
    assert (result.created, result.updated, result.errors) == (1, 2, [])
    ana = Supporter.objects.get()
    assert (ana.last_name, ana.phone, ana.zip_code, ana.language) == (
        "Lopez",
        "+16125550123",
        "55072",
        "es",
    )


def test_it_updates_an_existing_supporter_without_erasing_known_values(method):
    factories.SupporterFactory(
        first_name="Ana", last_name="Lopez", email="ana@example.org", zip_code="55063"
    )
    result = supporters_import(
        text=csv_lines("Ana,,Ana@Example.org,6125550123,,es"),
        method=method,
    )
    assert (result.created, result.updated) == (0, 1)
    ana = Supporter.objects.get()
    assert (ana.first_name, ana.last_name, ana.zip_code, ana.phone, ana.language) == (
        "Ana",
        "Lopez",
        "55063",
        "+16125550123",
        "es",
    )


def test_it_matches_an_existing_supporter_by_phone(method):
    existing = factories.SupporterFactory(email=None, phone="+16125550123", first_name="Old")
    result = supporters_import(
        text=csv_lines("New,Name,new@example.org,612.555.0123,,"), method=method
    )
    assert (result.created, result.updated) == (0, 1)
    existing.refresh_from_db()
    assert (existing.first_name, existing.email) == ("New", "new@example.org")
    assert Supporter.objects.count() == 1


def test_it_does_not_take_a_phone_someone_else_holds(method):
    factories.SupporterFactory(email="holder@example.org", phone="+16125550123")
    other = factories.SupporterFactory(email="ana@example.org", phone=None)
    supporters_import(text=csv_lines("Ana,,ana@example.org,6125550123,,"), method=method)
    other.refresh_from_db()
    assert other.phone is None


def test_it_reports_bad_rows_with_row_and_field_and_imports_the_good_ones(method):
    result = supporters_import(
        text=csv_lines(
            "Ana,,ana@example.org,,,",
            "Bad,,not-an-email,,,",
            ",,nofirst@example.org,,1234,",
            "Cal,,cal@example.org,12345,,fr",
            "Dee,,,,,",
        ),
        method=method,
    )
    assert result.errors == [
        {"row": 3, "field": "email", "error": "Enter a valid email address."},
        {"row": 4, "field": "first_name", "error": "This field is required."},
        {"row": 4, "field": "zip_code", "error": "Enter a 5-digit ZIP code."},
        {"row": 5, "field": "phone", "error": "Enter a valid phone number."},
        {"row": 5, "field": "language", "error": "Use en or es."},
        {"row": 6, "field": "email", "error": "Give an email address or a mobile phone number."},
    ]
    assert (result.total_rows, result.created, result.updated) == (5, 1, 0)
    assert list(Supporter.objects.values_list("email", flat=True)) == ["ana@example.org"]


def test_it_reads_common_header_spellings():
    parsed = supporters_parse(
        text=csv_lines("Ana,ana@example.org,55063-0001", header="First Name,E-mail,ZIP")
    )
    assert (parsed.people[0].first_name, parsed.people[0].email, parsed.people[0].zip_code) == (
        "Ana",
        "ana@example.org",
        "55063",
    )


def test_it_refuses_a_file_without_a_first_name_column():
    with pytest.raises(ImportFileError, match="first_name"):
        supporters_import(text=csv_lines("ana@example.org", header="email"))
    assert Supporter.objects.count() == 0


def test_it_reports_progress_every_n_rows():
    seen = []
    supporters_parse(
        text=csv_lines(*[f"P{i},,p{i}@example.org,,," for i in range(5)]),
        on_progress=seen.append,
        progress_every=2,
    )
    assert seen == [2, 4]


def test_it_saves_nothing_when_the_portable_merge_fails_halfway(monkeypatch):
    calls = []
    real = imports.supporter_upsert

    def failing(**kwargs):
        calls.append(kwargs)
        if len(calls) == 3:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(imports, "supporter_upsert", failing)
    with pytest.raises(RuntimeError):
        supporters_import(
            text=csv_lines(*[f"P{i},,p{i}@example.org,,," for i in range(4)]), method="portable"
        )
    assert Supporter.objects.count() == 0


@pytest.mark.skipif("postgresql" not in METHODS, reason="the COPY path needs PostgreSQL")
def test_it_saves_nothing_when_the_postgresql_insert_fails_after_the_updates(monkeypatch):
    existing = factories.SupporterFactory(first_name="Old", email="old@example.org")
    monkeypatch.setitem(imports._MERGE_SQL, "insert", "SELECT 1/0")
    with pytest.raises(Exception, match="division by zero"):
        supporters_import(
            text=csv_lines("New,,old@example.org,,,", "Ana,,ana@example.org,,,"),
            method="postgresql",
        )
    existing.refresh_from_db()
    assert existing.first_name == "Old"
    assert Supporter.objects.count() == 1
