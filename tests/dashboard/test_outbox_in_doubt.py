"""One definition of a message "in doubt" (campaign.models.IN_DOUBT: a send
started and no result was recorded): the dashboard counts what the admin
outbox lists, and the services act on the same rows."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from campaign.models import IN_FLIGHT, Message, MessageKind, MessageStatus
from campaign.services.outbox import messages_in_doubt
from tests import factories

pytestmark = pytest.mark.django_db

_keys = itertools.count()
STARTED = f"{IN_FLIGHT} 2026-01-05 09:00 CST; no result recorded."


def _message(campaign, status, *, last_error="", claimed_minutes_ago=None):
    now = timezone.now()
    return Message.objects.create(
        supporter=factories.SupporterFactory(),
        campaign=campaign,
        channel="email",
        kind=MessageKind.PLEDGE_FOLLOWUP,
        scheduled_for=now,
        status=status,
        last_error=last_error,
        claimed_at=(
            now - dt.timedelta(minutes=claimed_minutes_ago)
            if claimed_minutes_ago is not None
            else None
        ),
        dedupe_key=f"in-doubt-test:{next(_keys)}",
    )


@pytest.fixture
def rows(pine_county):
    campaign = pine_county["campaign"]
    other = factories.CampaignFactory(decision_body=pine_county["body"], slug="other-campaign")
    in_doubt = [
        _message(campaign, MessageStatus.SENDING, last_error=STARTED, claimed_minutes_ago=90),
        _message(campaign, MessageStatus.SENDING, last_error=STARTED, claimed_minutes_ago=1),
    ]
    # Claimed, but their sends never started: the dispatcher releases them.
    _message(campaign, MessageStatus.SENDING, claimed_minutes_ago=90)
    _message(campaign, MessageStatus.SENDING, claimed_minutes_ago=1)
    # A result was recorded.
    _message(campaign, MessageStatus.SENT)
    _message(campaign, MessageStatus.FAILED, last_error="SMTP 550 no such user")
    _message(campaign, MessageStatus.PENDING, last_error="attempt 1: SMTP 451")
    # In doubt, but in another campaign.
    _message(other, MessageStatus.SENDING, last_error=STARTED, claimed_minutes_ago=5)
    return {"campaign": campaign, "in_doubt": in_doubt}


def test_the_dashboards_in_doubt_count_is_the_admin_outboxs_in_doubt_list(
    client, coordinator, rows
):
    client.force_login(coordinator)
    outbox = client.get(f"/dashboard/{rows['campaign'].slug}/").context["outbox"]
    # The count links to the admin's list of the same rows.
    listing = client.get(outbox["links"]["in_doubt"])
    assert listing.status_code == 200
    listed = {message.pk for message in listing.context["cl"].result_list}
    assert outbox["in_doubt"] == len(listed) == 2
    assert listed == {message.pk for message in rows["in_doubt"]}
    assert listed == set(
        messages_in_doubt().filter(campaign=rows["campaign"]).values_list("pk", flat=True)
    )


def test_the_admin_column_marks_the_rows_the_filter_lists(client, admin, rows):
    client.force_login(admin)
    listing = client.get("/admin/campaign/message/")
    model_admin = listing.context["cl"].model_admin
    marked = {message.pk for message in Message.objects.all() if model_admin.in_doubt(message)}
    filtered = client.get("/admin/campaign/message/?in_doubt=yes").context["cl"].result_list
    assert (
        marked
        == {message.pk for message in filtered}
        == set(Message.objects.in_doubt().values_list("pk", flat=True))
    )
    assert len(marked) == 3


def test_the_python_check_agrees_with_the_query_for_every_status_and_note(pine_county):
    campaign = pine_county["campaign"]
    notes = ["", STARTED, IN_FLIGHT, "attempt 2: SMTP 451", f"resent; was: {STARTED}"]
    for status, note in itertools.product(MessageStatus.values, notes):
        _message(campaign, status, last_error=note, claimed_minutes_ago=3)
    by_python = {message.pk for message in Message.objects.all() if message.is_in_doubt}
    by_query = set(Message.objects.in_doubt().values_list("pk", flat=True))
    assert by_python == by_query
    assert len(by_query) == 2  # sending, with either form of the note
