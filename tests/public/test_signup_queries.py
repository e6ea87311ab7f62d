"""The sign-up POST and its confirmation stay cheap: a fixed number of
queries whatever the size of the list (issue 7's surge benchmark), with the
intake rules intact on every path."""

from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaign.models import (
    Action,
    ActionKind,
    ActionStatus,
    ConsentEvent,
    Message,
    MessageKind,
    PendingSignup,
    Supporter,
)
from campaign.services import signup
from campaign.services.intake import member_for_supporter
from campaign.services.signup import signup_confirm, signup_confirm_link, signup_submit
from tests import factories
from tests.public.helpers import confirm_path, known_supporter, signup_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_pledges(form_data):
    return {**form_data, "asks": [ActionKind.CALL, ActionKind.LETTER]}


def _crowd(campaign, pine_county, size: int) -> None:
    """Others on the list with pledges and held sign-ups: none of it may cost a query."""
    # The audit trail's content types are cached once per process (warm in
    # production), whatever test ran before in this one.
    ContentType.objects.get_for_models(Supporter, ConsentEvent, Action, PendingSignup)
    for _ in range(size):
        other = known_supporter(district=pine_county["districts"][2], zip_code="55072")
        factories.ActionFactory(supporter=other, campaign=campaign, kind=ActionKind.CALL)
        PendingSignup.objects.create(
            campaign=campaign, supporter=other, payload={}, token_hash=f"x{other.pk:063d}"
        )


def _warm(client, signup_url, data) -> None:
    """A first sign-up: the campaign, its hearings and its ZIP's districts
    are cached from then on (campaign.public_cache), as for every sign-up of
    a surge but its first."""
    assert client.post(signup_url, {**data, "email": "first@example.org"}).status_code == 302


@pytest.mark.parametrize("crowd", [0, 25])
def test_a_new_supporters_signup_with_two_pledges_takes_ten_queries(
    client, campaign, pine_county, signup_url, two_pledges, crowd, django_assert_num_queries
):
    _crowd(campaign, pine_county, crowd)
    _warm(client, signup_url, two_pledges)
    # Answering (the same for a known email): the received sign-up INSERT.
    # Applying it once the answer has gone (9, of which the savepoint and its
    # release are the transaction's BEGIN and COMMIT outside a test):
    # 1  savepoint
    # 1  the received row DELETEd (claimed; PostgreSQL: asynchronous commit)
    # 1  the supporter INSERT ... ON CONFLICT DO NOTHING (the dedupe)
    # 1  an erasure's suppression of the address lifted (DELETE): they sign
    #    up anew themselves (services.privacy)
    # 1  the membership INSERT (double opt-in: no consent yet)
    # 1  the pledges (one INSERT whatever their number)
    # 1  the confirmation (INSERT)
    # 1  the sign-up held for the address's confirmation (INSERT)
    # 1  release
    # (After the commit, outside a test: the audit trail's entry INSERT.)
    with django_assert_num_queries(10):
        response = client.post(signup_url, two_pledges)
    assert response.status_code == 302
    supporter = Supporter.objects.get(email="ana.gomez@example.org")
    assert sorted(supporter.actions.values_list("kind", flat=True)) == ["call", "letter"]
    assert supporter.memberships.get().campaign == campaign
    # Double opt-in (tests/optin): the consent and the follow-ups wait for
    # the confirmation's link; the confirmation alone is queued.
    assert ConsentEvent.objects.filter(supporter=supporter).count() == 0
    assert list(supporter.messages.values_list("kind", flat=True)) == [
        MessageKind.SIGNUP_CONFIRMATION
    ]


def test_the_first_signup_reads_the_campaign_its_hearings_and_the_zip_once(
    client, campaign, pine_county, signup_url, two_pledges, django_assert_num_queries
):
    # The ten above, plus the campaign, its upcoming hearings and the ZIP's
    # districts of the body with their seat holders (one query).
    with django_assert_num_queries(13):
        assert client.post(signup_url, two_pledges).status_code == 302
    with django_assert_num_queries(10):
        assert client.post(signup_url, {**two_pledges, "email": "b@example.org"}).status_code == 302


