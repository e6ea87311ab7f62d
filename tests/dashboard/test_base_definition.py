"""The base of a campaign is defined once (campaign.Membership): everyone who
signed up for it (with or without an ask), was imported into it, or has an
action in it. Every page that shows the base shows the same people."""

import csv
import io

import pytest
from django.utils import timezone

from campaign.models import ActionKind, ActionSource, ActionStatus, Channel, Membership
from campaign.selectors_public import campaign_public_progress
from campaign.services.digest import digest_figures
from campaign.services.intake import (
    PersonInput,
    Trust,
    action_record,
    consent_record,
    supporter_intake,
)
from campaign.services.signup import SignupRequest, signup_submit
from tests import factories

pytestmark = pytest.mark.django_db

SLUG = "parks-alcohol-ordinance"


@pytest.fixture
def three_ways_in(pine_county, coordinator):
    """Three people, each in the base by one of its three ways, all with a phone."""
    campaign = pine_county["campaign"]
    # Signed up on the public page without ticking any ask or consent.
    signed_up = signup_submit(
        request=SignupRequest(
            campaign=campaign,
            person=PersonInput(
                first_name="Sara",
                last_name="Signup",
                email="signup@example.org",
                phone="+16125550301",
                zip_code="55007",
            ),
        )
    ).supporter
    # Imported into the campaign: a membership and nothing else.
    imported = factories.SupporterFactory(
        first_name="Ingrid", last_name="Import", email="import@example.org", phone="+16125550302"
    )
    Membership.objects.create(campaign=campaign, supporter=imported, source=ActionSource.IMPORT)
    # A coordinator logged a call they made; they never signed up.
    caller = supporter_intake(
        person=PersonInput(
            first_name="Carl",
            last_name="Caller",
            email="caller@example.org",
            phone="+16125550303",
            zip_code="55072",
        ),
        trust=Trust.STAFF,
    ).supporter
    action_record(
        supporter=caller,
        campaign=campaign,
        kind=ActionKind.CALL,
        status=ActionStatus.COMPLETED,
        source=ActionSource.PHONE_BANK,
        by=coordinator,
    )
    # A second action and a consent for the same campaign: still one person.
    action_record(
        supporter=caller,
        campaign=campaign,
        kind=ActionKind.LETTER,
        status=ActionStatus.COMPLETED,
        source=ActionSource.PHONE_BANK,
        by=coordinator,
    )
    consent_record(supporter=caller, channel=Channel.EMAIL, source="flyer", campaign=campaign)
    # Someone in another campaign only.
    other = factories.CampaignFactory(decision_body=pine_county["body"], slug="other")
    factories.ActionFactory(
        campaign=other, supporter=factories.SupporterFactory(phone="+16125550304")
    )
    return [signed_up, imported, caller]


EMAILS = ["caller@example.org", "import@example.org", "signup@example.org"]


def test_the_dashboard_counts_each_way_in_once(client, coordinator, three_ways_in):
    client.force_login(coordinator)
    response = client.get(f"/dashboard/{SLUG}/")
    base = response.context["base"]
    assert base["total"] == 3
    assert "was imported into it, or has an action in it, each counted once" in (
        response.content.decode()
    )
    assert sum(row["n"] for row in base["weekly"]) == 3
    overview = {c.slug: c for c in client.get("/dashboard/").context["campaigns"]}
    assert overview[SLUG].supporter_count == 3


def test_the_call_list_has_each_way_in_once(client, coordinator, three_ways_in):
    client.force_login(coordinator)
    response = client.get(f"/dashboard/{SLUG}/call-list/")
    assert sorted(s.email for s in response.context["supporters"]) == EMAILS
    assert response.context["total"] == 3


def test_the_supporters_export_has_each_way_in_once(client, coordinator, three_ways_in):
    client.force_login(coordinator)
    response = client.get(f"/dashboard/{SLUG}/export/supporters.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(row["email"] for row in rows) == EMAILS
    assert {row["email"]: row["joined_through"] for row in rows}["import@example.org"] == "import"


def test_the_digest_counts_each_way_in_once(pine_county, three_ways_in):
    figures = digest_figures(now=timezone.now())
    [campaign] = [c for c in figures["campaigns"] if c["name"] == pine_county["campaign"].name]
    assert campaign["new_supporters"] == 3


def test_the_public_page_counts_each_way_in_once(pine_county, three_ways_in):
    campaign = pine_county["campaign"]
    campaign.public_counts_from = 3  # the threshold counts the same base
    assert campaign_public_progress(campaign=campaign).supporters == 3


def test_the_date_range_keeps_those_who_joined_inside_it(client, coordinator, three_ways_in):
    long_ago = timezone.now() - timezone.timedelta(days=40)
    Membership.objects.filter(supporter=three_ways_in[1]).update(joined_at=long_ago)
    today = timezone.localdate()
    query = f"?from={(today - timezone.timedelta(days=7)).isoformat()}&to={today.isoformat()}"
    client.force_login(coordinator)
    assert client.get(f"/dashboard/{SLUG}/{query}").context["base"]["total"] == 2


def test_the_admins_campaign_filter_lists_the_base(client, coordinator, three_ways_in, pine_county):
    client.force_login(coordinator)
    response = client.get(
        f"/admin/campaign/supporter/?memberships__campaign__id__exact={pine_county['campaign'].pk}"
    )
    assert sorted(s.email for s in response.context["cl"].result_list) == EMAILS
