"""Exactly-once delivery through the real broker, worker and SMTP server."""

import time
import uuid

import pytest
from django.db.models import Count
from django.utils import timezone

from campaign.models import (
    Action,
    ActionKind,
    ActionStatus,
    Channel,
    Message,
    MessageKind,
    MessageStatus,
    Supporter,
)
from campaign.services.outbox import IN_FLIGHT
from tests import factories
from tests.integration.conftest import free_port, wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.xdist_group("celery"),
    pytest.mark.django_db(transaction=True),
]


def due_emails(count: int) -> list[int]:
    campaign = factories.CampaignFactory()
    now = timezone.now()
    run = uuid.uuid4().hex[:8]
    supporters = Supporter.objects.bulk_create(
        Supporter(first_name=f"S{i}", email=f"s{i}-{run}@example.org", email_consent_at=now)
        for i in range(count)
    )
    messages = Message.objects.bulk_create(
        Message(
            supporter=supporter,
            campaign=campaign,
            channel=Channel.EMAIL,
            kind=MessageKind.SIGNUP_CONFIRMATION,
            scheduled_for=now,
            dedupe_key=f"it:{run}:{supporter.pk}",
        )
        for supporter in supporters
    )
    return [message.pk for message in messages]


def statuses(ids) -> dict[str, int]:
    rows = Message.objects.filter(pk__in=ids).values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def in_doubt(ids) -> set[int]:
    return set(
        Message.objects.filter(
            pk__in=ids, status=MessageStatus.SENDING, last_error__startswith=IN_FLIGHT
        ).values_list("pk", flat=True)
    )


def sent_ids(ids) -> set[int]:
    return set(
        Message.objects.filter(pk__in=ids, status=MessageStatus.SENT).values_list("pk", flat=True)
    )


def report(label, ids, smtp, doubt=0, seconds=None):
    sent = statuses(ids).get(MessageStatus.SENT, 0)
    received = sum(smtp.received[pk] for pk in ids)
    rate = f", {len(ids) / seconds:.0f} msg/s" if seconds else ""
    print(
        f"\n[{label}] rows {len(ids)}, sent {sent}, received {received}, "
        f"duplicates {smtp.duplicates}, in doubt {doubt}{rate}"
    )


def test_500_due_reminders_are_each_delivered_exactly_once(integration, smtp):
    ids = due_emails(500)
    started = time.monotonic()
    integration.worker()
    integration.dispatcher()
    wait_for(
        lambda: statuses(ids).get(MessageStatus.SENT) == 500,
        timeout=90,
        what=f"500 sent (now {statuses(ids)})\n{integration.logs()}",
    )
    elapsed = time.monotonic() - started
    report("500 due", ids, smtp, seconds=elapsed)
    assert {pk: smtp.received[pk] for pk in ids} == dict.fromkeys(ids, 1)
    assert smtp.duplicates == 0


def test_a_worker_killed_mid_batch_delivers_nothing_twice(integration, smtp):
    ids = due_emails(150)
    smtp.delay = 0.01  # so the kill lands while messages are in flight
    concurrency = 2
    chunk = int(integration.env["MESSAGE_SEND_CHUNK"])
    # The killed worker's reserved tasks are lost until Redis redelivers them
    # (visibility timeout); their rows, never started, are released sooner.
    integration.dispatcher(MESSAGE_CLAIM_TIMEOUT="12")
    worker = integration.worker(concurrency=concurrency)
    wait_for(lambda: len(sent_ids(ids)) >= 30, timeout=60, what="30 sent before the kill")
    integration.kill(worker)
    # The server still completes a COMMIT a killed process had already sent.
    time.sleep(1)
    doubt_at_kill = in_doubt(ids)  # nothing moves now: these were in flight
    # A worker process marks a whole chunk in flight before sending it, so
    # each process can leave at most one chunk in doubt.
    assert len(doubt_at_kill) <= concurrency * chunk
    integration.worker(name="w2", concurrency=concurrency)
    wait_for(
        lambda: len(sent_ids(ids)) + len(in_doubt(ids)) == len(ids),
        timeout=90,
        what=f"every message sent or in doubt (now {statuses(ids)})\n{integration.logs()}",
    )
    # A chunk the live worker is still sending looks in doubt until it records
    # the results: give it the time to.
    wait_for(
        lambda: in_doubt(ids) == doubt_at_kill,
        timeout=20,
        what=f"only the rows in flight at the kill left in doubt (now {sorted(in_doubt(ids))}, "
        f"at the kill {sorted(doubt_at_kill)})\n{integration.logs()}",
    )
    doubt = in_doubt(ids)
    report("SIGKILL", ids, smtp, doubt=len(doubt))
    assert doubt == doubt_at_kill
    assert smtp.duplicates == 0
    for pk in sent_ids(ids):
        assert smtp.received[pk] == 1
    for pk in doubt:
        assert smtp.received[pk] in (0, 1)