@pytest.mark.parametrize("crowd", [0, 25])
def test_a_known_emails_signup_takes_nine_queries_and_changes_nothing(
    client, campaign, pine_county, signup_url, two_pledges, crowd, django_assert_num_queries
):
    # Was: a returning supporter's sign-up updated them and added the pledges
    # in at most 13 queries. Now it is held until their mailbox confirms.
    _crowd(campaign, pine_county, crowd)
    _warm(client, signup_url, two_pledges)
    known = known_supporter(email="ana.gomez@example.org", district=pine_county["districts"][2])
    # Answering, as for a new email: the received sign-up INSERT. Applying
    # it: savepoint, the received row DELETEd, the supporter INSERT (which
    # does nothing: the email is taken), the supporter by email (locked),
    # their older held sign-up it would replace (locked), PendingSignup
    # INSERT, confirmation request INSERT, release.
    with django_assert_num_queries(9):
        response = client.post(signup_url, two_pledges)
    assert response.status_code == 302
    assert Supporter.objects.filter(email="ana.gomez@example.org").count() == 1
    assert not known.actions.exists()
    assert known.messages.get().kind == MessageKind.SIGNUP_CONFIRM_REQUEST
    # A second one the same day replaces the held one in place (an UPDATE
    # for its INSERT), and its confirmation request is the same day's.
    with django_assert_num_queries(9):
        response = client.post(signup_url, {**two_pledges, "first_name": "Anita"})
    held = PendingSignup.objects.get(supporter=known)
    assert held.payload["first_name"] == "Anita"
    assert known.messages.count() == 1  # one email a day


@pytest.mark.parametrize("crowd", [0, 25])
def test_confirming_a_held_signup_with_two_pledges_takes_nineteen_queries(
    client, campaign, pine_county, signup_url, two_pledges, crowd, django_assert_num_queries
):
    _crowd(campaign, pine_county, crowd)
    known = known_supporter(email="ana.gomez@example.org", district=pine_county["districts"][2])
    client.post(signup_url, two_pledges)
    path = confirm_path(known)
    # 1  the held sign-up with its supporter (the view's check; the
    #    campaign is cached)
    # 10 savepoint, the held sign-up again (locked), its UPDATE, the
    #    supporter (locked), holders of the email or phone, supporter
    #    UPDATE, non-constituent tag DELETE, membership INSERT, consent
    #    UPDATE and ledger INSERT (the ZIP's districts are cached)
    # 5  their open pledges of the kinds asked, savepoint, the pledges (one
    #    INSERT), their membership, release
    # 2  the confirmation and follow-ups (one INSERT), release
    # 1  the link to the page it opens (SupporterLink INSERT)
    with django_assert_num_queries(19):
        response = client.post(path)
    assert response.status_code == 302
    assert sorted(known.actions.values_list("kind", flat=True)) == ["call", "letter"]


def test_hearing_pledges_read_the_hearings_once(
    client, campaign, hearing, signup_url, form_data, settings
):
    # Single opt-in, so the reminders are written at sign-up.
    settings.EMAIL_DOUBLE_OPT_IN = False
    data = {
        **form_data,
        "asks": [ActionKind.TESTIMONY_IN_PERSON, ActionKind.ATTEND_HEARING],
        "hearing": hearing.pk,
    }
    with CaptureQueriesContext(connection) as queries:
        assert client.post(signup_url, data).status_code == 302
    # The page's list of upcoming hearings (the choice is checked against
    # it, and the pledges' reminders use the one chosen, with no read back),
    # and its id locked while the speaker's place in the queue is chosen
    # (services.hearing_night).
    hearing_reads = [q for q in queries if 'FROM "campaign_hearing"' in q["sql"]]
    assert len(hearing_reads) == 2
    assert set(Action.objects.values_list("hearing", flat=True)) == {hearing.pk}
    assert set(Message.objects.exclude(hearing=None).values_list("hearing", flat=True)) == {
        hearing.pk
    }


