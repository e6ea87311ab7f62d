"""The import's fast paths give exactly what the slow ones give.

Each shortcut taken for a 100,000-row file (phones checked against
phonenumbers' own US patterns, email domains validated once, ASCII ZIPs and
names, supporters built and loaded without Model.__init__, new supporters
COPY'd in with ids taken first) is compared here with the code it stands in
for, value for value."""

import csv
import gc
import io
import random

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import EmailValidator
from django.db import connection, transaction
from django.utils import timezone

from campaign.models import ImportJob, Supporter, fold_text, normalize_phone, normalize_zip
from campaign.services import imports
from campaign.services.imports import (
    _email_valid,
    _phone_normalise,
    import_job_run,
    supporters_import,
)
from campaign.services.intake import IdentityIndex, PersonInput, place_map, supporter_build
from campaign.services.privacy import ERASED_REFUSAL, suppressions_record
from tests import factories
from tests.imports.conftest import METHODS, csv_lines

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(
    "postgresql" not in METHODS, reason="the COPY path needs PostgreSQL"
)


def _slow_phone(value: str) -> str:
    try:
        return normalize_phone(value) or ""
    except ValidationError:
        return "invalid"


def _fast_phone(value: str, cache: dict) -> str:
    try:
        return _phone_normalise(value, cache) or ""
    except ValidationError:
        return "invalid"


def _spellings(digits: str) -> list[str]:
    a, b, c = digits[:3], digits[3:6], digits[6:]
    return [
        f"+1{digits}",
        digits,
        f"({a}) {b}-{c}",
        f"({a}){b}-{c}",
        f"{a}-{b}-{c}",
        f"{a}.{b}.{c}",
        f"{a} {b} {c}",
        f"({a} {b}-{c}",
        f"1 {a} {b} {c}",
        f"+1 ({a}) {b}-{c}",
    ]


def test_phones_are_normalised_as_phonenumbers_does_for_every_area_code():
    rng = random.Random(14)
    values = [
        spelling
        for area in range(200, 1000)
        for digits in (f"{area}{rng.randrange(1000):03d}{rng.randrange(10000):04d}",)
        for spelling in _spellings(digits)
    ]
    values += ["+11234567890", "+10234567890", "555-12", "", "  ", "(612) 555-0123 x12"]
    values += ["+44 20 7946 0958", "+1 416 555 0123", "+1 204 234 5678", "+1 876 555 0123"]
    cache: dict = {}
    assert [_fast_phone(v, cache) for v in values] == [_slow_phone(v) for v in values]
    # And again from the cache.
    assert [_fast_phone(v, cache) for v in values] == [_slow_phone(v) for v in values]


def test_a_us_number_in_any_usual_spelling_is_the_same_e164_number():
    cache: dict = {}
    assert {_fast_phone(v, cache) for v in _spellings("6125550123")} == {"+16125550123"}
    assert _fast_phone("(123) 555-0123", cache) == "invalid"
    assert _fast_phone("+1 900 123 4567", cache) == "invalid"
    # A Canadian number is valid outside the US patterns: phonenumbers decides.
    assert _fast_phone("(416) 555-0123", cache) == "+14165550123"
    assert _fast_phone("+1 204 234 5678", cache) == "+12042345678"


def test_a_national_spelling_outside_the_plus_one_plan_goes_through_phonenumbers(settings):
    settings.PHONE_REGION = "GB"
    values = ["(612) 555-0123", "612-555-0123", "020 7946 0958", "+16125550123"]
    assert [_fast_phone(v, {}) for v in values] == [_slow_phone(v) for v in values]
    assert _fast_phone("020 7946 0958", {}) == "+442079460958"
    assert _fast_phone("+16125550123", {}) == "+16125550123"


