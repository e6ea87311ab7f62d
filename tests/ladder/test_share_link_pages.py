"""Where a volunteer finds their share link: the personal action page (in
their language), opened from the sign-up confirmation email; the thanks
page, which knows nobody, shows none."""

import pytest
from django.urls import reverse

from campaign.models import Supporter, SupporterLink
from campaign.tokens import action_page_path, share_link_read, share_token, share_url
from tests import factories
from tests.ladder.conftest import join, person
from tests.public.helpers import confirmation_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(pine_county):
    return pine_county["campaign"]


@pytest.fixture
def rosa(campaign):
    rosa = person("Rosa", "Alvarez")
    join(campaign, rosa, days_ago=5)
    return rosa


def test_the_share_link_is_reused_not_minted_per_view(rosa, campaign, django_assert_num_queries):
    first = share_token(rosa, campaign)

    with django_assert_num_queries(1):
        again = share_token(rosa, campaign)

    assert again == first
    assert SupporterLink.objects.filter(supporter=rosa, purpose="share").count() == 1


def test_each_campaign_has_its_own_share_link(rosa, campaign, pine_county):
    other = factories.CampaignFactory(decision_body=pine_county["body"], slug="other")

    here, there = share_token(rosa, campaign), share_token(rosa, other)

    assert here != there
    assert (share_link_read(here).campaign_id, share_link_read(there).campaign_id) == (
        campaign.pk,
        other.pk,
    )


def test_a_revoked_share_link_reads_as_nothing_and_a_new_one_replaces_it(rosa, campaign):
    old = share_token(rosa, campaign)
    SupporterLink.objects.filter(purpose="share").update(revoked_at="2030-01-01T00:00Z")

    new = share_token(rosa, campaign)

    assert share_link_read(old) is None
    assert new != old
    assert share_link_read(new) == (rosa, campaign.pk)
    assert share_token(rosa, campaign) == new


def test_the_action_page_shows_the_same_personal_link_on_every_visit(client, rosa, campaign):
    page = action_page_path(rosa, campaign)

    first = client.get(page).content.decode()
    second = client.get(page).content.decode()

    token = share_token(rosa, campaign)
    url = f"http://testserver/c/{campaign.slug}/?r={token}"
    assert f'value="{url}"' in first
    assert f'value="{url}"' in second
    assert SupporterLink.objects.filter(supporter=rosa, purpose="share").count() == 1


def test_the_action_page_offers_copy_text_and_email(client, rosa, campaign):
    body = client.get(action_page_path(rosa, campaign)).content.decode()

    token = share_token(rosa, campaign)
    assert 'data-copy-target="share-url-' in body
    assert 'href="sms:?&amp;body=I%20signed%20up%20for%20' in body
    assert f"%3Fr%3D{token}" in body
    assert 'href="mailto:?subject=Alcohol-free%20county%20parks&amp;body=I%20signed' in body


def test_the_action_page_shares_in_spanish(client, rosa, campaign):
    Supporter.objects.filter(pk=rosa.pk).update(language="es")
    campaign.name_es = "Parques sin alcohol"
    campaign.save()

    body = client.get(action_page_path(rosa, campaign)).content.decode()

    assert "Compartir con alguien" in body
    assert "Copiar el enlace" in body
    assert "Me%20inscrib%C3%AD%20en%20%E2%80%9CParques%20sin%20alcohol" in body


def test_a_closed_campaign_offers_no_share_link(client, rosa, campaign):
    campaign.is_public = False
    campaign.save()

    body = client.get(action_page_path(rosa, campaign)).content.decode()

    assert "share-block" not in body
    assert not SupporterLink.objects.filter(purpose="share").exists()


def test_the_share_url_for_messages_is_absolute(rosa, campaign, settings):
    settings.SITE_URL = "https://groundswell.example.org"

    url = share_url(rosa, campaign)

    assert url == (
        f"https://groundswell.example.org/c/{campaign.slug}/?r={share_token(rosa, campaign)}"
    )


def test_the_thanks_page_names_no_share_link(client, campaign, rosa):
    body = client.get(reverse("public:signup_thanks", args=[campaign.slug])).content.decode()

    assert "Your own share link is on your personal page" in body
    assert "?r=" not in body


def test_a_new_supporter_finds_their_share_link_through_the_confirmation_email(client, campaign):
    client.post(
        reverse("public:campaign", args=[campaign.slug]),
        {
            "first_name": "Nina",
            "last_name": "Lopez",
            "email": "nina@example.org",
            "zip_code": "55072",
            "language": "en",
            "website": "",
        },
    )
    nina = Supporter.objects.get(email="nina@example.org")

    body = client.get(confirmation_path(nina)).content.decode()

    token = share_token(nina, campaign)
    assert f"/c/{campaign.slug}/?r={token}" in body
    assert share_link_read(token).supporter == nina
