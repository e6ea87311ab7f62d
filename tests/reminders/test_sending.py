"""Dispatching and sending: claims, re-checks, results, headers, language."""

import datetime as dt
import smtplib

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from campaign import sms
from campaign.models import Channel, Hearing, Message, MessageKind, MessageStatus
from campaign.services.outbox import (
    IN_FLIGHT,
    message_mark_sent,
    message_resend,
    message_retry,
    messages_dispatch,
    messages_in_doubt,
    messages_release_stale,
    messages_send,
)
from campaign.services.scheduling import reminders_on_signup
from campaign.services.supporters import supporter_unsubscribe
from tests import factories
from tests.reminders import backends
from tests.reminders.conftest import Recorder, local, make_supporter

pytestmark = pytest.mark.django_db


@pytest.fixture
def refusing(settings):
    settings.EMAIL_BACKEND = "tests.reminders.backends.RefusingBackend"
    backends.refusal = None
    yield backends
    backends.refusal = None


def queue(campaign, supporter=None, **extra):
    supporter = supporter or make_supporter(**extra)
    reminders_on_signup(supporter=supporter, campaign=campaign, pledges=[])
    return Message.objects.get(supporter=supporter, channel=Channel.EMAIL)


def dispatch_and_send():
    recorder = Recorder()
    messages_dispatch(publish=recorder)
    for ids, claim in recorder.calls:
        messages_send(ids=ids, claim=claim)
    return recorder


def test_the_dispatcher_claims_due_rows_and_leaves_future_ones(campaign):
    due = queue(campaign)
    later = queue(campaign)
    Message.objects.filter(pk=later.pk).update(scheduled_for=timezone.now() + dt.timedelta(hours=1))
    recorder = Recorder()
    result = messages_dispatch(publish=recorder)
    assert [ids for ids, _ in recorder.calls] == [[due.pk]]
    assert result.claimed == 1
    due.refresh_from_db()
    assert due.status == MessageStatus.SENDING
    assert recorder.calls[0][1] == due.claimed_at.isoformat()
    assert Message.objects.get(pk=later.pk).status == MessageStatus.PENDING


def test_the_dispatcher_publishes_one_task_per_chunk(campaign, settings):
    settings.MESSAGE_SEND_CHUNK = 2
    for _ in range(5):
        queue(campaign)
    recorder = Recorder()
    messages_dispatch(publish=recorder)
    assert [len(ids) for ids, _ in recorder.calls] == [2, 2, 1]


def test_rows_go_back_to_pending_when_the_broker_refuses(campaign, settings):
    settings.MESSAGE_SEND_CHUNK = 1
    first, second = queue(campaign), queue(campaign)
    result = messages_dispatch(publish=Recorder(fail_after=1))
    assert result.published == 1
    assert "broker down" in result.error
    statuses = dict(Message.objects.values_list("pk", "status"))
    assert statuses == {first.pk: MessageStatus.SENDING, second.pk: MessageStatus.PENDING}


def test_a_due_email_is_sent_once_and_recorded(campaign):
    message = queue(campaign)
    dispatch_and_send()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.attempts == 1
    assert message.sent_at is not None
    assert message.last_error == ""
    [email] = mail.outbox
    assert message.provider_message_id == email.extra_headers["Message-ID"]
    assert f".gs{message.pk}@" in message.provider_message_id
    # A second dispatcher run finds nothing to do.
    assert dispatch_and_send().calls == []
    assert len(mail.outbox) == 1


def test_the_email_carries_one_click_unsubscribe_headers(campaign):
    queue(campaign)
    dispatch_and_send()
    [email] = mail.outbox
    header = email.extra_headers["List-Unsubscribe"]
    assert header.startswith("<https://groundswell.example.org/u/")
    assert header.endswith("/>")
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert header[1:-1] in email.body
    assert email.alternatives[0].mimetype == "text/html"


def test_cr_and_lf_are_stripped_from_the_subject(campaign):
    campaign.name = "Parks\r\nBcc: victim@example.org"
    campaign.save()
    queue(campaign)
    dispatch_and_send()
    [email] = mail.outbox
    assert email.subject == "Thank you for joining Parks Bcc: victim@example.org"
    assert "\n" not in email.message()["Subject"]


def test_a_spanish_speaking_supporter_gets_the_spanish_email(campaign):
    campaign.name_es = "Parques sin alcohol"
    campaign.save()
    queue(campaign, language="es")
    dispatch_and_send()
    [email] = mail.outbox
    assert email.subject == "Gracias por sumarse a Parques sin alcohol"
    assert "Darse de baja" in email.body


