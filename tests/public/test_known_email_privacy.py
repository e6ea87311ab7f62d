"""Anyone can type a known supporter's email into the public form. Nothing
about that person changes until the address's owner confirms (the emailed
link); the page the confirmation opens lists what that submission pledged,
never the supporter's other pledges; the full page is reached only from the
links sent to the supporter."""

import pytest

from campaign.models import Action, ActionKind, ActionStatus
from campaign.tokens import action_link_read, action_page_path, action_token
from tests import factories
from tests.public.helpers import confirm_path, known_supporter

pytestmark = pytest.mark.django_db


@pytest.fixture
def known(campaign):
    supporter = known_supporter(
        first_name="Ana", last_name="Gómez", email="ana.gomez@example.org", zip_code="55072"
    )
    earlier = factories.ActionFactory(
        supporter=supporter, campaign=campaign, kind=ActionKind.LETTER, outcome_note="Secret note"
    )
    return supporter, earlier


def test_the_confirmation_lands_on_a_page_listing_only_this_submissions_pledges(
    client, form_data, signup_url, known, hearing
):
    # Was: the form itself landed on that page. Now the form lands on the
    # thanks page and the page opens from the emailed confirmation.
    supporter, earlier = known
    thanks = client.post(signup_url, form_data, follow=True).content.decode()
    assert f"/done/{earlier.pk}/" not in thanks
    response = client.post(confirm_path(supporter), follow=True)
    body = response.content.decode()
    new_ids = set(
        Action.objects.filter(supporter=supporter, kind__in=["call", "testify"]).values_list(
            "pk", flat=True
        )
    )
    assert len(new_ids) == 2
    assert f"/done/{earlier.pk}/" not in body
    assert "Secret note" not in body
    for pk in new_ids:
        assert f"/done/{pk}/" in body


def test_an_open_pledge_ticked_again_shows_on_the_confirmed_page(
    client, form_data, signup_url, known, campaign, hearing
):
    supporter, _earlier = known
    call = factories.ActionFactory(supporter=supporter, campaign=campaign, kind=ActionKind.CALL)
    client.post(signup_url, form_data)
    response = client.post(confirm_path(supporter))
    link = action_link_read(response["Location"].split("/")[2])
    assert call.pk in link.pledge_ids
    assert Action.objects.filter(supporter=supporter, kind=ActionKind.CALL).count() == 1


def test_a_pledge_outside_the_links_scope_cannot_be_marked_done(client, known, campaign):
    supporter, earlier = known
    other = factories.ActionFactory(supporter=supporter, campaign=campaign, kind=ActionKind.CALL)
    token = action_token(supporter, campaign, pledges=[other.pk])
    response = client.post(f"/a/{token}/done/{earlier.pk}/", {"note": ""})
    assert response.status_code == 404
    earlier.refresh_from_db()
    assert earlier.status == ActionStatus.PLEDGED


def test_the_emailed_link_still_shows_every_pledge(client, known, campaign):
    supporter, earlier = known
    body = client.get(action_page_path(supporter, campaign)).content.decode()
    assert f"/done/{earlier.pk}/" in body


def test_a_scoped_token_reads_back_its_pledges(known, campaign):
    supporter, earlier = known
    link = action_link_read(action_token(supporter, campaign, pledges=[earlier.pk]))
    assert link == (supporter, campaign.pk, frozenset({earlier.pk}))
