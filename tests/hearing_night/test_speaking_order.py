"""Every in-person testimony pledge for a hearing takes the next place in its
queue, whichever path created it, and two at the same moment never share one."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaign.models import Action, ActionKind, ActionStatus, Supporter
from campaign.services.bulk_log import bulk_log
from campaign.services.hearing_night import speaking_orders_assign
from campaign.services.intake import action_build, action_record
from tests import factories
from tests.admin.helpers import changeform_data
from tests.hearing_night.conftest import person, pledge

pytestmark = pytest.mark.django_db

TESTIFY = ActionKind.TESTIMONY_IN_PERSON


def _places(hearing) -> list[tuple[str, int | None]]:
    return list(
        Action.objects.filter(hearing=hearing, kind=TESTIFY)
        .order_by("id")
        .values_list("supporter__email", "speaking_order")
    )


def test_each_pledge_takes_the_next_place_after_the_highest(upcoming):
    for n in (1, 2, 3):
        pledge(person(n), upcoming)
    assert _places(upcoming) == [
        ("speaker1@example.org", 1),
        ("speaker2@example.org", 2),
        ("speaker3@example.org", 3),
    ]


def test_a_cancelled_place_is_not_given_again(upcoming):
    first = pledge(person(1), upcoming)
    pledge(person(2), upcoming)
    Action.objects.filter(pk=first.pk).update(status=ActionStatus.CANCELLED)
    third = pledge(person(3), upcoming)
    assert third.speaking_order == 3


def test_each_hearing_has_its_own_queue(upcoming, campaign):
    other = factories.HearingFactory(campaign=campaign, title="Second reading")
    pledge(person(1), upcoming)
    pledge(person(2), upcoming)
    assert pledge(person(3), other).speaking_order == 1


def test_written_testimony_and_attendance_take_no_place(upcoming):
    written = pledge(person(1), upcoming, ActionKind.WRITTEN_TESTIMONY)
    attend = pledge(person(2), upcoming, ActionKind.ATTEND_HEARING)
    assert (written.speaking_order, attend.speaking_order) == (None, None)


def test_the_public_form_gives_the_next_place(client, campaign, upcoming):
    pledge(person(1), upcoming)
    response = client.post(
        reverse("public:campaign", args=[campaign.slug]),
        {
            "first_name": "Ana",
            "last_name": "Gómez",
            "email": "ana@example.org",
            "zip_code": "55072",
            "language": "es",
            "asks": [TESTIFY],
            "hearing": str(upcoming.pk),
        },
    )
    assert response.status_code == 302
    assert _places(upcoming) == [("speaker1@example.org", 1), ("ana@example.org", 2)]


def test_the_quick_log_gives_the_next_place(client, coordinator, campaign, upcoming):
    pledge(person(1), upcoming)
    walk_in = person(2)
    client.force_login(coordinator)
    response = client.post(
        reverse("dashboard:log", args=[campaign.slug]),
        {
            "supporter": walk_in.pk,
            "kind": TESTIFY,
            "status": ActionStatus.PLEDGED,
            "hearing": upcoming.pk,
            "token": "t1",
        },
    )
    assert response.status_code == 302
    assert _places(upcoming) == [("speaker1@example.org", 1), ("speaker2@example.org", 2)]


def test_the_bulk_log_gives_places_in_line_order(coordinator, campaign, upcoming):
    pledge(person(1), upcoming)
    bulk_log(
        campaign=campaign,
        kind=TESTIFY,
        status=ActionStatus.PLEDGED,
        hearing=upcoming,
        text="Rosa Parks, rosa@example.org\nCesar Chavez, cesar@example.org\n",
        by=coordinator,
    )
    assert _places(upcoming) == [
        ("speaker1@example.org", 1),
        ("rosa@example.org", 2),
        ("cesar@example.org", 3),
    ]


def test_the_admin_action_page_gives_the_next_place(client, coordinator, campaign, upcoming):
    pledge(person(1), upcoming)
    walk_in = person(2)
    client.force_login(coordinator)
    url = "/admin/campaign/action/add/"
    data = changeform_data(client.get(url))
    data.update(
        {
            "supporter": str(walk_in.pk),
            "campaign": str(campaign.pk),
            "kind": TESTIFY,
            "status": ActionStatus.PLEDGED,
            "hearing": str(upcoming.pk),
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert _places(upcoming) == [("speaker1@example.org", 1), ("speaker2@example.org", 2)]


def test_the_imports_path_gives_the_next_place(coordinator, campaign, upcoming):
    # The action imports (campaign.resources) record through action_record.
    pledge(person(1), upcoming)
    action, created = action_record(
        supporter=person(2),
        campaign=campaign,
        kind=TESTIFY,
        status=ActionStatus.PLEDGED,
        source="admin",
        by=coordinator,
        hearing=upcoming,
    )
    assert (created, action.speaking_order) == (True, 2)


def test_a_walk_in_marked_as_having_spoken_joins_the_end_of_the_queue(night):
    hearing = night["hearing"]
    action, _created = action_record(
        supporter=person(9),
        campaign=hearing.campaign,
        kind=TESTIFY,
        status=ActionStatus.COMPLETED,
        source="admin",
        hearing=hearing,
    )
    assert action.speaking_order == 4


def test_the_hearing_is_locked_while_a_place_is_chosen(upcoming):
    action = action_build(
        supporter=person(1),
        campaign=upcoming.campaign,
        kind=TESTIFY,
        status=ActionStatus.PLEDGED,
        source="admin",
        hearing=upcoming,
    )
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        speaking_orders_assign(actions=[action])
    sqls = [query["sql"] for query in captured]
    # The hearing's row first (locked where the database has row locks),
    # then the highest place.
    assert len(sqls) == 2
    assert sqls[0].startswith('SELECT "campaign_hearing"."id" AS "pk" FROM "campaign_hearing"')
    assert sqls[0].endswith("FOR UPDATE") == connection.features.has_select_for_update
    assert action.speaking_order == 1


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL"
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_second_signup_waits_for_the_first_and_takes_the_next_place(upcoming):
    first_person, second_person = person(1), person(2)
    chosen, release, places = threading.Event(), threading.Event(), {}

    def first():
        try:
            with transaction.atomic():
                action = action_build(
                    supporter=first_person,
                    campaign=upcoming.campaign,
                    kind=TESTIFY,
                    status=ActionStatus.PLEDGED,
                    source="admin",
                    hearing=upcoming,
                )
                speaking_orders_assign(actions=[action])
                chosen.set()
                release.wait(10)
                action.save()
            places["first"] = action.speaking_order
        finally:
            connection.close()

    def second():
        try:
            chosen.wait(10)
            places["second"] = pledge(second_person, upcoming).speaking_order
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    chosen.wait(10)
    time.sleep(0.5)
    # The second sign-up is held at the hearing's lock, not numbering alone.
    assert threads[1].is_alive()
    release.set()
    for thread in threads:
        thread.join(20)
    assert places == {"first": 1, "second": 2}


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_eight_signups_at_once_get_eight_different_places(upcoming):
    people = [person(n) for n in range(1, 9)]
    start = threading.Barrier(len(people))

    def sign_up(supporter):
        try:
            start.wait(10)
            pledge(supporter, upcoming)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up, args=(s,)) for s in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    places = sorted(
        Action.objects.filter(hearing=upcoming, kind=TESTIFY).values_list(
            "speaking_order", flat=True
        )
    )
    assert places == list(range(1, 9))
    assert Supporter.objects.count() == 8


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("pledged", [False, True])
def test_two_check_in_taps_at_the_same_moment_record_one_attendance(campaign, pledged):
    from django.utils import timezone

    from campaign.services.hearing_night import hearing_mark

    hearing = factories.HearingFactory(
        campaign=campaign, starts_at=timezone.now() + dt.timedelta(days=1)
    )
    supporter = person(1)
    if pledged:
        pledge(supporter, hearing, ActionKind.ATTEND_HEARING)
    hearing.starts_at = timezone.now() - dt.timedelta(minutes=5)
    hearing.save()
    start, results = threading.Barrier(4), []

    def tap():
        try:
            start.wait(10)
            results.append(
                hearing_mark(
                    hearing=hearing, supporter=supporter, kind=ActionKind.ATTEND_HEARING, by=None
                )[1]
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=tap) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == [False, False, False, True]
    assert list(
        Action.objects.filter(supporter=supporter).values_list("kind", "status", "hearing")
    ) == [(ActionKind.ATTEND_HEARING, ActionStatus.COMPLETED, hearing.pk)]