@time_machine.travel(local(2026, 4, 11, 18, 30), tick=False)
def test_the_spanish_hearing_reminder_names_the_day_in_spanish(campaign):
    supporter = make_supporter(language="es")
    hearing = Hearing.objects.create(
        campaign=campaign,
        title="Parks hearing",
        title_es="Audiencia",
        starts_at=local(2026, 4, 14, 18, 30),
    )
    Message.objects.create(
        supporter=supporter,
        campaign=campaign,
        hearing=hearing,
        channel=Channel.EMAIL,
        kind=MessageKind.HEARING_3D,
        scheduled_for=timezone.now(),
        dedupe_key="es-3d",
    )
    dispatch_and_send()
    [email] = mail.outbox
    assert email.subject == "En 3 días: Audiencia"
    assert "Cuándo: martes 14 de abril, 18:30" in email.body


def test_an_unsubscribe_after_the_claim_stops_the_send(campaign):
    message = queue(campaign)
    recorder = Recorder()
    messages_dispatch(publish=recorder)
    supporter_unsubscribe(supporter=message.supporter, source="test")
    [(ids, claim)] = recorder.calls
    messages_send(ids=ids, claim=claim)
    message.refresh_from_db()
    assert (message.status, message.last_error) == (MessageStatus.SUPPRESSED, "unsubscribed")
    assert mail.outbox == []


def test_a_hard_bounced_address_is_suppressed(campaign):
    message = queue(campaign)
    message.supporter.email_bounced_at = timezone.now()
    message.supporter.save()
    dispatch_and_send()
    message.refresh_from_db()
    assert message.status == MessageStatus.SUPPRESSED
    assert mail.outbox == []


def test_withdrawn_email_consent_suppresses_a_claimed_email(campaign):
    # A follow-up needs consent (the link to the page a sign-up asked for does not).
    supporter = make_supporter()
    message = Message.objects.create(
        supporter=supporter,
        channel=Channel.EMAIL,
        kind=MessageKind.PLEDGE_FOLLOWUP,
        campaign=campaign,
        action=factories.ActionFactory(supporter=supporter, campaign=campaign),
        scheduled_for=timezone.now(),
        dedupe_key="followup-consent-test",
    )
    recorder = Recorder()
    messages_dispatch(publish=recorder)
    message.supporter.email_consent_at = None
    message.supporter.save()
    messages_send(ids=recorder.calls[0][0], claim=recorder.calls[0][1])
    message.refresh_from_db()
    assert (message.status, message.last_error) == (MessageStatus.SUPPRESSED, "no email consent")


def test_a_row_claimed_by_another_dispatch_is_left_alone(campaign):
    message = queue(campaign)
    recorder = Recorder()
    messages_dispatch(publish=recorder)
    [(ids, claim)] = recorder.calls
    result = messages_send(ids=ids, claim=(timezone.now() - dt.timedelta(hours=1)).isoformat())
    assert result.skipped == 1
    assert Message.objects.get(pk=message.pk).status == MessageStatus.SENDING
    assert mail.outbox == []


@time_machine.travel(local(2026, 4, 1, 12, 0), tick=False)
def test_a_transient_smtp_error_puts_the_row_back_with_a_backoff(campaign, refusing):
    message = queue(campaign)
    refusing.refusal = refusing.recipients_refused(451)
    dispatch_and_send()
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING
    assert message.attempts == 1
    assert message.scheduled_for == local(2026, 4, 1, 12, 1)
    assert message.last_error == "attempt 1: SMTP 451 refused"
    assert message.claimed_at is None


@time_machine.travel(local(2026, 4, 1, 12, 0), tick=False)
def test_the_backoff_doubles_with_each_attempt(campaign, refusing):
    message = queue(campaign)
    refusing.refusal = smtplib.SMTPServerDisconnected("gone")
    Message.objects.filter(pk=message.pk).update(attempts=1)
    dispatch_and_send()
    message.refresh_from_db()
    assert message.attempts == 2
    assert message.scheduled_for == local(2026, 4, 1, 12, 2)


def test_a_transient_error_on_the_last_attempt_fails_the_row(campaign, refusing):
    message = queue(campaign)
    Message.objects.filter(pk=message.pk).update(attempts=2)  # MESSAGE_MAX_ATTEMPTS = 3
    refusing.refusal = refusing.recipients_refused(451)
    dispatch_and_send()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 3)


