"""A broadcast through the real broker, worker and SMTP server: each
recipient gets it exactly once, even with a worker killed mid-send."""

import time
import uuid

import pytest
from django.utils import timezone

from campaign.models import Broadcast, Membership, Message, MessageStatus, Supporter
from campaign.services.broadcasts import broadcast_queue
from campaign.services.outbox import message_mark_sent, message_resend
from tests import factories
from tests.integration.conftest import wait_for
from tests.integration.test_delivery import in_doubt, report, sent_ids, statuses

pytestmark = [
    pytest.mark.integration,
    pytest.mark.xdist_group("celery"),
    pytest.mark.django_db(transaction=True),
]


def queued_broadcast(count: int) -> list[int]:
    campaign = factories.CampaignFactory()
    now = timezone.now()
    run = uuid.uuid4().hex[:8]
    supporters = Supporter.objects.bulk_create(
        Supporter(
            first_name=f"B{i}",
            email=f"b{i}-{run}@example.org",
            email_consent_at=now,
            language="es" if i % 3 == 0 else "en",
        )
        for i in range(count)
    )
    Membership.objects.bulk_create(
        Membership(campaign=campaign, supporter=supporter, source="import")
        for supporter in supporters
    )
    broadcast = Broadcast.objects.create(
        campaign=campaign,
        subject="Hello {first_name}",
        subject_es="Hola {first_name}",
        body="Call {commissioner}.",
        body_es="Llame a {commissioner}.",
    )
    assert broadcast_queue(broadcast=broadcast) == count
    # A double click: nothing more.
    assert broadcast_queue(broadcast=Broadcast.objects.get(pk=broadcast.pk)) is None
    return list(Message.objects.filter(broadcast=broadcast).values_list("pk", flat=True))


def test_a_broadcast_with_a_worker_killed_mid_send_reaches_each_recipient_once(
    integration, smtp, settings
):
    ids = queued_broadcast(200)
    assert len(ids) == 200
    smtp.delay = 0.05  # so the kill lands while messages are in flight
    concurrency = 2
    chunk = int(integration.env["MESSAGE_SEND_CHUNK"])
    integration.dispatcher(MESSAGE_CLAIM_TIMEOUT="12")
    worker = integration.worker(concurrency=concurrency)
    wait_for(lambda: len(sent_ids(ids)) >= 40, timeout=60, what="40 sent before the kill")
    integration.kill(worker)
    time.sleep(1)
    doubt_at_kill = in_doubt(ids)
    assert len(doubt_at_kill) <= concurrency * chunk
    integration.worker(name="w2", concurrency=concurrency)
    wait_for(
        lambda: len(sent_ids(ids)) + len(in_doubt(ids)) == len(ids),
        timeout=120,
        what=f"every message sent or in doubt (now {statuses(ids)})\n{integration.logs()}",
    )
    wait_for(
        lambda: in_doubt(ids) == doubt_at_kill,
        timeout=20,
        what=f"only the rows in flight at the kill left in doubt\n{integration.logs()}",
    )
    doubt = in_doubt(ids)
    report("broadcast SIGKILL", ids, smtp, doubt=len(doubt))
    received = sum(smtp.received[pk] for pk in ids)
    print(
        f"[broadcast SIGKILL] recipients {len(ids)}, delivered {received}, "
        f"duplicates {smtp.duplicates}, in doubt {len(doubt)} "
        f"(of which received {sum(1 for pk in doubt if smtp.received[pk])})"
    )
    assert smtp.duplicates == 0
    for pk in sent_ids(ids):
        assert smtp.received[pk] == 1
    for pk in doubt:
        assert smtp.received[pk] in (0, 1)
    # The coordinator reconciles the rows in doubt from the admin outbox: one
    # the server has is marked sent, one it has not is resent (the dispatcher
    # still running picks it up). Then every recipient has exactly one email.
    settings.MESSAGE_SEND_TIME_LIMIT = 0
    for pk in doubt:
        if smtp.received[pk]:
            assert message_mark_sent(message=Message(pk=pk))
        else:
            assert message_resend(message=Message(pk=pk))
    wait_for(
        lambda: len(sent_ids(ids)) == len(ids),
        timeout=60,
        what=f"the resent rows delivered (now {statuses(ids)})\n{integration.logs()}",
    )
    print(
        f"[broadcast SIGKILL] after reconciling: delivered "
        f"{sum(smtp.received[pk] for pk in ids)}, duplicates {smtp.duplicates}"
    )
    assert {pk: smtp.received[pk] for pk in ids} == dict.fromkeys(ids, 1)
    # One row per recipient, none left behind.
    assert Message.objects.filter(pk__in=ids).values("supporter").distinct().count() == 200
    assert statuses(ids).get(MessageStatus.PENDING, 0) == 0