def test_two_dispatchers_and_two_workers_racing_send_each_message_once(integration, smtp):
    ids = due_emails(300)
    integration.dispatcher(name="d1", every=0.1)
    integration.dispatcher(name="d2", every=0.1)
    integration.worker(name="w1")
    integration.worker(name="w2")
    wait_for(
        lambda: statuses(ids).get(MessageStatus.SENT) == 300,
        timeout=90,
        what=f"300 sent (now {statuses(ids)})\n{integration.logs()}",
    )
    report("race", ids, smtp)
    assert {pk: smtp.received[pk] for pk in ids} == dict.fromkeys(ids, 1)


def test_with_redis_unreachable_signup_and_logging_succeed_and_the_backlog_follows(
    integration, smtp, settings
):
    from campaign.models import ActionSource
    from campaign.services.intake import PersonInput, action_record
    from campaign.services.signup import SignupRequest, signup_submit

    campaign = factories.CampaignFactory()
    closed = f"redis://127.0.0.1:{free_port()}/0"
    settings.CELERY_BROKER_URL = closed
    result = signup_submit(
        request=SignupRequest(
            campaign=campaign,
            person=PersonInput(first_name="Rosa", email="rosa@example.org"),
            asks=(ActionKind.CALL,),
            email_updates=True,
        )
    )
    supporter = Supporter.objects.get(email="rosa@example.org")
    action, created = action_record(
        supporter=supporter,
        campaign=campaign,
        kind=ActionKind.LETTER,
        status=ActionStatus.COMPLETED,
        source=ActionSource.PHONE_BANK,
        # Groups come from a data migration a transactional test flushes.
        by=factories.UserFactory(username="logger"),
    )
    assert result is not None and created
    assert Action.objects.filter(supporter=supporter).count() == 2
    confirmation = Message.objects.get(supporter=supporter, kind=MessageKind.SIGNUP_CONFIRMATION)
    # The dispatcher cannot publish: the row goes back to pending, nothing lost.
    output = integration.dispatch_once(CELERY_BROKER_URL=closed)
    assert "error" in output
    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.attempts) == (MessageStatus.PENDING, 0)
    # The broker is back.
    integration.worker()
    integration.dispatcher()
    wait_for(
        lambda: Message.objects.get(pk=confirmation.pk).status == MessageStatus.SENT,
        timeout=60,
        what=f"the backlog delivered\n{integration.logs()}",
    )
    assert smtp.received[confirmation.pk] == 1


def test_an_smtp_server_answering_451_for_a_while_gets_the_message_once(integration, smtp):
    [pk] = due_emails(1)
    smtp.tempfail_next = 3
    integration.worker()
    integration.dispatcher(every=0.2)
    wait_for(
        lambda: Message.objects.get(pk=pk).status == MessageStatus.SENT,
        timeout=60,
        what=f"delivery after the 451s\n{integration.logs()}",
    )
    assert Message.objects.get(pk=pk).attempts == 4
    assert smtp.rcpt_attempts == 4
    assert smtp.received[pk] == 1


def test_an_smtp_550_fails_the_message_without_retrying(integration, smtp):
    [pk] = due_emails(1)
    smtp.reject_all = True
    integration.worker()
    integration.dispatcher(every=0.2)
    wait_for(
        lambda: Message.objects.get(pk=pk).status == MessageStatus.FAILED,
        timeout=60,
        what=f"the message failed\n{integration.logs()}",
    )
    time.sleep(1.5)  # several dispatcher rounds: none may pick it up again
    message = Message.objects.get(pk=pk)
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)
    assert message.last_error.startswith("SMTP 550")
    assert smtp.rcpt_attempts == 1
    assert Supporter.objects.get(pk=message.supporter_id).email_bounced_at is not None


def test_an_unsubscribe_after_queueing_and_before_sending_stops_the_message(integration, smtp):
    from campaign.services.supporters import supporter_unsubscribe

    [pk] = due_emails(1)
    integration.dispatch_once()  # claimed and published; no worker yet
    message = Message.objects.get(pk=pk)
    assert message.status == MessageStatus.SENDING
    supporter_unsubscribe(supporter=message.supporter, source="test")
    integration.worker()
    wait_for(
        lambda: Message.objects.get(pk=pk).status == MessageStatus.SUPPRESSED,
        timeout=60,
        what=f"the message suppressed\n{integration.logs()}",
    )
    assert smtp.received[pk] == 0
    assert smtp.rcpt_attempts == 0