def test_a_550_fails_the_row_without_retry_and_marks_the_address_bounced(campaign, refusing):
    message = queue(campaign)
    refusing.refusal = refusing.recipients_refused(550)
    dispatch_and_send()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)
    assert message.last_error == "SMTP 550 refused"
    message.supporter.refresh_from_db()
    assert message.supporter.email_bounced_at is not None


@time_machine.travel(local(2026, 4, 1, 12, 0), tick=False)
def test_a_sms_goes_through_the_backend_to_sms_consenting_supporters(campaign):
    supporter = make_supporter(email=False, sms_consent=True)
    reminders_on_signup(supporter=supporter, campaign=campaign, pledges=[])
    dispatch_and_send()
    [text] = sms.outbox
    assert text["to"] == supporter.phone
    assert "Reply HELP for help, STOP to opt out." in text["body"]
    message = Message.objects.get(channel=Channel.SMS)
    assert (message.status, message.provider_message_id) == (MessageStatus.SENT, text["id"])


def test_a_send_that_started_but_never_finished_is_in_doubt_and_not_resent(campaign):
    message = queue(campaign)
    recorder = Recorder()
    messages_dispatch(publish=recorder)
    [(ids, claim)] = recorder.calls
    # The worker died after marking the attempt and before recording it.
    Message.objects.filter(pk=message.pk).update(attempts=1, last_error=f"{IN_FLIGHT} at noon")
    result = messages_send(ids=ids, claim=claim)  # the task is redelivered
    assert result.skipped == 1
    assert mail.outbox == []
    assert list(messages_in_doubt()) == [message]
    # Nor does the stale-claim sweep release it, however old.
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        assert messages_release_stale() == 0


def test_a_claim_whose_send_never_started_is_released_after_the_timeout(campaign, settings):
    settings.MESSAGE_CLAIM_TIMEOUT = 600
    message = queue(campaign)
    messages_dispatch(publish=Recorder())
    assert messages_release_stale() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=601)):
        assert messages_release_stale() == 1
    message.refresh_from_db()
    assert (message.status, message.claimed_at) == (MessageStatus.PENDING, None)


def test_resending_a_message_in_doubt_sends_it_again(campaign):
    message = queue(campaign)
    messages_dispatch(publish=Recorder())
    Message.objects.filter(pk=message.pk).update(last_error=f"{IN_FLIGHT} at noon")
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=241)):
        assert message_resend(message=message)
        dispatch_and_send()
    assert len(mail.outbox) == 1
    assert Message.objects.get(pk=message.pk).status == MessageStatus.SENT


def test_marking_a_message_in_doubt_sent_records_it_without_sending(campaign):
    message = queue(campaign)
    messages_dispatch(publish=Recorder())
    assert not message_mark_sent(message=message)  # not in doubt: refused
    Message.objects.filter(pk=message.pk).update(last_error=f"{IN_FLIGHT} at noon")
    assert message_mark_sent(message=message)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert mail.outbox == []


def test_retrying_a_failed_message_makes_it_due_now_with_fresh_attempts(campaign):
    message = queue(campaign)
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED, attempts=3)
    assert message_retry(message=message)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 0)
    assert not message_retry(message=message)


def test_a_reminder_for_a_cancelled_hearing_is_cancelled_at_send_time(campaign):
    supporter = make_supporter()
    hearing = factories.HearingFactory(campaign=campaign, cancelled_at=timezone.now())
    message = Message.objects.create(
        supporter=supporter,
        campaign=campaign,
        hearing=hearing,
        channel=Channel.EMAIL,
        kind=MessageKind.HEARING_24H,
        scheduled_for=timezone.now(),
        dedupe_key="cancelled-24h",
    )
    dispatch_and_send()
    message.refresh_from_db()
    assert (message.status, message.last_error) == (MessageStatus.CANCELLED, "hearing cancelled")


def test_the_digest_reaches_the_coordinator_without_an_unsubscribe_header(campaign):
    from campaign.services.digest import digest_queue

    factories.CoordinatorFactory(username="casey")
    digest_queue()
    dispatch_and_send()
    [email] = mail.outbox
    assert email.to == ["casey@staff.example.org"]
    assert email.subject.startswith("Daily digest for ")
    assert "List-Unsubscribe" not in email.extra_headers


@pytest.fixture
def hooked(settings):
    settings.EMAIL_BACKEND = "tests.reminders.backends.HookBackend"
    backends.before_send = None
    yield backends
    backends.before_send = None


