"""Recording a stance from the whip count."""

import pytest

from campaign.models import Position, Stance
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/dashboard/parks-alcohol-ordinance/stance/"


def test_a_new_stance_joins_the_history(client, coordinator, seeded):
    client.force_login(coordinator)
    member = seeded["members"][0]
    response = client.post(
        URL, {"member": member.pk, "position": Position.CHAMPION, "note": "Will sponsor it"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/parks-alcohol-ordinance/#whip"
    history = list(Stance.objects.filter(campaign=seeded["campaign"], member=member))
    assert [s.position for s in history] == ["champion", "undecided", "yes"]
    assert history[0].note == "Will sponsor it" and history[0].recorded_by == coordinator


def test_it_moves_the_vote_count(client, coordinator, seeded):
    client.force_login(coordinator)
    client.post(URL, {"member": seeded["members"][0].pk, "position": Position.YES})
    whip = client.get("/dashboard/parks-alcohol-ordinance/").context["whip"]
    assert whip.secured == 2


def test_a_stance_without_a_note_is_allowed(client, coordinator, seeded):
    client.force_login(coordinator)
    client.post(URL, {"member": seeded["members"][1].pk, "position": Position.NO})
    assert Stance.objects.filter(member=seeded["members"][1], position="no", note="").count() == 1


def test_a_member_of_another_body_is_refused(client, coordinator, seeded):
    stranger = factories.CouncilMemberFactory(name="Elsewhere Person")
    client.force_login(coordinator)
    response = client.post(URL, {"member": stranger.pk, "position": Position.YES}, follow=True)
    assert response.status_code == 200
    assert "does not sit on the body" in response.content.decode()
    assert not Stance.objects.filter(member=stranger).exists()


def test_an_unknown_position_is_refused_with_a_message(client, coordinator, seeded):
    client.force_login(coordinator)
    response = client.post(
        URL, {"member": seeded["members"][0].pk, "position": "maybe"}, follow=True
    )
    assert "The stance was not recorded" in response.content.decode()
    assert Stance.objects.filter(campaign=seeded["campaign"]).count() == 4


def test_an_unknown_campaign_is_a_404(client, coordinator, seeded):
    client.force_login(coordinator)
    response = client.post(
        "/dashboard/nope/stance/", {"member": seeded["members"][0].pk, "position": "yes"}
    )
    assert response.status_code == 404
