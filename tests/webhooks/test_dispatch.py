"""Sending: signed POSTs to a real local receiver, retried with backoff, each
event accepted exactly once."""

import datetime as dt
import hashlib
import hmac
import json

import pytest
import time_machine
from django.utils import timezone

from campaign.models import WebhookDelivery
from campaign.services.webhooks import (
    webhook_deliveries_record,
    webhook_deliveries_retry,
    webhooks_dispatch,
)
from campaign.tasks import webhooks_dispatch_task
from tests import factories
from tests.webhooks.conftest import SECRET, hook_create

pytestmark = pytest.mark.django_db

Status = WebhookDelivery.Status


@pytest.fixture
def settings_(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 60
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    settings.WEBHOOK_TIMEOUT_SECONDS = 5
    return settings


@pytest.fixture
def delivery(receiver, settings_):
    hook_create(url=receiver.url)
    webhook_deliveries_record(event="person", obj=factories.SupporterFactory(first_name="Ana"))
    return WebhookDelivery.objects.get()


def test_the_receiver_gets_the_signed_osdi_person(receiver, delivery):
    webhooks_dispatch()
    [got] = receiver.received
    expected = "sha256=" + hmac.new(SECRET.encode(), got.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(got.headers["X-Groundswell-Signature"], expected)
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["X-Groundswell-Event"] == "person"
    assert got.headers["X-Groundswell-Delivery"] == str(delivery.pk)
    assert json.loads(got.body)["given_name"] == "Ana"


def test_a_signature_made_with_another_secret_does_not_match(receiver, delivery):
    webhooks_dispatch()
    [got] = receiver.received
    forged = "sha256=" + hmac.new(b"other", got.body, hashlib.sha256).hexdigest()
    assert got.headers["X-Groundswell-Signature"] != forged


def test_a_receiver_failing_twice_then_accepting_gets_the_event_exactly_once(receiver, delivery):
    receiver.statuses[:] = [500, 500, 200]
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        webhooks_dispatch()
        clock.move_to(start + dt.timedelta(seconds=61))  # first backoff: 60 s
        webhooks_dispatch()
        clock.move_to(start + dt.timedelta(seconds=61 + 121))  # second: 120 s
        webhooks_dispatch()
        delivery.refresh_from_db()
        assert [r.status for r in receiver.received] == [500, 500, 200]
        assert {r.headers["X-Groundswell-Delivery"] for r in receiver.received} == {
            str(delivery.pk)
        }
        assert (delivery.status, delivery.attempts) == (Status.DELIVERED, 3)
        assert delivery.delivered_at == start + dt.timedelta(seconds=182)
        # A fourth run, however late, sends nothing.
        clock.move_to(start + dt.timedelta(days=1))
        webhooks_dispatch()
    assert len(receiver.received) == 3


def test_a_failed_attempt_waits_for_its_backoff(receiver, delivery):
    receiver.statuses[:] = [503]
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        webhooks_dispatch()
        clock.move_to(start + dt.timedelta(seconds=59))
        webhooks_dispatch()
    delivery.refresh_from_db()
    assert len(receiver.received) == 1
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        Status.PENDING,
        1,
        "attempt 1: HTTP 503",
    )
    assert delivery.next_attempt_at == start + dt.timedelta(seconds=60)


def test_after_the_last_attempt_the_row_fails(receiver, delivery):
    receiver.statuses[:] = [500, 500, 500]
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for offset in (0, 61, 182, 10_000):
            clock.move_to(start + dt.timedelta(seconds=offset))
            webhooks_dispatch()
    delivery.refresh_from_db()
    assert len(receiver.received) == 3
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        Status.FAILED,
        3,
        "HTTP 500",
    )


def test_an_unreachable_receiver_is_retried(settings_):
    hook_create(url="http://127.0.0.1:9/nobody-listens")
    webhook_deliveries_record(event="person", obj=factories.SupporterFactory())
    webhooks_dispatch()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Status.PENDING, 1)
    assert delivery.last_error.startswith("attempt 1: URLError")


def test_a_retried_failed_row_is_sent_again(receiver, delivery):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=Status.FAILED, attempts=3)
    assert webhook_deliveries_retry(ids=[delivery.pk]) == 1
    webhooks_dispatch()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(receiver.received)) == (
        Status.DELIVERED,
        1,
        1,
    )


def test_a_delivered_row_cannot_be_retried(receiver, delivery):
    webhooks_dispatch()
    assert webhook_deliveries_retry(ids=[delivery.pk]) == 0
    webhooks_dispatch()
    assert len(receiver.received) == 1


def test_a_row_claimed_by_another_dispatcher_is_not_sent(receiver, delivery):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=Status.SENDING)
    webhooks_dispatch()
    assert receiver.received == []


def test_a_row_left_sending_past_the_timeout_is_in_doubt_never_resent(receiver, delivery):
    claimed = timezone.now() - dt.timedelta(hours=1)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=Status.SENDING, attempts=1, next_attempt_at=claimed
    )
    result = webhooks_dispatch()
    delivery.refresh_from_db()
    assert (result.in_doubt, delivery.status, receiver.received) == (1, Status.FAILED, [])
    assert delivery.last_error.startswith("in doubt:")


def test_an_inactive_hooks_rows_wait(receiver, delivery):
    delivery.webhook.active = False
    delivery.webhook.save()
    webhooks_dispatch()
    delivery.refresh_from_db()
    assert (delivery.status, receiver.received) == (Status.PENDING, [])


def test_the_beat_task_sends_the_due_rows(receiver, delivery):
    webhooks_dispatch_task.apply()
    delivery.refresh_from_db()
    assert (delivery.status, len(receiver.received)) == (Status.DELIVERED, 1)