def claimed_chunk(campaign, count):
    messages = [queue(campaign) for _ in range(count)]
    recorder = Recorder()
    messages_dispatch(publish=recorder)
    [(ids, claim)] = recorder.calls
    return messages, ids, claim


def test_a_chunk_is_sent_in_the_same_number_of_queries_whatever_its_size(
    campaign, django_assert_num_queries
):
    from django.db import connection

    # Lock and read, insert the chunk's personal links, mark in flight, record
    # the results (PostgreSQL: plus the asynchronous commit setting), and the
    # savepoints of the test's transaction around each of the two transactions.
    queries = 9 if connection.vendor == "postgresql" else 8
    _, ids, claim = claimed_chunk(campaign, 2)
    with django_assert_num_queries(queries):
        assert messages_send(ids=ids, claim=claim).sent == 2
    Message.objects.all().delete()
    _, ids, claim = claimed_chunk(campaign, 8)
    with django_assert_num_queries(queries):
        assert messages_send(ids=ids, claim=claim).sent == 8
    assert len(mail.outbox) == 10


def test_an_unsubscribe_after_an_old_recheck_stops_the_rest_of_the_chunk(
    campaign, hooked, settings
):
    settings.MESSAGE_RECHECK_MAX_AGE = 0  # every send needs a fresh re-check
    (first, second), ids, claim = claimed_chunk(campaign, 2)

    def unsubscribe_the_second(email):
        if email.to == [first.supporter.email]:
            supporter_unsubscribe(supporter=second.supporter, source="test")

    hooked.before_send = unsubscribe_the_second
    messages_send(ids=ids, claim=claim)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == MessageStatus.SENT
    assert (second.status, second.last_error) == (MessageStatus.SUPPRESSED, "unsubscribed")
    assert [email.to for email in mail.outbox] == [[first.supporter.email]]


def test_a_worker_stopped_mid_chunk_leaves_only_the_message_being_sent_in_doubt(campaign, hooked):
    (first, second, third), ids, claim = claimed_chunk(campaign, 3)
    Message.objects.filter(pk=third.pk).update(last_error="attempt 1: SMTP 451", attempts=1)

    def stop_at_the_second(email):
        if email.to == [second.supporter.email]:
            raise SystemExit("worker stopping")

    hooked.before_send = stop_at_the_second
    with pytest.raises(SystemExit):
        messages_send(ids=ids, claim=claim)
    assert Message.objects.get(pk=first.pk).status == MessageStatus.SENT
    assert list(messages_in_doubt()) == [Message.objects.get(pk=second.pk)]
    # Never tried: still claimed, its attempt and earlier error restored, so
    # the stale-claim sweep (or the task's redelivery) sends it later.
    third.refresh_from_db()
    assert (third.status, third.attempts, third.last_error) == (
        MessageStatus.SENDING,
        1,
        "attempt 1: SMTP 451",
    )
    hooked.before_send = None
    assert messages_send(ids=ids, claim=claim).sent == 1
    assert [email.to for email in mail.outbox] == [
        [first.supporter.email],
        [third.supporter.email],
    ]


def test_a_soft_time_limit_during_a_send_leaves_that_message_in_doubt_not_failed(campaign, hooked):
    from celery.exceptions import SoftTimeLimitExceeded

    (first, second), ids, claim = claimed_chunk(campaign, 2)

    def out_of_time_at_the_second(email):
        if email.to == [second.supporter.email]:
            raise SoftTimeLimitExceeded()

    hooked.before_send = out_of_time_at_the_second
    with pytest.raises(SoftTimeLimitExceeded):
        messages_send(ids=ids, claim=claim)
    assert Message.objects.get(pk=first.pk).status == MessageStatus.SENT
    assert list(messages_in_doubt()) == [Message.objects.get(pk=second.pk)]


def test_a_message_in_doubt_cannot_be_resent_while_its_task_may_still_run(campaign, settings):
    settings.MESSAGE_SEND_TIME_LIMIT = 240
    message = queue(campaign)
    messages_dispatch(publish=Recorder())
    Message.objects.filter(pk=message.pk).update(
        last_error=f"{IN_FLIGHT} at noon", updated_at=timezone.now()
    )
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=230)):
        assert not message_resend(message=message)
    assert Message.objects.get(pk=message.pk).status == MessageStatus.SENDING
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=241)):
        assert message_resend(message=message)
    assert Message.objects.get(pk=message.pk).status == MessageStatus.PENDING