def test_emails_are_accepted_and_refused_as_djangos_validator_does():
    validator = EmailValidator()

    def slow(value: str) -> bool:
        try:
            validator(value)
        except ValidationError:
            return False
        return True

    values = [
        "ana@example.org",
        "ana.lopez+parks@example.org",
        "ana@localhost",
        "ana@[127.0.0.1]",
        "ana@[300.1.1.1]",
        "ana@exämple.org",
        "ana@example",
        "ana@-example.org",
        "ana@example.org.",
        "ana..lopez@example.org",
        ".ana@example.org",
        '"ana lopez"@example.org',
        "ana@@example.org",
        "ana",
        "ana@" + "a" * 64 + ".org",
        "a" * 300 + "@example.org",
        "ana@exa_mple.org",
    ]
    domains: dict = {}
    assert [_email_valid(v, domains) for v in values] == [slow(v) for v in values]
    assert [_email_valid(v, domains) for v in values] == [slow(v) for v in values]
    assert domains["example.org"] is True


def test_ascii_zips_and_names_take_the_short_way_to_the_same_values():
    assert [normalize_zip(v) for v in [" 55030 ", "55030-1234", "5503", "", None]] == [
        "55030",
        "55030",
        "5503",
        "",
        "",
    ]
    assert normalize_zip("５５０３０-１２３４") == "55030"
    assert fold_text("  Ana   LOPEZ ") == "ana lopez"
    assert fold_text("Íñigo  Núñez") == "inigo nunez"
    assert fold_text(None) == ""


def test_a_built_supporter_is_what_model_init_makes(pine_county):
    places = place_map(body_id=None, zips=["55007"])
    person = PersonInput(
        first_name="Ana", last_name="López", email="ana@example.org", zip_code="55007"
    )
    built = supporter_build(person=person, places=places, taken=IdentityIndex({}, {}))
    made = Supporter(
        first_name="Ana",
        last_name="López",
        email="ana@example.org",
        zip_code="55007",
        district_id=pine_county["districts"][0].pk,
        is_youth=False,
        search_name="ana lopez",
    )
    fields = [f.attname for f in Supporter._meta.concrete_fields]
    assert [getattr(built, name) for name in fields] == [getattr(made, name) for name in fields]
    assert (built._state.adding, built._state.db, built._audit_loaded) == (True, None, None)
    # Two built supporters share nothing.
    other = supporter_build(person=person, places=places, taken=IdentityIndex({}, {}))
    other.first_name = "Ben"
    assert built.first_name == "Ana"


def test_a_built_supporter_saves_with_its_audit_entry(django_capture_on_commit_callbacks):
    places = place_map(body_id=None, zips=[])
    built = supporter_build(
        person=PersonInput(first_name="Ana", email="ana@example.org"),
        places=places,
        taken=IdentityIndex({}, {}),
    )
    with django_capture_on_commit_callbacks(execute=True):
        built.save()
    entry = LogEntry.objects.get(object_pk=str(built.pk))
    assert entry.action == LogEntry.Action.CREATE
    assert entry.changes["email"] == [None, "ana@example.org"]


def test_placing_the_same_zip_twice_gives_the_same_answer(pine_county):
    d1, d2, _d3 = pine_county["districts"]
    places = place_map(body_id=pine_county["body"].pk, zips=["55063", "55007"])
    asked = [("55007", None), ("55063", None), ("55063", d2.pk), ("55063", d1.pk), ("", d1.pk)]
    first = [places.place(z, current) for z, current in asked]
    again = [places.place(z, current) for z, current in asked]
    fresh = [
        place_map(body_id=pine_county["body"].pk, zips=[]).place(z, current) for z, current in asked
    ]
    assert first == again == fresh
    assert [(p.district_id, p.covered) for p in first] == [
        (d1.pk, True),
        (None, True),
        (d2.pk, True),
        (d1.pk, True),
        (d1.pk, None),
    ]


