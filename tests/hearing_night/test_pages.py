"""The coordinator's hearing-night pages: the speakers' queue (reorder, mark
who spoke, sent written testimony, attended), the check-in desk and the
printable roster. Coordinators only."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from campaign.models import Action, ActionKind, ActionSource, ActionStatus, Hearing
from tests.hearing_night.conftest import person, pledge

pytestmark = pytest.mark.django_db

TESTIFY = ActionKind.TESTIMONY_IN_PERSON
WRITTEN = ActionKind.WRITTEN_TESTIMONY
ATTEND = ActionKind.ATTEND_HEARING
SLUG = "parks-alcohol-ordinance"


def _url(name, hearing):
    return reverse(f"dashboard:{name}", args=[SLUG, hearing.pk])


def _queue_names(client, hearing) -> list[str]:
    response = client.get(_url("hearing_night", hearing))
    return [line.supporter.first_name for line in response.context["speakers"]]


def _mark(client, hearing, supporter, kind, json=False, **extra):
    return client.post(
        _url("hearing_mark", hearing),
        {"supporter": supporter.pk, "kind": kind, **extra},
        headers={"Accept": "application/json"} if json else {},
    )


def _rows(supporter, hearing):
    return list(
        Action.objects.filter(supporter=supporter, hearing=hearing)
        .order_by("kind", "id")
        .values_list("kind", "status", "speaking_order")
    )


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


# ---------------------------------------------------------------------------
# Access
# ---------------------------------------------------------------------------

PAGES = ["hearing_night", "hearing_check_in", "hearing_roster"]


@pytest.mark.parametrize("name", PAGES)
def test_a_viewer_gets_403(client, viewer, night, name):
    client.force_login(viewer)
    assert client.get(_url(name, night["hearing"])).status_code == 403


@pytest.mark.parametrize("name", ["hearing_mark", "hearing_move"])
def test_a_viewer_cannot_post(client, viewer, night, name):
    client.force_login(viewer)
    speaker = night["speakers"][0]
    response = client.post(
        _url(name, night["hearing"]),
        {"supporter": speaker.pk, "kind": ATTEND, "action": night["actions"][0].pk},
    )
    assert response.status_code == 403
    assert _rows(speaker, night["hearing"])[0][1] == ActionStatus.PLEDGED


@pytest.mark.parametrize("name", PAGES)
def test_a_stranger_is_sent_to_sign_in(client, night, name):
    response = client.get(_url(name, night["hearing"]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_another_campaigns_hearing_is_404(coordinator_client, night):
    from tests import factories

    other = factories.HearingFactory()
    response = coordinator_client.get(reverse("dashboard:hearing_night", args=[SLUG, other.pk]))
    assert response.status_code == 404


# ---------------------------------------------------------------------------
# Queue
# ---------------------------------------------------------------------------


def test_the_queue_lists_speakers_in_speaking_order(coordinator_client, night):
    assert _queue_names(coordinator_client, night["hearing"]) == [
        "Speaker1",
        "Speaker2",
        "Speaker3",
    ]


def test_moving_a_speaker_up_swaps_with_the_one_before(coordinator_client, night):
    hearing, third = night["hearing"], night["actions"][2]
    response = coordinator_client.post(
        _url("hearing_move", hearing), {"action": third.pk, "direction": "up"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{_url('hearing_night', hearing)}#person-{third.supporter_id}"
    assert _queue_names(coordinator_client, hearing) == ["Speaker1", "Speaker3", "Speaker2"]
    assert list(
        Action.objects.filter(hearing=hearing, kind=TESTIFY)
        .order_by("speaking_order")
        .values_list("supporter__first_name", "speaking_order")
    ) == [("Speaker1", 1), ("Speaker3", 2), ("Speaker2", 3)]


def test_moving_the_first_speaker_up_changes_nothing(coordinator_client, night):
    hearing = night["hearing"]
    coordinator_client.post(
        _url("hearing_move", hearing), {"action": night["actions"][0].pk, "direction": "up"}
    )
    assert _queue_names(coordinator_client, hearing) == ["Speaker1", "Speaker2", "Speaker3"]


def test_moving_down_twice_sends_the_first_speaker_last(coordinator_client, night):
    hearing, first = night["hearing"], night["actions"][0]
    for _ in range(2):
        coordinator_client.post(
            _url("hearing_move", hearing), {"action": first.pk, "direction": "down"}
        )
    assert _queue_names(coordinator_client, hearing) == ["Speaker2", "Speaker3", "Speaker1"]


def test_marking_a_speaker_fulfils_their_pledge(coordinator_client, coordinator, night):
    hearing, speaker = night["hearing"], night["speakers"][1]
    response = _mark(coordinator_client, hearing, speaker, TESTIFY)
    assert response.status_code == 302
    assert response["Location"] == f"{_url('hearing_night', hearing)}#person-{speaker.pk}"
    action = Action.objects.get(supporter=speaker, hearing=hearing)
    assert action.pk == night["actions"][1].pk
    assert (action.kind, action.status, action.speaking_order, action.logged_by) == (
        TESTIFY,
        ActionStatus.COMPLETED,
        2,
        coordinator,
    )
    assert action.completed_at is not None


def test_marking_a_speaker_twice_records_one_action(coordinator_client, night):
    hearing, speaker = night["hearing"], night["speakers"][1]
    _mark(coordinator_client, hearing, speaker, TESTIFY)
    _mark(coordinator_client, hearing, speaker, TESTIFY)
    assert _rows(speaker, hearing) == [(TESTIFY, ActionStatus.COMPLETED, 2)]


def test_written_testimony_received_fulfils_the_written_pledge(coordinator_client, night):
    hearing, writer = night["hearing"], night["writer"]
    _mark(coordinator_client, hearing, writer, WRITTEN)
    _mark(coordinator_client, hearing, writer, WRITTEN)
    assert _rows(writer, hearing) == [(WRITTEN, ActionStatus.COMPLETED, None)]
    assert Action.objects.get(supporter=writer).pk == night["written"].pk


def test_attended_fulfils_the_attend_pledge_and_leaves_the_testimony(coordinator_client, night):
    hearing, speaker = night["hearing"], night["speakers"][0]
    _mark(coordinator_client, hearing, speaker, ATTEND)
    assert _rows(speaker, hearing) == [
        (ATTEND, ActionStatus.COMPLETED, None),
        (TESTIFY, ActionStatus.PLEDGED, 1),
    ]
    assert Action.objects.get(supporter=speaker, kind=ATTEND).pk == night["attend"].pk


def test_attended_without_a_pledge_records_a_completed_attendance(coordinator_client, night):
    hearing, speaker = night["hearing"], night["speakers"][2]
    _mark(coordinator_client, hearing, speaker, ATTEND)
    action = Action.objects.get(supporter=speaker, kind=ATTEND)
    assert (action.status, action.hearing, action.source, action.idempotency_key) == (
        ActionStatus.COMPLETED,
        hearing,
        ActionSource.ADMIN,
        f"hearing-night:{hearing.pk}:{speaker.pk}:attend",
    )


def test_a_pledge_that_carried_another_key_is_still_not_doubled(coordinator_client, night):
    hearing, speaker = night["hearing"], night["speakers"][0]
    Action.objects.filter(pk=night["attend"].pk).update(idempotency_key="bulk:line-3")
    _mark(coordinator_client, hearing, speaker, ATTEND)
    _mark(coordinator_client, hearing, speaker, ATTEND)
    assert Action.objects.filter(supporter=speaker, kind=ATTEND).count() == 1


def test_marking_before_check_in_opens_says_why(coordinator_client, campaign):
    from tests import factories

    later = factories.HearingFactory(
        campaign=campaign, starts_at=timezone.now() + dt.timedelta(hours=5)
    )
    supporter = person(7)
    response = _mark(coordinator_client, later, supporter, ATTEND, back="check-in")
    assert response.status_code == 302
    assert not Action.objects.filter(supporter=supporter).exists()
    page = coordinator_client.get(response["Location"])
    assert "Speakers and attendance can be marked from three hours before the hearing." in (
        page.content.decode()
    )


def test_before_check_in_opens_the_page_says_when_and_the_buttons_wait(
    coordinator_client, campaign
):
    """Found walking the page: a tap weeks early was refused with no visible
    message."""
    from tests import factories

    later = factories.HearingFactory(
        campaign=campaign, starts_at=timezone.now() + dt.timedelta(hours=5)
    )
    pledge(person(8), later, kind=ATTEND)
    html = coordinator_client.get(_url("hearing_check_in", later)).content.decode()
    assert 'id="marking-opens"' in html
    assert "three hours before the hearing" in html
    assert 'disabled aria-describedby="marking-opens"' in html


def test_once_check_in_opens_the_buttons_work_and_no_notice_shows(coordinator_client, night):
    html = coordinator_client.get(_url("hearing_check_in", night["hearing"])).content.decode()
    assert 'id="marking-opens"' not in html
    assert "disabled" not in html


def test_checking_in_an_hour_early_counts_from_the_start(coordinator_client, campaign):
    from tests import factories

    soon = factories.HearingFactory(
        campaign=campaign, starts_at=timezone.now() + dt.timedelta(hours=1)
    )
    supporter = person(7)
    _mark(coordinator_client, soon, supporter, ATTEND)
    action = Action.objects.get(supporter=supporter)
    assert (action.status, action.completed_at) == (ActionStatus.COMPLETED, soon.starts_at)


def test_marking_an_unknown_kind_records_nothing(coordinator_client, night):
    response = _mark(coordinator_client, night["hearing"], night["speakers"][0], "call")
    assert response.status_code == 302
    assert Action.objects.filter(kind=ActionKind.CALL).count() == 0


def test_a_marked_speaker_shows_as_spoke_without_the_button(coordinator_client, night):
    hearing, speaker = night["hearing"], night["speakers"][0]
    _mark(coordinator_client, hearing, speaker, TESTIFY)
    html = coordinator_client.get(_url("hearing_night", hearing)).content.decode()
    card = html[html.index(f'id="person-{speaker.pk}"') :]
    card = card[: card.index("</li>")]
    assert '<span class="badge text-bg-success">Spoke</span>' in card
    assert 'value="testify"' not in card


# ---------------------------------------------------------------------------
# Check-in
# ---------------------------------------------------------------------------


def test_check_in_lists_the_hearings_pledgers_by_name(coordinator_client, night):
    response = coordinator_client.get(_url("hearing_check_in", night["hearing"]))
    assert [row.supporter.first_name for row in response.context["rows"]] == [
        "Speaker1",
        "Speaker2",
        "Speaker3",
        "Speaker4",
    ]


def test_check_in_finds_a_name_typed_without_accents(coordinator_client, night, campaign):
    from campaign.services.intake import membership_record

    lucia = person(10, first_name="Lucía", last_name="Ramírez")
    luis = person(11, first_name="Luis", last_name="Ramos")
    for supporter in (lucia, luis):
        membership_record(supporter=supporter, campaign=campaign, source="import")
    outsider = person(12, first_name="Lucia", last_name="Ramirez")  # in no campaign's base
    response = coordinator_client.get(
        _url("hearing_check_in", night["hearing"]), {"q": "lucia ram"}
    )
    names = [(row.supporter.pk, row.pledged) for row in response.context["rows"]]
    assert names == [(lucia.pk, False)]
    assert outsider.pk not in [pk for pk, _p in names]


def test_check_in_search_puts_the_hearings_pledgers_first(coordinator_client, night, campaign):
    from campaign.services.intake import membership_record

    aaron = person(20, first_name="Aaron", last_name="Number")
    membership_record(supporter=aaron, campaign=campaign, source="import")
    response = coordinator_client.get(_url("hearing_check_in", night["hearing"]), {"q": "number"})
    assert [(row.supporter.first_name, row.pledged) for row in response.context["rows"]] == [
        ("Speaker1", True),
        ("Speaker2", True),
        ("Speaker3", True),
        ("Speaker4", True),
        ("Aaron", False),
    ]


def test_checking_in_redirects_to_the_same_search_at_the_persons_row(coordinator_client, night):
    hearing, speaker = night["hearing"], night["speakers"][1]
    response = _mark(
        coordinator_client, hearing, speaker, ATTEND, back="check-in", q="speaker2 núm"
    )
    assert response["Location"] == (
        f"{_url('hearing_check_in', hearing)}?q=speaker2+n%C3%BAm#person-{speaker.pk}"
    )


def test_checking_in_twice_records_one_attendance(coordinator_client, night):
    hearing, speaker = night["hearing"], night["speakers"][1]
    for _ in range(3):
        _mark(coordinator_client, hearing, speaker, ATTEND, back="check-in")
    assert _rows(speaker, hearing) == [
        (ATTEND, ActionStatus.COMPLETED, None),
        (TESTIFY, ActionStatus.PLEDGED, 2),
    ]


def test_checking_in_with_javascript_answers_json(coordinator_client, night):
    hearing, speaker = night["hearing"], night["speakers"][2]
    first = _mark(coordinator_client, hearing, speaker, ATTEND, json=True)
    again = _mark(coordinator_client, hearing, speaker, ATTEND, json=True)
    assert (first.status_code, first.json()) == (200, {"ok": True, "created": True})
    assert (again.status_code, again.json()) == (200, {"ok": True, "created": False})
    assert Action.objects.filter(supporter=speaker, kind=ATTEND).count() == 1


def test_a_refused_check_in_answers_json_with_the_reason(coordinator_client, night):
    Hearing.objects.filter(pk=night["hearing"].pk).update(cancelled_at=timezone.now())
    response = _mark(
        coordinator_client,
        night["hearing"],
        night["speakers"][0],
        ATTEND,
        json=True,
    )
    assert (response.status_code, response.json()) == (
        400,
        {"ok": False, "error": "This hearing was cancelled."},
    )


def test_a_checked_in_person_shows_as_attended(coordinator_client, night):
    hearing, speaker = night["hearing"], night["speakers"][0]
    _mark(coordinator_client, hearing, speaker, ATTEND)
    rows = coordinator_client.get(_url("hearing_check_in", hearing)).context["rows"]
    assert [(row.supporter.first_name, row.attended) for row in rows] == [
        ("Speaker1", True),
        ("Speaker2", False),
        ("Speaker3", False),
        ("Speaker4", False),
    ]


# ---------------------------------------------------------------------------
# Roster
# ---------------------------------------------------------------------------


def test_the_roster_has_one_line_per_person_speakers_first(coordinator_client, night):
    hearing = night["hearing"]
    _mark(coordinator_client, hearing, night["speakers"][0], TESTIFY)
    html = coordinator_client.get(_url("hearing_roster", hearing)).content.decode()
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    rows = [row.split("</tr>")[0] for row in body.split("<tr>")[1:]]
    assert len(rows) == 4
    assert rows[0] == (
        '<td>1</td><th scope="row">Speaker1 Number1</th>\n'
        "      <td>Testimony in person, Attend hearing</td>\n"
        "      <td>spoke, pledged</td>"
    )
    assert rows[3].startswith('<td>—</td><th scope="row">Speaker4 Number4</th>')


def test_the_roster_carries_print_styles(coordinator_client, night):
    html = coordinator_client.get(_url("hearing_roster", night["hearing"])).content.decode()
    assert 'href="/static/campaign/hearing_night.css"' in html
    css = (settings.BASE_DIR / "campaign/static/campaign/hearing_night.css").read_text()
    assert "@media print" in css and ".hn-roster tr { break-inside: avoid; }" in css


# ---------------------------------------------------------------------------
# Query counts: the same whatever the number of people
# ---------------------------------------------------------------------------


def _crowd(hearing, start, size):
    for n in range(start, start + size):
        pledge(person(n), hearing, TESTIFY)
        pledge(person(n + 500), hearing, WRITTEN)


@pytest.mark.parametrize("size", [2, 20])
@pytest.mark.parametrize(
    ("name", "query", "budget"),
    [
        # session, user, permissions (2), hearing with its campaign, the lines
        # (actions with their supporters), the capacity (none: no limit).
        ("hearing_night", {}, 6),
        ("hearing_check_in", {}, 6),
        ("hearing_check_in", {"q": "number"}, 6),
        ("hearing_roster", {}, 6),
    ],
)
def test_each_page_takes_a_fixed_number_of_queries(
    coordinator_client, campaign, size, name, query, budget, django_assert_num_queries
):
    from tests import factories

    hearing = factories.HearingFactory(campaign=campaign)
    _crowd(hearing, 100, size)
    with django_assert_num_queries(budget):
        response = coordinator_client.get(_url(name, hearing), query)
    assert response.status_code == 200


# ---------------------------------------------------------------------------
# A busy desk on shared Wi-Fi: many quick taps, double taps, retries
# ---------------------------------------------------------------------------


def test_forty_quick_check_ins_record_forty_attendances(coordinator_client, campaign):
    from tests import factories

    hearing = factories.HearingFactory(
        campaign=campaign, starts_at=timezone.now() - dt.timedelta(minutes=10)
    )
    people = [person(n) for n in range(100, 140)]
    for supporter in people:
        response = _mark(coordinator_client, hearing, supporter, ATTEND, back="check-in")
        assert response.status_code == 302
        # A retry of the same tap (a lost answer on a weak connection).
        assert _mark(coordinator_client, hearing, supporter, ATTEND, json=True).json() == {
            "ok": True,
            "created": False,
        }
    assert sorted(
        Action.objects.filter(
            hearing=hearing, kind=ATTEND, status=ActionStatus.COMPLETED
        ).values_list("supporter_id", flat=True)
    ) == sorted(s.pk for s in people)


def test_a_check_in_tap_takes_a_fixed_number_of_queries(
    coordinator_client, night, django_assert_num_queries
):
    hearing = night["hearing"]
    # 6  session, user, permissions (2), the hearing, the supporter
    # 5  savepoint, the supporter locked, nothing completed yet, no matching
    #    key, the open pledge
    # fulfilling it: its UPDATE, the supporter for its follow-ups, their
    # cancellation, release (15)
    with django_assert_num_queries(15):
        _mark(coordinator_client, hearing, night["speakers"][0], ATTEND, back="check-in")
    # without a pledge: savepoint, INSERT, release, the membership, release (16)
    with django_assert_num_queries(16):
        _mark(coordinator_client, hearing, night["speakers"][1], ATTEND, back="check-in")
