"""Queue, throttle, cancel, schedule, test sends and progress; the sender's
re-checks apply to broadcast rows."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from campaign import sms
from campaign.models import BroadcastStatus, Channel, Message, MessageKind, MessageStatus
from campaign.services.broadcasts import (
    broadcast_cancel,
    broadcast_progress,
    broadcast_queue,
    broadcast_schedule,
    broadcast_send_test,
)
from campaign.services.outbox import messages_dispatch, messages_send
from campaign.services.supporters import supporter_unsubscribe
from campaign.tasks import broadcasts_queue_due_task
from tests import factories
from tests.broadcasts.conftest import make_broadcast
from tests.reminders.conftest import Recorder

pytestmark = pytest.mark.django_db
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
NOON = dt.datetime(2026, 3, 4, 12, 0, tzinfo=CHICAGO)


def dispatch_and_send():
    recorder = Recorder()
    messages_dispatch(publish=recorder)
    for ids, claim in recorder.calls:
        messages_send(ids=ids, claim=claim)


def rows(broadcast):
    return {
        m.supporter.first_name: (m.language, m.channel, m.dedupe_key)
        for m in Message.objects.filter(broadcast=broadcast).select_related("supporter")
    }


def test_queue_writes_one_row_per_recipient_in_their_language(world):
    broadcast = make_broadcast(world)
    assert broadcast_queue(broadcast=broadcast) == 3
    b, a, f = world["beto"].pk, world["ana"].pk, world["fay"].pk
    assert rows(broadcast) == {
        "Ana": ("en", "email", f"broadcast:{broadcast.pk}:{a}:email"),
        "Beto": ("es", "email", f"broadcast:{broadcast.pk}:{b}:email"),
        "Fay": ("es", "email", f"broadcast:{broadcast.pk}:{f}:email"),
    }
    broadcast.refresh_from_db()
    assert broadcast.status == BroadcastStatus.QUEUED


def test_without_spanish_text_spanish_speakers_are_queued_in_english(world):
    broadcast = make_broadcast(world, subject_es="", body_es="")
    broadcast_queue(broadcast=broadcast)
    assert {lang for lang, _c, _k in rows(broadcast).values()} == {"en"}


def test_a_second_queue_queues_nothing(world):
    broadcast = make_broadcast(world)
    broadcast_queue(broadcast=broadcast)
    again = type(broadcast).objects.get(pk=broadcast.pk)
    assert broadcast_queue(broadcast=again) is None
    assert Message.objects.filter(broadcast=broadcast).count() == 3


def test_a_retry_after_a_lost_status_never_writes_a_second_row(world):
    # The status write lost (e.g. restored from a backup): the dedupe key holds.
    broadcast = make_broadcast(world)
    broadcast_queue(broadcast=broadcast)
    type(broadcast).objects.filter(pk=broadcast.pk).update(status=BroadcastStatus.DRAFT)
    broadcast.status = BroadcastStatus.DRAFT
    broadcast_queue(broadcast=broadcast)
    assert Message.objects.filter(broadcast=broadcast).count() == 3


@time_machine.travel(NOON, tick=False)
def test_rows_are_spread_per_minute_by_the_channel_setting(world, settings):
    settings.BROADCAST_EMAIL_PER_MINUTE = 2
    broadcast = make_broadcast(world)
    broadcast_queue(broadcast=broadcast)
    times = list(
        Message.objects.filter(broadcast=broadcast)
        .order_by("supporter_id")
        .values_list("scheduled_for", flat=True)
    )
    assert times == [NOON, NOON, NOON + dt.timedelta(minutes=1)]


@time_machine.travel(dt.datetime(2026, 3, 4, 22, 0, tzinfo=CHICAGO), tick=False)
def test_texts_queued_in_the_quiet_hours_start_when_they_end(world):
    broadcast = make_broadcast(world, channel=Channel.SMS, subject="", subject_es="")
    broadcast_queue(broadcast=broadcast)
    [row] = Message.objects.filter(broadcast=broadcast)
    assert row.scheduled_for == dt.datetime(2026, 3, 5, 9, 0, tzinfo=CHICAGO)


@time_machine.travel(NOON, tick=False)
def test_texts_go_in_their_language_with_stop_wording(world):
    broadcast = make_broadcast(world, channel=Channel.SMS, subject="", subject_es="")
    broadcast_queue(broadcast=broadcast)
    dispatch_and_send()
    [text] = sms.outbox
    assert text["to"] == world["beto"].phone
    assert "Hola Beto, llame a Commissioner Member 2" in text["body"]
    assert text["body"].endswith("Responda ALTO para no recibir más.")


def test_emails_are_merged_in_language_with_one_click_unsubscribe(world):
    broadcast = make_broadcast(world, body="Dear {first_name} <b>{district}</b>")
    broadcast_queue(broadcast=broadcast)
    dispatch_and_send()
    by_to = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_to) == ["ana@example.org", "beto@example.org", "fay@example.org"]
    assert by_to["beto@example.org"].subject == "Hola Beto"
    ana = by_to["ana@example.org"]
    assert ana.subject == "Hello Ana"
    assert ana.extra_headers["List-Unsubscribe"].startswith("<https://groundswell.example.org/")
    assert ana.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = ana.alternatives[0][0]
    assert "&lt;b&gt;" in html and "<b>" not in html
    assert "{" not in ana.body and "{" not in html


def test_the_sender_rechecks_an_unsubscribe_after_queueing(world):
    broadcast = make_broadcast(world)
    broadcast_queue(broadcast=broadcast)
    supporter_unsubscribe(supporter=world["ana"], source="test")
    dispatch_and_send()
    assert Message.objects.get(broadcast=broadcast, supporter=world["ana"]).status == (
        MessageStatus.SUPPRESSED
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["beto@example.org", "fay@example.org"]


def test_cancel_cancels_the_pending_rows(world):
    broadcast = make_broadcast(world)
    broadcast_queue(broadcast=broadcast)
    assert broadcast_cancel(broadcast=broadcast) == 3
    dispatch_and_send()
    assert mail.outbox == []
    assert broadcast.status == BroadcastStatus.CANCELLED


def test_a_row_claimed_before_the_cancel_is_stopped_by_the_sender(world):
    broadcast = make_broadcast(world)
    broadcast_queue(broadcast=broadcast)
    recorder = Recorder()
    messages_dispatch(publish=recorder)
    assert broadcast_cancel(broadcast=broadcast) == 0  # all claimed already
    for ids, claim in recorder.calls:
        messages_send(ids=ids, claim=claim)
    assert mail.outbox == []
    assert set(Message.objects.filter(broadcast=broadcast).values_list("status", flat=True)) == {
        MessageStatus.CANCELLED
    }


def test_a_cancelled_broadcast_cannot_be_queued(world):
    broadcast = make_broadcast(world)
    broadcast_cancel(broadcast=broadcast)
    assert broadcast_queue(broadcast=broadcast) is None
    assert not Message.objects.filter(broadcast=broadcast).exists()


def test_the_beat_task_queues_a_scheduled_broadcast_once_its_time_came(world):
    broadcast = make_broadcast(world)
    with time_machine.travel(NOON, tick=False):
        assert broadcast_schedule(broadcast=broadcast, send_at=NOON + dt.timedelta(hours=2))
    with time_machine.travel(NOON + dt.timedelta(hours=1, minutes=59), tick=False):
        broadcasts_queue_due_task.apply()
        assert not Message.objects.filter(broadcast=broadcast).exists()
    with time_machine.travel(NOON + dt.timedelta(hours=2), tick=False):
        broadcasts_queue_due_task.apply()
        broadcasts_queue_due_task.apply()
    assert Message.objects.filter(broadcast=broadcast).count() == 3
    broadcast.refresh_from_db()
    assert broadcast.status == BroadcastStatus.QUEUED


def test_a_time_in_the_past_cannot_be_scheduled(world):
    from django.core.exceptions import ValidationError

    broadcast = make_broadcast(world)
    with pytest.raises(ValidationError):
        broadcast_schedule(broadcast=broadcast, send_at=timezone.now() - dt.timedelta(minutes=1))


def test_the_test_goes_to_the_coordinator_in_both_languages_and_is_not_counted(world):
    user = factories.CoordinatorFactory(username="c", email="c@example.org", first_name="Cleo")
    broadcast = make_broadcast(world)
    broadcast_send_test(broadcast=broadcast, user=user)
    dispatch_and_send()
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("c@example.org", "[PRUEBA] Hola Cleo"),
        ("c@example.org", "[TEST] Hello Cleo"),
    ]
    assert "your commissioner" in mail.outbox[0].body + mail.outbox[1].body
    assert broadcast_progress(broadcast).total == 0
    broadcast.refresh_from_db()
    assert broadcast.status == BroadcastStatus.DRAFT


def test_progress_counts_each_status_in_one_query(world, django_assert_num_queries):
    broadcast = make_broadcast(world)
    broadcast_queue(broadcast=broadcast)
    ana, beto = world["ana"], world["beto"]
    Message.objects.filter(broadcast=broadcast, supporter=ana).update(status=MessageStatus.SENT)
    Message.objects.filter(broadcast=broadcast, supporter=beto).update(status=MessageStatus.FAILED)
    with django_assert_num_queries(1):
        progress = broadcast_progress(broadcast)
    assert (
        progress.queued,
        progress.sent,
        progress.failed,
        progress.suppressed,
        progress.cancelled,
        progress.total,
    ) == (1, 1, 1, 0, 0, 3)


def test_queued_rows_are_broadcast_kind(world):
    broadcast = make_broadcast(world)
    broadcast_queue(broadcast=broadcast)
    assert set(Message.objects.filter(broadcast=broadcast).values_list("kind", flat=True)) == {
        MessageKind.BROADCAST
    }


@time_machine.travel(NOON, tick=False)
def test_a_stop_reply_after_queueing_stops_the_text(world):
    from campaign.services.sms_inbound import sms_inbound

    broadcast = make_broadcast(world, channel=Channel.SMS, subject="", subject_es="")
    broadcast_queue(broadcast=broadcast)
    sms_inbound(phone=world["beto"].phone, body="STOP", provider_message_id="SM1")
    dispatch_and_send()
    row = Message.objects.get(broadcast=broadcast)
    assert (row.status, row.last_error) == (
        MessageStatus.SUPPRESSED,
        "consent withdrawn (sms_stop)",
    )
    assert [text["body"] for text in sms.outbox if "Member 2" in text["body"]] == []


def test_a_text_due_in_the_quiet_hours_waits_for_the_morning(world):
    broadcast = make_broadcast(world, channel=Channel.SMS, subject="", subject_es="")
    with time_machine.travel(NOON, tick=False):
        broadcast_queue(broadcast=broadcast)
    with time_machine.travel(dt.datetime(2026, 3, 4, 21, 0, tzinfo=CHICAGO), tick=False):
        dispatch_and_send()
    row = Message.objects.get(broadcast=broadcast)
    assert (row.status, row.scheduled_for) == (
        MessageStatus.PENDING,
        dt.datetime(2026, 3, 5, 9, 0, tzinfo=CHICAGO),
    )
    assert sms.outbox == []


def test_the_test_of_a_text_message_arrives_by_email_with_its_opening_words(world):
    user = factories.CoordinatorFactory(username="c", email="c@example.org", first_name="Cleo")
    broadcast = make_broadcast(
        world, channel=Channel.SMS, subject="", subject_es="", body_es="", body="Hi {first_name}!"
    )
    broadcast_send_test(broadcast=broadcast, user=user)
    dispatch_and_send()
    assert [(m.to, m.subject) for m in mail.outbox] == [(["c@example.org"], "[TEST] Hi Cleo!")]
    assert sms.outbox == []
