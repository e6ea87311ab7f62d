"""The COPY path of the per-row exports (PostgreSQL writes the CSV) gives the
same bytes as the Python path (csv.writer over the ORM rows): same header and
BOM, quoting, line endings, local times, labels, booleans, empty cells and
defused formulas. The comparisons run on the demo data plus awkward rows, on
PostgreSQL; SQLite keeps the Python path."""

import datetime as dt
import os

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from campaign import exports
from campaign.models import Action, ActionStatus, Campaign, Membership
from campaign.selectors import ALL_DATES, DateRange
from tests import factories

pytestmark = pytest.mark.django_db
SLUG = "parks-alcohol-ordinance"


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _both(function, *args, **kwargs) -> tuple[bytes, bytes]:
    """(COPY path, Python path) of one export."""
    return (
        _body(function(*args, **kwargs)),
        _body(function(*args, **kwargs, sql_copy=False)),
    )


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        reason = "the COPY export needs PostgreSQL: set DATABASE_URL=postgres://..."
        if os.environ.get("REQUIRE_INTEGRATION") == "1":
            pytest.fail(f"REQUIRE_INTEGRATION=1 but {reason}")
        pytest.skip(reason)


@pytest.fixture
def demo(postgresql):
    """The Pine County demo, plus rows a spreadsheet or a CSV writer could
    trip on."""
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    campaign = Campaign.objects.get(slug=SLUG)
    hearing = factories.HearingFactory(campaign=campaign, title='The "big" hearing, part 2')
    member = factories.CouncilMemberFactory(
        body=campaign.decision_body, district=None, name="=Member, at large"
    )
    awkward = [
        ('=HYPERLINK("http://evil.example","click")', "O'Brien, Jr."),
        ("+1 caller", 'Say "hi"'),
        ("-minus", "@handle"),
        ("\ttabbed", "\rreturn"),
        ("Peña Ñúñez", "Müller-Lüdenscheid"),
        ("Line\nbreak", "Two\r\nlines"),
        ("   ", "\\."),
    ]
    supporters = []
    for n, (first, last) in enumerate(awkward):
        supporters.append(
            factories.SupporterFactory(
                first_name=first,
                last_name=last,
                email=None if n % 2 else f"awkward{n}@example.org",
                phone=f"+1612555{n:04d}",
                street_address='1 "Main" St,\nApt 2',
                sector="youth" if n % 3 == 0 else "",
                language="es" if n % 2 else "en",
                is_youth=bool(n % 2),
            )
        )
    notes = ["=1+1", "-", 'quote " inside', "a,b", "multi\nline\r\nnote", "", "Sí, señora"]
    for n, (supporter, note) in enumerate(zip(supporters, notes, strict=True)):
        factories.ActionFactory(
            campaign=campaign,
            supporter=supporter,
            kind="letter" if n % 2 else "testify",
            status=ActionStatus.COMPLETED if n % 3 else ActionStatus.PLEDGED,
            target=member if n % 2 else None,
            hearing=hearing if n % 3 == 1 else None,
            due_date=dt.date(2026, 3, 1) + dt.timedelta(days=n),
            outcome_note=note,
            source="public_form",
        )
    first = Action.objects.filter(campaign=campaign, supporter=supporters[0]).get()
    # Values without a label are written as stored (and defused).
    Action.objects.filter(pk=first.pk).update(kind="=cmd", source="@src")
    # Microseconds are dropped; a time in Chicago's local mean time has an
    # offset with seconds (-05:50:36).
    Action.objects.filter(campaign=campaign, supporter=supporters[1]).update(
        created_at=dt.datetime(1850, 6, 1, 12, 0, 0, tzinfo=dt.UTC),
    )
    Action.objects.filter(campaign=campaign, supporter=supporters[2]).update(
        created_at=dt.datetime(2026, 3, 8, 8, 30, 15, 999999, tzinfo=dt.UTC)
    )
    return campaign


def test_the_actions_export_is_the_same_by_copy_and_by_python(demo):
    assert Action.objects.filter(campaign=demo).count() > 100
    copied, written = _both(exports.actions_csv_response, demo, ALL_DATES, personal=True)
    assert copied.startswith("\ufeffid,kind,status,created_at,".encode())
    assert b"\r\n" in copied and b"'=HYPERLINK" in copied and "Peña".encode() in copied
    assert copied == written


