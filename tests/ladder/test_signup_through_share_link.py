"""A sign-up through a share link (/c/<slug>/?r=<token>) credits the link's
owner on the new membership only; anything else about the link changes
nothing and shows nothing.

Personas: Rosa shares her link. Nina is new to the list. Bo is on the list
and already in the campaign's base. Cy is on the list, in another campaign
only. Dana follows her own link."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from campaign.models import Membership, PendingSignup, SupporterLink
from campaign.tokens import share_token
from tests import factories
from tests.ladder.conftest import join, person
from tests.public.helpers import confirm_path, known_supporter

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(pine_county):
    return pine_county["campaign"]


@pytest.fixture
def signup_url(campaign):
    return reverse("public:campaign", args=[campaign.slug])


@pytest.fixture
def rosa(campaign):
    rosa = person("Rosa", "Alvarez")
    join(campaign, rosa, days_ago=5)
    return rosa


@pytest.fixture
def ref(rosa, campaign):
    return share_token(rosa, campaign)


def form(email: str, ref: str = "", **extra) -> dict:
    return {
        "first_name": "Nina",
        "last_name": "Lopez",
        "email": email,
        "phone": "",
        "zip_code": "55072",
        "language": "es",
        "sector": "",
        "website": "",
        "ref": ref,
        **extra,
    }


def base_rows(campaign) -> list[tuple[str, str | None]]:
    return list(
        Membership.objects.filter(campaign=campaign)
        .order_by("supporter__email")
        .values_list("supporter__email", "recruited_by__email")
    )


def test_the_campaign_page_carries_the_ref_in_a_hidden_field(client, signup_url, ref):
    body = client.get(signup_url, {"r": ref}).content.decode()

    assert body.count('name="ref"') == 1
    assert f'<input type="hidden" name="ref" value="{ref}" id="id_ref">' in body


def test_a_ref_that_is_not_a_token_is_not_carried(client, signup_url):
    body = client.get(signup_url, {"r": '"><script>alert(1)</script>'}).content.decode()

    assert '<input type="hidden" name="ref" id="id_ref">' in body
    assert "<script>alert(1)" not in body


def test_a_new_supporter_signing_up_through_the_link_is_credited_to_its_owner(
    client, signup_url, ref, campaign
):
    page = client.get(signup_url, {"r": ref}).content.decode()
    carried = re.search(r'name="ref" value="([\w-]+)"', page).group(1)

    client.post(signup_url, form("nina@example.org", carried))

    assert base_rows(campaign) == [
        ("nina@example.org", "rosa@example.org"),
        ("rosa@example.org", None),
    ]


def test_a_known_email_already_in_the_base_keeps_its_membership(client, signup_url, ref, campaign):
    bo = known_supporter(first_name="Bo", email="bo@example.org", zip_code="55072")
    join(campaign, bo, days_ago=30)
    before = Membership.objects.get(supporter=bo, campaign=campaign)

    client.post(signup_url, form("bo@example.org", ref))
    client.post(confirm_path(bo))

    after = Membership.objects.get(supporter=bo, campaign=campaign)
    assert (after.pk, after.recruited_by_id, after.joined_at, after.source) == (
        before.pk,
        None,
        before.joined_at,
        "public_form",
    )
    assert base_rows(campaign) == [("bo@example.org", None), ("rosa@example.org", None)]


def test_a_held_sign_up_keeps_the_ref_and_credits_it_when_confirmed(
    client, signup_url, ref, campaign, pine_county
):
    other = factories.CampaignFactory(decision_body=pine_county["body"], slug="other-campaign")
    cy = known_supporter(first_name="Cy", email="cy@example.org", zip_code="55072")
    join(other, cy, days_ago=30)

    client.post(signup_url, form("cy@example.org", ref))

    assert PendingSignup.objects.get(supporter=cy).payload["ref"] == ref
    assert base_rows(campaign) == [("rosa@example.org", None)]

    client.post(confirm_path(cy))

    assert base_rows(campaign) == [
        ("cy@example.org", "rosa@example.org"),
        ("rosa@example.org", None),
    ]
    # Joining this campaign leaves the other one's membership as it was.
    assert base_rows(other) == [("cy@example.org", None)]


def test_following_ones_own_link_credits_nobody(client, signup_url, campaign):
    dana = known_supporter(first_name="Dana", email="dana@example.org", zip_code="55072")
    own = share_token(dana, campaign)

    client.post(signup_url, form("dana@example.org", own))
    client.post(confirm_path(dana))

    assert base_rows(campaign) == [("dana@example.org", None)]


def _revoked(rosa, campaign) -> str:
    token = share_token(rosa, campaign)
    SupporterLink.objects.filter(supporter=rosa, purpose="share").update(revoked_at=timezone.now())
    return token


def _other_campaigns(rosa, campaign) -> str:
    other = factories.CampaignFactory(decision_body=campaign.decision_body, slug="other")
    return share_token(rosa, other)


@pytest.mark.parametrize(
    "bad_ref",
    [
        lambda rosa, campaign: "",
        lambda rosa, campaign: "A" * 43,  # token-shaped, unknown
        lambda rosa, campaign: "not a token at all",
        _revoked,
        _other_campaigns,
    ],
    ids=["none", "unknown", "garbage", "revoked", "other-campaign"],
)
def test_a_bad_ref_is_ignored_with_the_same_answer_as_a_good_one(
    client, signup_url, rosa, campaign, bad_ref
):
    good = client.post(signup_url, form("nina@example.org", share_token(rosa, campaign)))

    bad = client.post(signup_url, form("omar@example.org", bad_ref(rosa, campaign)))

    assert (bad.status_code, bad["Location"], bad.content) == (
        good.status_code,
        good["Location"],
        good.content,
    )
    assert base_rows(campaign) == [
        ("nina@example.org", "rosa@example.org"),
        ("omar@example.org", None),
        ("rosa@example.org", None),
    ]