def test_erased_addresses_are_refused_by_both_methods(method):
    suppressions_record(values=["gone@example.org", "+16125550188"])
    result = supporters_import(
        text=csv_lines(
            "Ana,,ana@example.org,,,",
            "Gone,,GONE@example.org,,,",
            "Other,,other@example.org,612-555-0188,,",
        ),
        method=method,
    )
    assert result.errors == [
        {"row": 3, "field": "email", "error": str(ERASED_REFUSAL)},
        {"row": 4, "field": "phone", "error": str(ERASED_REFUSAL)},
    ]
    assert (result.total_rows, result.created, result.updated) == (3, 1, 0)
    assert list(Supporter.objects.values_list("email", flat=True)) == ["ana@example.org"]


def test_an_import_job_leaves_one_audit_entry_per_kind_of_change(
    django_capture_on_commit_callbacks, method
):
    coordinator = factories.UserFactory()
    factories.SupporterFactory(first_name="Old", email="old@example.org")
    job = ImportJob(started_by=coordinator)
    text = "".join(csv_lines("New,,old@example.org,,,", "Ana,,ana@example.org,,,", "B,,b@x.org,,,"))
    job.file.save("people.csv", ContentFile(text.encode()), save=False)
    job.save()
    LogEntry.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        import_job_run(job_id=job.pk, method=method)
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Supporter)
    ).order_by("id")
    assert [(e.action, e.object_repr, e.actor_id, e.additional_data) for e in entries] == [
        (
            LogEntry.Action.CREATE,
            "2 supporters created",
            coordinator.pk,
            {"event": "bulk_created", "count": 2, "note": f"import job #{job.pk}"},
        ),
        (
            LogEntry.Action.UPDATE,
            "1 supporters updated",
            coordinator.pk,
            {"event": "bulk_updated", "count": 1, "note": f"import job #{job.pk}"},
        ),
    ]


# ---------------------------------------------------------------------------
# PostgreSQL: candidates loaded from the row, new supporters COPY'd in
# ---------------------------------------------------------------------------


@postgresql_only
def test_candidates_loaded_from_rows_hold_what_the_orm_loads():
    supporter = factories.SupporterFactory(
        first_name="Ana",
        email="ana@example.org",
        phone="+16125550123",
        email_consent_at=timezone.now(),
        latitude=45.5,
        longitude=-93.25,
    )
    with transaction.atomic():
        imports._identities_copy([imports.ImportRow(email="ana@example.org")])
        index = imports._identities_load_postgresql()
    loaded = index.by_email["ana@example.org"]
    assert index.by_phone["+16125550123"] is loaded
    stored = Supporter.objects.get(pk=supporter.pk)
    fields = [f.attname for f in Supporter._meta.concrete_fields]
    assert [getattr(loaded, name) for name in fields] == [getattr(stored, name) for name in fields]
    assert (loaded._state.adding, loaded._state.db) == (False, connection.alias)


@postgresql_only
def test_new_supporters_get_ids_and_land_in_file_order():
    result = supporters_import(
        text=csv_lines(*[f"P{i},,p{i}@example.org,61255501{i:02d},55007," for i in range(5)]),
        method="postgresql",
    )
    assert (result.created, result.updated, result.errors) == (5, 0, [])
    rows = list(Supporter.objects.order_by("pk").values_list("first_name", "phone"))
    assert rows == [(f"P{i}", f"+161255501{i:02d}") for i in range(5)]


@postgresql_only
def test_a_person_someone_else_adds_during_the_import_is_matched_not_doubled(monkeypatch):
    planned = []
    real_plan = imports._plan

    def plan_then_someone_signs_up(rows, **kwargs):
        people = real_plan(rows, **kwargs)
        if not planned:
            # Between the plan and the write: Ben signs up on the public form.
            factories.SupporterFactory(first_name="Ben", last_name="Form", email="ben@example.org")
        planned.append(len(people))
        return people

    monkeypatch.setattr(imports, "_plan", plan_then_someone_signs_up)
    result = supporters_import(
        text=csv_lines("Ana,,ana@example.org,,,", "Ben,File,ben@example.org,,,", "Cy,,cy@x.org,,,"),
        method="postgresql",
    )
    # The COPY met Ben: the others were inserted, Ben planned again and matched.
    assert planned == [3, 1]
    assert (result.created, result.updated) == (2, 1)
    assert sorted(Supporter.objects.values_list("first_name", "last_name", "email")) == [
        ("Ana", "", "ana@example.org"),
        ("Ben", "File", "ben@example.org"),
        ("Cy", "", "cy@x.org"),
    ]


