"""A hearing's speaking slots: the public form refuses to speak in person at a
full hearing, next to the field, offering written testimony (English and
Spanish); the page shows the slots left; coordinators may go beyond."""

import pytest
from django.urls import reverse

from campaign.models import Action, ActionKind, ActionStatus, SignupSubmission
from tests.hearing_night.conftest import person, pledge

pytestmark = pytest.mark.django_db

TESTIFY = ActionKind.TESTIMONY_IN_PERSON
FULL_EN = (
    "Every speaking slot at this hearing is taken. You can still send written "
    "testimony: choose “Send written testimony” instead."
)
FULL_ES = (
    "Todos los turnos para hablar en esta audiencia están ocupados. Aún puede "
    "enviar un testimonio por escrito: elija «Enviar un testimonio por escrito»."
)


def _fill(hearing, count):
    for n in range(1, count + 1):
        pledge(person(n), hearing)


def _signup(client, campaign, hearing, asks, **headers):
    return client.post(
        reverse("public:campaign", args=[campaign.slug]),
        {
            "first_name": "Ana",
            "last_name": "Gómez",
            "email": "ana@example.org",
            "zip_code": "55072",
            "language": "es",
            "asks": asks,
            "hearing": str(hearing.pk),
        },
        **headers,
    )


def test_speaking_at_a_full_hearing_is_refused_next_to_the_asks(client, campaign, upcoming):
    _fill(upcoming, 4)
    response = _signup(client, campaign, upcoming, [TESTIFY])
    assert response.status_code == 200
    assert response.context["form"].errors == {"asks": [FULL_EN]}
    html = response.content.decode()
    # Rendered inside the asks field's own block, after its checkboxes.
    asks_block = html[html.index('id="div_id_asks"') :]
    assert asks_block.index(FULL_EN) < asks_block.index('id="div_id_hearing"')
    assert not SignupSubmission.objects.exists()
    assert Action.objects.filter(supporter__email="ana@example.org").count() == 0


def test_the_refusal_is_in_spanish_for_a_spanish_visitor(client, campaign, upcoming):
    _fill(upcoming, 4)
    response = _signup(client, campaign, upcoming, [TESTIFY], HTTP_ACCEPT_LANGUAGE="es")
    assert response.context["form"].errors == {"asks": [FULL_ES]}
    assert FULL_ES in response.content.decode()


def test_written_testimony_is_still_taken_at_a_full_hearing(client, campaign, upcoming):
    _fill(upcoming, 4)
    response = _signup(client, campaign, upcoming, [ActionKind.WRITTEN_TESTIMONY])
    assert response.status_code == 302
    action = Action.objects.get(supporter__email="ana@example.org")
    assert (action.kind, action.hearing, action.speaking_order) == (
        ActionKind.WRITTEN_TESTIMONY,
        upcoming,
        None,
    )


def test_the_last_slot_is_taken_and_gets_the_last_place(client, campaign, upcoming):
    _fill(upcoming, 3)
    response = _signup(client, campaign, upcoming, [TESTIFY])
    assert response.status_code == 302
    assert Action.objects.get(supporter__email="ana@example.org").speaking_order == 4


def test_a_cancelled_pledge_frees_its_slot(client, campaign, upcoming):
    _fill(upcoming, 4)
    Action.objects.filter(hearing=upcoming).order_by("id").filter(
        pk=Action.objects.filter(hearing=upcoming).order_by("id").first().pk
    ).update(status=ActionStatus.CANCELLED)
    response = _signup(client, campaign, upcoming, [TESTIFY])
    assert response.status_code == 302
    assert Action.objects.get(supporter__email="ana@example.org").speaking_order == 5


def test_the_page_shows_the_slots_left(client, campaign, upcoming):
    _fill(upcoming, 3)
    html = client.get(reverse("public:campaign", args=[campaign.slug])).content.decode()
    assert '<p class="mb-2 speaker-slots">1 speaking slot left.</p>' in html


def test_the_page_says_when_every_slot_is_taken_in_spanish(client, campaign, upcoming):
    _fill(upcoming, 4)
    html = client.get(
        reverse("public:campaign", args=[campaign.slug]), HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert (
        '<p class="mb-2 speaker-slots">Todos los turnos para hablar están ocupados: '
        "aún puede enviar un testimonio por escrito.</p>"
    ) in html


def test_a_hearing_without_a_limit_shows_no_slots(client, campaign, upcoming):
    upcoming.speaker_slots = None
    upcoming.save()
    html = client.get(reverse("public:campaign", args=[campaign.slug])).content.decode()
    assert "speaker-slots" not in html


def test_a_coordinator_adds_a_speaker_beyond_the_capacity(client, coordinator, campaign, upcoming):
    _fill(upcoming, 4)
    extra = person(5)
    client.force_login(coordinator)
    response = client.post(
        reverse("dashboard:log", args=[campaign.slug]),
        {
            "supporter": extra.pk,
            "kind": TESTIFY,
            "status": ActionStatus.PLEDGED,
            "hearing": upcoming.pk,
            "token": "over",
        },
    )
    assert response.status_code == 302
    action = Action.objects.get(supporter=extra)
    assert (action.kind, action.status, action.speaking_order) == (
        TESTIFY,
        ActionStatus.PLEDGED,
        5,
    )


def test_the_queue_flags_speakers_beyond_the_slots(client, coordinator, campaign, upcoming):
    _fill(upcoming, 5)  # the fifth added by a coordinator, or applied after the fourth
    client.force_login(coordinator)
    response = client.get(reverse("dashboard:hearing_night", args=[campaign.slug, upcoming.pk]))
    html = response.content.decode()
    assert html.count("Beyond the slots") == 1
    fifth = html[html.index('data-place="5"') :]
    assert fifth.index("Beyond the slots") < fifth.index("</li>")
    assert '<p id="speaker-slots">5 of 4 speaking slots taken.</p>' in html


def test_a_campaigns_hearings_take_their_slots_in_the_admin(client, admin, campaign, upcoming):
    client.force_login(admin)
    html = client.get(f"/admin/campaign/campaign/{campaign.pk}/change/").content.decode()
    assert 'name="hearings-0-speaker_slots"' in html
