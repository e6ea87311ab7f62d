"""What the sign-up reads on every request is cached (campaign.public_cache),
and a coordinator's change shows on the very next request: the campaign,
its hearings, the districts a ZIP lies in and who holds their seats."""

from unittest import mock

import pytest
from django.core.cache import cache

from campaign import public_cache
from campaign.models import (
    Action,
    ActionKind,
    CampaignStatus,
    DistrictZip,
    SignupSubmission,
    Supporter,
)
from campaign.services import intake
from campaign.services.signup import signup_submit
from tests import factories
from tests.public.helpers import known_supporter, signup_request

pytestmark = pytest.mark.django_db


def _signup(client, signup_url, form_data, email: str, **fields):
    data = {**form_data, "asks": [ActionKind.CALL], "email": email, **fields}
    return client.post(signup_url, data)


def test_a_closed_campaign_is_gone_from_the_next_request(client, campaign, signup_url):
    assert client.get(signup_url).status_code == 200
    campaign.status = CampaignStatus.CLOSED
    campaign.save()
    assert client.get(signup_url).status_code == 404


def test_a_hearing_added_is_offered_on_the_next_request(client, campaign, signup_url):
    assert b"Second reading" not in client.get(signup_url).content
    factories.HearingFactory(campaign=campaign, title="Second reading")
    assert b"Second reading" in client.get(signup_url).content


def test_a_zip_moved_to_another_district_places_the_next_signup_there(
    client, campaign, pine_county, signup_url, form_data
):
    d2, d3 = pine_county["districts"][1], pine_county["districts"][2]
    assert _signup(client, signup_url, form_data, "first@example.org").status_code == 302
    assert Supporter.objects.get(email="first@example.org").district == d3
    # Redistricting: 55072 now lies in district 2.
    DistrictZip.objects.get(zip_code="55072").delete()
    DistrictZip.objects.create(district=d2, zip_code="55072")
    assert _signup(client, signup_url, form_data, "second@example.org").status_code == 302
    second = Supporter.objects.get(email="second@example.org")
    assert second.district == d2
    assert Action.objects.get(supporter=second).target == pine_county["members"][1]


def test_a_new_seat_holder_is_the_next_pledges_target(
    client, campaign, pine_county, signup_url, form_data
):
    _signup(client, signup_url, form_data, "first@example.org")
    first = Supporter.objects.get(email="first@example.org")
    assert Action.objects.get(supporter=first).target == pine_county["members"][2]
    member = pine_county["members"][2]
    member.active = False
    member.save()
    successor = factories.CouncilMemberFactory(
        body=pine_county["body"], district=pine_county["districts"][2], name="Successor"
    )
    _signup(client, signup_url, form_data, "second@example.org")
    second = Supporter.objects.get(email="second@example.org")
    assert Action.objects.get(supporter=second).target == successor


def test_a_change_made_stale_by_its_commit_is_read_again(django_capture_on_commit_callbacks):
    loads = []

    def load():
        loads.append(1)
        return len(loads)

    assert public_cache.cached("public-cache:test", load) == 1
    assert public_cache.cached("public-cache:test", load) == 1
    # A reader between the change and its commit may store what it read
    # under a new token: the commit replaces the token again.
    with django_capture_on_commit_callbacks(execute=True):
        public_cache.public_data_changed()
        assert public_cache.cached("public-cache:test", load) == 2
    assert public_cache.cached("public-cache:test", load) == 3
    assert public_cache.cached("public-cache:test", load) == 3


def test_a_slug_nobody_has_is_not_kept(client, campaign):
    assert client.get("/c/no-such-campaign/").status_code == 404
    assert cache.get("public-cache:campaign:no-such-campaign") is None


def test_a_phone_taken_meanwhile_is_left_out_on_the_second_try(campaign, pine_county):
    holder = known_supporter(email="holder@example.org", phone="+16125550177")
    real_load = intake.identities_load
    calls = []

    def misses_the_holder_once(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            # The holder's row was written after this read (another sign-up).
            return intake.IdentityIndex({}, {})
        return real_load(**kwargs)

    with mock.patch.object(intake, "identities_load", side_effect=misses_the_holder_once):
        result = signup_submit(request=signup_request(campaign, phone="612-555-0177"))
    # The first INSERT hit the phone's unique index (no row, nobody with the
    # email): the whole sign-up was tried again, and the phone left out.
    assert len(calls) == 2
    assert result.created
    assert (result.supporter.email, result.supporter.phone) == ("ana.gomez@example.org", None)
    assert Supporter.objects.get(pk=holder.pk).phone == "+16125550177"
    assert not SignupSubmission.objects.exists()


def test_a_twins_second_submission_finds_the_first_and_holds_nothing(campaign, pine_county):
    first = signup_submit(request=signup_request(campaign))
    second = signup_submit(request=signup_request(campaign))
    assert first.created and second.held
    assert Supporter.objects.filter(email="ana.gomez@example.org").count() == 1
    # Within the double-click window: no "please confirm" for their own click.
    assert not first.supporter.pending_signups.exclude(payload__confirms_address=True).exists()
