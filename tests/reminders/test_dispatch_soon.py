"""A commit that queued a message due now wakes the dispatcher (best effort),
from a background thread: the caller never waits on the broker, and a refused
nudge leaves the row pending for the beat tick."""

import datetime as dt
import threading
import time
from unittest import mock

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from campaign.models import Message, MessageStatus
from campaign.services import outbox
from campaign.services.scheduling import reminders_on_pledge, reminders_on_signup
from core import celery_app
from tests.reminders.conftest import make_supporter, pledge

pytestmark = pytest.mark.django_db

DISPATCH = mock.call("campaign.messages_dispatch", expires=55, retry=False)


def nudges(callbacks) -> int:
    return sum(callback == outbox._nudger.nudge for callback in callbacks)


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


@pytest.fixture
def broker():
    """celery_app.send_task, recorded (the nudge thread calls it)."""
    with mock.patch.object(celery_app, "send_task") as send_task:
        yield send_task


def test_a_confirmation_due_now_wakes_the_dispatcher_once_committed(
    campaign, broker, django_capture_on_commit_callbacks
):
    supporter = make_supporter()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        reminders_on_signup(supporter=supporter, campaign=campaign, pledges=[])
        # Nothing is published before the commit: the row is not visible yet.
        assert broker.call_args_list == []
    assert nudges(callbacks) == 1
    assert wait_for(lambda: broker.call_args_list == [DISPATCH])


def test_a_reminder_due_later_waits_for_its_beat_tick(
    campaign, broker, django_capture_on_commit_callbacks
):
    action = pledge(make_supporter(), campaign)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        reminders_on_pledge(action=action)
    follow_up = Message.objects.get(action=action)
    assert follow_up.scheduled_for > timezone.now() + dt.timedelta(days=2)
    assert nudges(callbacks) == 0
    time.sleep(outbox._Nudger.interval)
    assert broker.call_args_list == []


def test_it_can_be_switched_off(campaign, settings, django_capture_on_commit_callbacks):
    settings.MESSAGE_DISPATCH_NUDGE = False
    supporter = make_supporter()
    with django_capture_on_commit_callbacks() as callbacks:
        reminders_on_signup(supporter=supporter, campaign=campaign, pledges=[])
    assert Message.objects.filter(supporter=supporter).count() == 1
    assert nudges(callbacks) == 0


def test_a_broker_that_refuses_leaves_the_row_pending_and_the_caller_unharmed(
    campaign, broker, django_capture_on_commit_callbacks, caplog
):
    outbox._nudger._warned_at = 0.0
    broker.side_effect = OperationalError("Error 111 connecting to 127.0.0.1:1. Refused.")
    supporter = make_supporter()
    with django_capture_on_commit_callbacks(execute=True):
        reminders_on_signup(supporter=supporter, campaign=campaign, pledges=[])
    assert wait_for(lambda: broker.call_count == 1)
    assert wait_for(lambda: "Could not wake the outbox dispatcher" in caplog.text)
    message = Message.objects.get(supporter=supporter)
    assert (message.status, message.claimed_at) == (MessageStatus.PENDING, None)


def test_a_stuck_broker_never_holds_the_committing_caller(
    campaign, broker, django_capture_on_commit_callbacks
):
    release = threading.Event()
    broker.side_effect = lambda *args, **kwargs: release.wait(10)
    try:
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            reminders_on_signup(supporter=make_supporter(), campaign=campaign, pledges=[])
        assert time.monotonic() - started < 1
        assert wait_for(lambda: broker.call_count == 1)
    finally:
        release.set()


def test_nudges_arriving_together_publish_one_or_two_runs_not_one_each(broker):
    for _ in range(100):
        outbox._nudger.nudge()
    assert wait_for(lambda: broker.call_count >= 1)
    time.sleep(2 * outbox._Nudger.interval + 0.2)
    # The first nudge is published at once; those arriving while it is (or
    # during the interval after it) are served by one more run.
    assert broker.call_args_list in ([DISPATCH], [DISPATCH, DISPATCH])