@postgresql_only
def test_a_person_someone_else_changes_during_the_import_is_planned_again(monkeypatch):
    ana = factories.SupporterFactory(first_name="Ana", last_name="Old", email="ana@example.org")
    planned = []
    real_plan = imports._plan

    def plan_then_someone_edits(rows, **kwargs):
        people = real_plan(rows, **kwargs)
        if not planned:
            Supporter.objects.filter(pk=ana.pk).update(zip_code="55072", updated_at=timezone.now())
        planned.append(len(people))
        return people

    monkeypatch.setattr(imports, "_plan", plan_then_someone_edits)
    result = supporters_import(
        text=csv_lines("Ana,New,ana@example.org,,,", "Bo,,bo@example.org,,,"),
        method="postgresql",
    )
    assert planned == [2, 1]
    assert (result.created, result.updated) == (1, 1)
    ana.refresh_from_db()
    # The file's name and the other writer's ZIP both stand.
    assert (ana.last_name, ana.zip_code) == ("New", "55072")


def test_the_cyclic_garbage_collector_is_off_during_an_import_and_on_after(monkeypatch, method):
    seen = []
    real_merge = imports._merge

    def merge(*args, **kwargs):
        seen.append(gc.isenabled())
        return real_merge(*args, **kwargs)

    monkeypatch.setattr(imports, "_merge", merge)
    supporters_import(text=csv_lines("Ana,,ana@example.org,,,"), method=method)
    assert (seen, gc.isenabled()) == ([False], True)
    with pytest.raises(imports.ImportFileError):
        supporters_import(text=["last_name,email\n", "Lopez,ana@example.org\n"], method=method)
    assert gc.isenabled()


COUNTED = [
    b"",
    b"first_name,email\n",
    b"first_name,email\nAna,ana@example.org\nBen,ben@example.org\n",
    b"first_name,email\r\nAna,ana@example.org\r\nBen,ben@example.org\r\n",
    b"first_name,email\nAna,ana@example.org\n\nBen,ben@example.org",
    b"\xef\xbb\xbffirst_name,email\r\nAna,ana@example.org",
    b'first_name,notes\nAna,"two\nlines"\nBen,\n',
    b"first_name,email\rAna,ana@example.org\rBen,b@x.org\r",
    b"first_name,email\nAna,ana\x00@example.org\n",
    "first_name\nJosé\n".encode("latin-1"),
    "first_name\nJosé\nÍñigo\r\n".encode(),
]


def _csv_rows(content: bytes) -> int:
    try:
        text = io.StringIO(content.decode("utf-8-sig"), newline="")
        return max(0, len(list(csv.reader(text))) - 1)
    except (UnicodeDecodeError, csv.Error):
        return 0


@pytest.mark.parametrize("content", COUNTED)
def test_a_job_counts_the_rows_csv_reads(content):
    job = ImportJob()
    job.file.save("people.csv", ContentFile(content), save=False)
    job.save()
    assert imports._count_rows(job) == _csv_rows(content)


def _lines(content: bytes, size: int) -> int | str | None:
    try:
        return imports._csv_lines_count(io.BytesIO(content), chunk_size=size)
    except UnicodeDecodeError:
        return "not UTF-8"


@pytest.mark.parametrize("content", COUNTED)
def test_line_counting_keeps_a_crlf_whole_across_chunks(content):
    assert len({_lines(content, size) for size in (1, 2, 3, 7, 2**20)}) == 1
