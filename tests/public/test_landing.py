"""The landing page (/): the coalition's public campaigns and a way in for staff."""

import pytest
from django.urls import reverse

from campaign.models import CampaignStatus
from tests import factories


@pytest.fixture
def campaigns(db):
    body = factories.DecisionBodyFactory()
    return {
        "open": factories.CampaignFactory(
            decision_body=body,
            name="Alcohol-free parks",
            name_es="Parques sin alcohol",
            slug="parks",
        ),
        "also_open": factories.CampaignFactory(decision_body=body, name="Safe rides", slug="rides"),
        "private": factories.CampaignFactory(decision_body=body, name="Private", is_public=False),
        "draft": factories.CampaignFactory(
            decision_body=body, name="Draft", status=CampaignStatus.DRAFT
        ),
        "closed": factories.CampaignFactory(
            decision_body=body, name="Closed", status=CampaignStatus.CLOSED
        ),
    }


def test_it_lists_only_public_active_campaigns_newest_first(client, campaigns):
    response = client.get("/")
    assert response.status_code == 200
    assert [item["name"] for item in response.context["campaigns"]] == [
        "Safe rides",
        "Alcohol-free parks",
    ]
    body = response.content.decode()
    assert '<a href="/c/parks/">Alcohol-free parks</a>' in body
    for hidden in ("Private", "Draft", "Closed"):
        assert hidden not in body


def test_it_links_staff_to_the_sign_in_page(client, campaigns):
    body = client.get("/").content.decode()
    assert (
        f'href="{reverse("login")}?next=/dashboard/" id="staff-sign-in">Staff sign in</a>' in body
    )


def test_it_speaks_spanish(client, campaigns):
    client.cookies["django_language"] = "es"
    body = client.get("/").content.decode()
    assert '<a href="/c/parks/">Parques sin alcohol</a>' in body
    assert "Nuestras campañas" in body
    assert "Acceso del personal" in body


def test_with_no_public_campaign_it_says_so(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert (
        "No campaign is open to the public right now. Please come back soon."
        in response.content.decode()
    )


def test_it_takes_one_query_however_many_campaigns(client, campaigns, django_assert_num_queries):
    factories.CampaignFactory.create_batch(5, decision_body=campaigns["open"].decision_body)
    with django_assert_num_queries(1):
        assert len(client.get("/").context["campaigns"]) == 7