def test_the_supporters_export_is_the_same_by_copy_and_by_python(demo):
    assert Membership.objects.filter(campaign=demo).count() > 50
    copied, written = _both(exports.supporters_csv_response, demo, ALL_DATES)
    assert b",True," in copied and b",False," in copied
    assert copied == written


def test_a_date_range_is_the_same_by_copy_and_by_python(demo):
    today = timezone.localdate()
    date_range = DateRange(start=today - dt.timedelta(days=10), end=today)
    copied, written = _both(exports.actions_csv_response, demo, date_range, personal=True)
    assert copied.count(b"\n") > 1
    assert copied == written
    supporters_copied, supporters_written = _both(exports.supporters_csv_response, demo, date_range)
    assert supporters_copied == supporters_written


def test_spanish_labels_and_another_time_zone_are_the_same_by_copy_and_by_python(demo):
    with translation.override("es"), timezone.override("Asia/Kolkata"):
        copied, written = _both(exports.actions_csv_response, demo, ALL_DATES, personal=True)
        supporters_copied, supporters_written = _both(
            exports.supporters_csv_response, demo, ALL_DATES
        )
    assert b",Carta," in copied and b"+05:30," in copied
    assert copied == written
    assert supporters_copied == supporters_written


def test_the_copy_export_leaves_the_sessions_time_zone_as_it_was(demo):
    with connection.cursor() as cursor:
        cursor.execute("SHOW TimeZone")
        (before,) = cursor.fetchone()
        _body(exports.actions_csv_response(demo, ALL_DATES, personal=True))
        cursor.execute("SHOW TimeZone")
        assert cursor.fetchone() == (before,)


def test_the_view_streams_the_copy_export(client, coordinator, postgresql):
    """One action, every cell known: the exact bytes, by the dashboard's view
    (through COPY: its time zone is set for the COPY) and by Python."""
    campaign = factories.CampaignFactory(slug="exact")
    district = factories.DistrictFactory(body=campaign.decision_body, number=4, name="District 4")
    supporter = factories.SupporterFactory(
        first_name="=Ana",
        last_name='Ruiz, "la jefa"',
        email="ana@example.org",
        phone="+16125550123",
        district=district,
    )
    action = factories.ActionFactory(
        campaign=campaign,
        supporter=supporter,
        kind="call",
        status=ActionStatus.COMPLETED,
        completed_at=dt.datetime(2026, 3, 2, 15, 4, 5, 123456, tzinfo=dt.UTC),
        outcome_note="Left a message\nwill call back",
        source="phone_bank",
    )
    Action.objects.filter(pk=action.pk).update(
        created_at=dt.datetime(2026, 7, 1, 3, 0, 0, tzinfo=dt.UTC)
    )
    expected = (
        "\ufeffid,kind,status,created_at,due_date,completed_at,target,target_district,"
        "hearing,source,supporter_district,supporter_id,first_name,last_name,email,phone,"
        "outcome_note\r\n"
        f"{action.pk},Call,Completed,2026-06-30T22:00:00-05:00,,2026-03-02T09:04:05-06:00,,,,"
        f'phone_bank,District 4,{supporter.pk},\'=Ana,"Ruiz, ""la jefa""",'
        'ana@example.org,\'+16125550123,"Left a message\nwill call back"\r\n'
    ).encode()
    client.force_login(coordinator)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/dashboard/{campaign.slug}/export/actions.csv")
        body = _body(response)
    assert any("set_config('TimeZone'" in q["sql"] for q in queries.captured_queries)
    assert body == expected
    written = exports.actions_csv_response(campaign, ALL_DATES, personal=True, sql_copy=False)
    assert _body(written) == expected


def test_one_chunk_per_row_gives_the_same_bytes(demo, monkeypatch):
    """The chunk size changes nothing: here each row (some with line breaks
    in quoted cells) is a chunk of its own. A cell cut across two chunks is
    tests/exports/test_line_endings.py's."""
    monkeypatch.setattr(exports, "COPY_CHUNK_BYTES", 7)
    response = exports.actions_csv_response(demo, ALL_DATES, personal=True)
    chunks = list(response.streaming_content)
    assert len(chunks) > Action.objects.filter(campaign=demo).count()
    written = _body(exports.actions_csv_response(demo, ALL_DATES, personal=True, sql_copy=False))
    assert b"".join(chunks) == written