def test_a_pledge_recorded_meanwhile_is_not_duplicated_by_the_confirmation(campaign):
    supporter = known_supporter(email="ana.gomez@example.org")
    signup_submit(request=signup_request(campaign, asks=[ActionKind.CALL, ActionKind.LETTER]))
    # Meanwhile a coordinator logs the call pledge, and the confirmation's
    # open-pledge read misses it: the INSERT hits the one-open-pledge
    # constraint and the pledge recorded meanwhile is returned.
    call = factories.ActionFactory(supporter=supporter, campaign=campaign, kind=ActionKind.CALL)
    missed = []

    def misses_the_call(**kwargs):
        missed.append(1)
        return {}

    token = signup_confirm_link(supporter=supporter, campaign=campaign)
    with mock.patch.object(signup, "open_pledges_by_kind", side_effect=misses_the_call):
        result = signup_confirm(campaign=campaign, token=token)
    assert missed == [1]
    pledged = Action.objects.filter(status=ActionStatus.PLEDGED)
    assert sorted(pledged.values_list("kind", flat=True)) == ["call", "letter"]
    assert pledged.get(kind=ActionKind.CALL) == call
    assert sorted(a.kind for a in result.pledges) == ["call", "letter"]


def test_the_target_is_the_seats_active_member_that_member_for_supporter_picks(
    campaign, pine_county
):
    district3 = pine_county["districts"][2]
    pine_county["members"][2].delete()
    factories.CouncilMemberFactory(body=pine_county["body"], district=district3, name="Zed")
    factories.CouncilMemberFactory(
        body=pine_county["body"], district=district3, name="Abe", active=False
    )
    bea = factories.CouncilMemberFactory(body=pine_county["body"], district=district3, name="Bea")
    result = signup_submit(
        request=signup_request(
            campaign, first_name="Ana", email="ana@example.org", zip_code="55072", asks=["call"]
        )
    )
    assert member_for_supporter(supporter=result.supporter, campaign=campaign) == bea
    assert Action.objects.get().target == bea


def test_a_known_district_of_the_body_that_does_not_cover_the_new_zip_is_cleared_on_confirming(
    campaign, pine_county
):
    known = known_supporter(
        email="ana@example.org", zip_code="55072", district=pine_county["districts"][2]
    )
    # 55063 is shared by districts 1 and 2: the district is unknown, not district 3.
    signup_submit(
        request=signup_request(campaign, email="ana@example.org", zip_code="55063", asks=["call"])
    )
    known.refresh_from_db()
    assert known.district == pine_county["districts"][2]  # held: nothing changed yet
    token = signup_confirm_link(supporter=known, campaign=campaign)
    signup_confirm(campaign=campaign, token=token)
    known.refresh_from_db()
    assert (known.zip_code, known.district) == ("55063", None)
    assert Action.objects.get().target is None


def test_the_answer_runs_the_same_statements_for_a_known_and_a_new_email(
    client, campaign, pine_county, signup_url, two_pledges
):
    """Everything that differs between a known and a new email happens after
    the answer has gone (RedirectThenApply.close), so its timing tells
    nothing either."""
    known_supporter(email="known@example.org", district=pine_county["districts"][2])
    client.get(signup_url)  # the campaign and its hearings cached, for both
    shapes = {}
    with mock.patch("campaign.views.public.signup_process") as apply_later:
        for email in ("known@example.org", "new@example.org"):
            with CaptureQueriesContext(connection) as queries:
                response = client.post(signup_url, {**two_pledges, "email": email})
            assert response.status_code == 302
            shapes[email] = [" ".join(q["sql"].split()[:4]) for q in queries]
    assert shapes["known@example.org"] == shapes["new@example.org"]
    assert len(shapes["new@example.org"]) == 1
    assert apply_later.call_count == 2


def test_a_signup_received_but_never_applied_is_applied_by_the_sweep(campaign, form_data):
    from django.utils import timezone

    from campaign.models import SignupSubmission
    from campaign.services.signup import signup_receive, signups_process_received

    submission = signup_receive(request=signup_request(campaign))
    # The web process died right after answering: nothing was applied.
    assert not Supporter.objects.exists()
    assert signups_process_received() == 0  # too fresh: its own process may still apply it
    SignupSubmission.objects.filter(pk=submission.pk).update(
        received_at=timezone.now() - timezone.timedelta(minutes=1)
    )
    assert signups_process_received() == 1
    assert Supporter.objects.get().email == "ana.gomez@example.org"
    assert signups_process_received() == 0  # applied once
