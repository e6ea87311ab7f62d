"""The broadcast pages: coordinators only, the count after filters without
JavaScript, errors next to their field, send/cancel, pinned query counts."""

import pytest
from django.core import mail

from campaign.models import Broadcast, BroadcastStatus, Message, MessageStatus
from campaign.services.broadcasts import broadcast_queue
from tests.broadcasts.conftest import make_broadcast

pytestmark = pytest.mark.django_db
SLUG = "parks-alcohol-ordinance"
BASE = f"/dashboard/{SLUG}/broadcasts/"


@pytest.fixture
def signed_in(client, coordinator):
    coordinator.email = "coordinator@example.org"
    coordinator.save()
    client.force_login(coordinator)
    return client


def compose(**extra):
    return {
        "channel": "email",
        "subject": "Hello {first_name}",
        "body": "Call {commissioner}",
        "subject_es": "Hola {first_name}",
        "body_es": "Llame a {commissioner}",
        **extra,
    }


@pytest.mark.parametrize("path", ["", "new/", "{pk}/", "{pk}/edit/"])
def test_viewers_get_403(client, viewer, world, path):
    broadcast = make_broadcast(world)
    client.force_login(viewer)
    assert client.get(BASE + path.format(pk=broadcast.pk)).status_code == 403


def test_viewers_cannot_send(client, viewer, world):
    broadcast = make_broadcast(world)
    client.force_login(viewer)
    assert client.post(f"{BASE}{broadcast.pk}/send/").status_code == 403
    assert not Message.objects.exists()


def test_count_recipients_shows_the_count_after_filters_and_who_is_left_out(signed_in, world):
    d1, d2, _ = world["districts"]
    response = signed_in.post(BASE + "new/", compose(step="count", districts=[d1.pk, d2.pk]))
    assert response.status_code == 200
    audience = response.context["audience"]
    # ana, beto reachable; dan without consent; eva bounced.
    assert (audience.in_segment, audience.recipients) == (4, 2)
    assert audience.left_out == [("Email address bounced", 1), ("No consent to email", 1)]
    assert "2 recipients" in response.content.decode()
    assert not Broadcast.objects.exists()


def test_an_unknown_merge_field_is_an_error_next_to_its_field(signed_in, world):
    response = signed_in.post(BASE + "new/", compose(body_es="Hola {nombre}", step="save"))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["body_es"]
    assert "Unknown merge field: {nombre}" in response.content.decode()
    assert not Broadcast.objects.exists()


def test_preview_shows_a_real_recipient_in_each_language(signed_in, world):
    response = signed_in.post(BASE + "new/", compose(step="preview"))
    previews = {p["language"]: p for p in response.context["previews"]}
    assert (previews["en"]["supporter"], previews["en"]["subject"]) == (world["ana"], "Hello Ana")
    assert (previews["es"]["supporter"], previews["es"]["subject"]) == (world["beto"], "Hola Beto")
    assert previews["es"]["body"] == "Llame a Commissioner Member 2"


def test_save_then_send_now_queues_each_recipient_once(signed_in, world):
    response = signed_in.post(BASE + "new/", compose(step="save", language="es"))
    broadcast = Broadcast.objects.get()
    assert response.url == f"{BASE}{broadcast.pk}/"
    assert broadcast.segment == {"language": "es"}
    signed_in.post(f"{BASE}{broadcast.pk}/send/")
    signed_in.post(f"{BASE}{broadcast.pk}/send/")  # a double click
    assert sorted(Message.objects.values_list("supporter__first_name", flat=True)) == [
        "Beto",
        "Fay",
    ]


def test_send_a_test_to_myself(signed_in, world):
    broadcast = make_broadcast(world)
    signed_in.post(f"{BASE}{broadcast.pk}/test/")
    assert list(Message.objects.values_list("user__email", "context")) == [
        ("coordinator@example.org", {"test": True}),
        ("coordinator@example.org", {"test": True}),
    ]


def test_cancel_while_pending(signed_in, world):
    broadcast = make_broadcast(world)
    broadcast_queue(broadcast=broadcast)
    signed_in.post(f"{BASE}{broadcast.pk}/cancel/")
    broadcast.refresh_from_db()
    assert broadcast.status == BroadcastStatus.CANCELLED
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.CANCELLED}
    assert mail.outbox == []


def test_schedule_from_the_broadcast_page(signed_in, world):
    broadcast = make_broadcast(world)
    signed_in.post(f"{BASE}{broadcast.pk}/schedule/", {"send_at": "2099-01-02T10:30"})
    broadcast.refresh_from_db()
    assert (broadcast.status, broadcast.send_at.isoformat()) == (
        BroadcastStatus.SCHEDULED,
        "2099-01-02T16:30:00+00:00",
    )


def test_a_sent_broadcast_cannot_be_edited(signed_in, world):
    broadcast = make_broadcast(world)
    broadcast_queue(broadcast=broadcast)
    response = signed_in.get(f"{BASE}{broadcast.pk}/edit/")
    assert response.url == f"{BASE}{broadcast.pk}/"


def test_a_new_hearing_prefills_the_composer_for_the_whole_base(signed_in, world):
    hearing = world["hearing"]
    response = signed_in.get(f"{BASE}new/?hearing={hearing.pk}&change=new")
    form = response.context["form"]
    assert form.initial["hearing"] == hearing.pk
    assert form.initial["segment_hearing"] is None
    assert "{hearing_date}" in form.initial["body"] and "{hearing_place}" in form.initial["body_es"]


def test_a_moved_hearing_prefills_its_pledgers(signed_in, world):
    hearing = world["hearing"]
    response = signed_in.get(f"{BASE}new/?hearing={hearing.pk}&change=moved")
    assert response.context["form"].initial["segment_hearing"] == hearing.pk


def _many(world, n):
    for _ in range(n):
        broadcast = make_broadcast(world)
        broadcast_queue(broadcast=broadcast)


@pytest.mark.parametrize("size", [1, 6])
def test_the_list_runs_a_fixed_number_of_queries(signed_in, world, size, django_assert_num_queries):
    _many(world, size)
    # session, user, two permission lookups, campaign, broadcasts with their progress
    with django_assert_num_queries(6):
        response = signed_in.get(BASE)
    assert len(response.context["broadcasts"]) == size


@pytest.mark.parametrize("queued", [False, True])
def test_the_broadcast_page_runs_a_fixed_number_of_queries(
    signed_in, world, queued, django_assert_num_queries
):
    broadcast = make_broadcast(world)
    if queued:
        broadcast_queue(broadcast=broadcast)
    # session, user, two permission lookups, campaign, broadcast, progress;
    # while pending: the audience, and per language a recipient and their
    # member.
    with django_assert_num_queries(7 if queued else 12):
        response = signed_in.get(f"{BASE}{broadcast.pk}/")
    assert response.status_code == 200


def test_the_composer_speaks_spanish(signed_in, world):
    response = signed_in.get(BASE + "new/", HTTP_ACCEPT_LANGUAGE="es")
    content = response.content.decode()
    assert "Contar destinatarios" in content and "Quién lo recibe" in content
