"""SMS quiet hours (20:00-09:00, America/Chicago), across both DST changes."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from campaign import sms
from campaign.models import Channel, Message, MessageKind, MessageStatus
from campaign.services.outbox import messages_dispatch, messages_send
from campaign.services.timing import quiet_hours_end
from tests.reminders.conftest import Recorder, local, make_supporter

UTC = dt.UTC


def test_the_evening_before_spring_forward_defers_to_nine_cdt():
    # 2026-03-07 21:00 CST; clocks jump 02:00 -> 03:00 on 2026-03-08.
    assert quiet_hours_end(local(2026, 3, 7, 21, 0)) == dt.datetime(2026, 3, 8, 14, 0, tzinfo=UTC)


def test_the_evening_before_fall_back_defers_to_nine_cst():
    # 2026-10-31 22:00 CDT; clocks fall back 02:00 -> 01:00 on 2026-11-01.
    assert quiet_hours_end(local(2026, 10, 31, 22, 0)) == dt.datetime(
        2026, 11, 1, 15, 0, tzinfo=UTC
    )


def test_the_small_hours_of_a_dst_day_defer_to_nine_the_same_day():
    assert quiet_hours_end(local(2026, 3, 8, 1, 30)) == dt.datetime(2026, 3, 8, 14, 0, tzinfo=UTC)
    assert quiet_hours_end(dt.datetime(2026, 11, 1, 7, 30, tzinfo=UTC)) == dt.datetime(
        2026, 11, 1, 15, 0, tzinfo=UTC
    )


def test_the_day_is_not_quiet_and_the_edges_are_exact():
    assert quiet_hours_end(local(2026, 3, 8, 9, 0)) is None
    assert quiet_hours_end(local(2026, 3, 8, 19, 59)) is None
    assert quiet_hours_end(local(2026, 3, 8, 8, 59)) == local(2026, 3, 8, 9, 0)
    assert quiet_hours_end(local(2026, 3, 8, 20, 0)) == local(2026, 3, 9, 9, 0)


def test_quiet_hours_are_configurable(settings):
    settings.QUIET_HOURS_START = "21:00"
    settings.QUIET_HOURS_END = "08:00"
    assert quiet_hours_end(local(2026, 6, 1, 20, 30)) is None
    assert quiet_hours_end(local(2026, 6, 1, 21, 30)) == local(2026, 6, 2, 8, 0)


def _send_due():
    recorder = Recorder()
    messages_dispatch(publish=recorder)
    for ids, claim in recorder.calls:
        messages_send(ids=ids, claim=claim)


def _text(supporter, kind=MessageKind.SIGNUP_CONFIRMATION, channel=Channel.SMS):
    return Message.objects.create(
        supporter=supporter,
        channel=channel,
        kind=kind,
        scheduled_for=timezone.now(),
        dedupe_key=f"{kind}:{channel}:{supporter.pk}",
    )


@pytest.mark.django_db
@time_machine.travel(local(2026, 3, 7, 21, 30), tick=False)
def test_a_text_due_at_night_waits_for_the_morning_after_the_dst_change():
    message = _text(make_supporter(sms_consent=True))
    _send_due()
    message.refresh_from_db()
    assert (message.status, message.last_error) == (MessageStatus.PENDING, "quiet hours")
    assert message.scheduled_for == dt.datetime(2026, 3, 8, 14, 0, tzinfo=UTC)
    assert message.attempts == 0
    assert sms.outbox == []


@pytest.mark.django_db
@time_machine.travel(local(2026, 3, 7, 21, 30), tick=False)
def test_an_email_due_at_night_is_sent_at_once(mailoutbox):
    message = _text(make_supporter(), channel=Channel.EMAIL)
    _send_due()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert len(mailoutbox) == 1


@pytest.mark.django_db
@time_machine.travel(local(2026, 3, 7, 23, 0), tick=False)
def test_an_opt_out_confirmation_is_sent_even_at_night():
    supporter = make_supporter(phone=True)  # consent already withdrawn
    message = _text(supporter, kind=MessageKind.SMS_OPTOUT_CONFIRMATION)
    _send_due()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert "you are unsubscribed" in sms.outbox[0]["body"]
