"""campaign.tokens: opaque, revocable personal links (/a/ and /u/).

Personas: Ana holds her own links; Ben is another supporter, whose links must
not notice anything done to Ana's."""

import base64
import datetime as dt
import hashlib
import secrets

import pytest
import time_machine
from django.core import signing
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaign.models import ActionKind, ActionStatus, SupporterLink
from campaign.tokens import (
    action_link_read,
    action_page_url,
    action_token,
    action_token_read,
    links_batch,
    supporter_action_links_active,
    supporter_links_revoke,
    unsubscribe_token,
    unsubscribe_token_read,
)
from tests import factories

pytestmark = pytest.mark.django_db

MINTED = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def ana(pine_county):
    return factories.SupporterFactory(
        first_name="Ana", email="ana.gomez@example.org", district=pine_county["districts"][2]
    )


@pytest.fixture
def ben(pine_county):
    return factories.SupporterFactory(first_name="Ben", district=pine_county["districts"][2])


@pytest.fixture
def pledge(ana, campaign):
    return factories.ActionFactory(supporter=ana, campaign=campaign, kind=ActionKind.CALL)


def _b64(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


# What a token says
# ------------------------------------------------------------------------------
def test_an_action_token_reads_back_its_supporter_and_campaign(ana, campaign):
    assert action_token_read(action_token(ana, campaign)) == (ana, campaign.pk)
    assert action_token_read(action_token(ana)) == (ana, None)


def test_a_token_is_32_random_bytes_and_carries_no_id(pine_county):
    # Ids far from the other rows' so a match could not be a coincidence.
    supporter = factories.SupporterFactory(pk=987654, email="rosa.perez@example.org")
    campaign = factories.CampaignFactory(pk=424242, decision_body=pine_county["body"])
    pledge = factories.ActionFactory(pk=135791, supporter=supporter, campaign=campaign)
    tokens = [
        action_token(supporter),
        action_token(supporter, campaign),
        action_token(supporter, campaign, pledges=[pledge.pk]),
        unsubscribe_token(supporter),
    ]
    for token in tokens:
        raw = _b64(token)
        assert len(token) == 43 and len(raw) == 32
        readable = raw.decode("latin-1")
        for secret in ("987654", "424242", "135791", "rosa.perez", "example.org", campaign.slug):
            assert secret not in token and secret not in readable
        for number in (987654, 424242, 135791):
            for size in (4, 8):
                for order in ("big", "little"):
                    assert number.to_bytes(size, order) not in raw
    assert len(set(tokens)) == len(tokens)


def test_two_tokens_for_the_same_supporter_and_campaign_differ(ana, campaign):
    assert action_token(ana, campaign) != action_token(ana, campaign)
    assert unsubscribe_token(ana) != unsubscribe_token(ana)


def test_the_database_holds_only_the_tokens_hash(ana, campaign, pledge):
    tokens = [action_token(ana, campaign, pledges=[pledge.pk]), unsubscribe_token(ana)]
    rows = list(SupporterLink.objects.values())
    assert len(rows) == 2
    for token in tokens:
        assert any(row["token_hash"] == hashlib.sha256(token.encode()).hexdigest() for row in rows)
        for row in rows:
            assert all(token not in str(value) for value in row.values())


def test_a_scoped_link_stores_and_reads_back_its_pledges(ana, campaign, pledge):
    link = action_link_read(action_token(ana, campaign, pledges=[pledge.pk]))
    assert link == (ana, campaign.pk, frozenset({pledge.pk}))
    assert SupporterLink.objects.get().action_ids == [pledge.pk]


def test_reading_a_token_is_one_query_and_a_malformed_one_none(
    ana, campaign, django_assert_num_queries
):
    token = action_token(ana, campaign)
    with django_assert_num_queries(1):
        link = action_link_read(token)
        # The supporter came with the link.
        assert link.supporter.first_name == "Ana"
    with django_assert_num_queries(0):
        assert action_link_read("short") is None
        assert action_link_read(token + "A") is None
        assert action_link_read(token[:-1] + "!") is None


@override_settings(SITE_URL="https://groundswell.example.org")
def test_action_page_url_is_absolute(ana, campaign):
    url = action_page_url(ana, campaign)
    assert url.startswith("https://groundswell.example.org/a/")
    assert url.endswith("/")


# Which tokens open nothing: the page, its calendar file and "I did it"
# ------------------------------------------------------------------------------
def _requests(token, hearing, pledge):
    return [
        ("get", reverse("public:action_page", args=[token])),
        ("get", reverse("public:action_hearing_ics", args=[token, hearing.pk])),
        ("post", reverse("public:action_done", args=[token, pledge.pk])),
    ]


def _statuses(client, token, hearing, pledge):
    requests = _requests(token, hearing, pledge)
    return [getattr(client, method)(url).status_code for method, url in requests]


def _tampered(token: str) -> str:
    return token[:10] + ("A" if token[10] != "A" else "B") + token[11:]


def test_a_live_link_opens_the_page_the_calendar_file_and_i_did_it(
    client, ana, campaign, hearing, pledge
):
    # The control for the tests below: with this token everything answers.
    assert _statuses(client, action_token(ana, campaign), hearing, pledge) == [200, 200, 302]


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda token: _tampered(token), id="one-character-changed"),
        pytest.param(lambda token: secrets.token_urlsafe(32), id="unknown"),
        pytest.param(lambda token: token[:20], id="truncated"),
        pytest.param(lambda token: "nonsense", id="malformed"),
        pytest.param(lambda token: token + ":" + token, id="with-a-colon"),
    ],
)
def test_a_tampered_unknown_or_malformed_token_is_not_found(
    client, ana, campaign, hearing, pledge, make_token
):
    token = make_token(action_token(ana, campaign))
    assert _statuses(client, token, hearing, pledge) == [404, 404, 404]
    pledge.refresh_from_db()
    assert pledge.status == ActionStatus.PLEDGED


def test_a_link_works_until_it_is_max_age_days_old(
    client, settings, ana, campaign, hearing, pledge
):
    settings.PUBLIC_TOKEN_MAX_AGE_DAYS = 365
    with time_machine.travel(MINTED, tick=False):
        token = action_token(ana, campaign)
    with time_machine.travel(MINTED + dt.timedelta(days=365, minutes=-1), tick=False):
        assert client.get(reverse("public:action_page", args=[token])).status_code == 200
    with time_machine.travel(MINTED + dt.timedelta(days=365, seconds=1), tick=False):
        assert _statuses(client, token, hearing, pledge) == [404, 404, 404]
    pledge.refresh_from_db()
    assert pledge.status == ActionStatus.PLEDGED


def test_a_revoked_link_is_not_found(client, ana, campaign, hearing, pledge):
    token = action_token(ana, campaign)
    assert supporter_links_revoke(supporter=ana) == 1
    assert _statuses(client, token, hearing, pledge) == [404, 404, 404]
    pledge.refresh_from_db()
    assert pledge.status == ActionStatus.PLEDGED


def test_a_signed_link_of_the_old_scheme_no_longer_opens_the_page(client, ana, campaign):
    old = signing.dumps(
        {"s": ana.pk, "c": campaign.pk}, salt="groundswell.public.action-page", compress=False
    )
    assert action_link_read(old) is None
    assert client.get(reverse("public:action_page", args=[old])).status_code == 404


# Revocation
# ------------------------------------------------------------------------------
def test_revoking_affects_only_that_supporter(client, ana, ben, campaign):
    anas = [action_token(ana, campaign), action_token(ana)]
    bens = action_token(ben, campaign)
    assert supporter_links_revoke(supporter=ana) == 2
    for token in anas:
        assert client.get(reverse("public:action_page", args=[token])).status_code == 404
    assert client.get(reverse("public:action_page", args=[bens])).status_code == 200
    assert supporter_action_links_active(supporter=ben).count() == 1
    # Revoking again finds nothing left to revoke.
    assert supporter_links_revoke(supporter=ana) == 0


def test_a_link_minted_after_a_revocation_works(client, ana, campaign):
    supporter_links_revoke(supporter=ana)
    token = action_token(ana, campaign)
    assert client.get(reverse("public:action_page", args=[token])).status_code == 200


def test_revoking_leaves_unsubscribe_links_working(ana):
    # The rule: an unsubscribe link in an old email still takes Ana off the
    # list after her personal links were revoked.
    token = unsubscribe_token(ana)
    supporter_links_revoke(supporter=ana)
    url = reverse("public:unsubscribe", args=[token])
    mail_client = Client(enforce_csrf_checks=True)
    assert mail_client.get(url).status_code == 200
    response = mail_client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    ana.refresh_from_db()
    assert ana.unsubscribed_at is not None


# Unsubscribe links
# ------------------------------------------------------------------------------
def test_an_unsubscribe_link_works_for_at_least_30_days(client, settings, ana):
    settings.PUBLIC_TOKEN_MAX_AGE_DAYS = 365
    with time_machine.travel(MINTED, tick=False):
        token = unsubscribe_token(ana)
    with time_machine.travel(MINTED + dt.timedelta(days=31), tick=False):
        assert unsubscribe_token_read(token) == ana
    with time_machine.travel(MINTED + dt.timedelta(days=366), tick=False):
        assert unsubscribe_token_read(token) is None
        assert client.post(reverse("public:unsubscribe", args=[token])).status_code == 404
    ana.refresh_from_db()
    assert ana.unsubscribed_at is None


def test_the_tokens_of_one_purpose_do_not_open_the_other(ana, campaign):
    assert unsubscribe_token_read(action_token(ana, campaign)) is None
    assert action_link_read(unsubscribe_token(ana)) is None


def test_an_unsubscribe_link_of_the_old_scheme_still_unsubscribes(client, ana):
    # Emails sent before the upgrade carry signed links; leaving must still work.
    old = signing.dumps({"s": ana.pk}, salt="groundswell.public.unsubscribe", compress=False)
    assert unsubscribe_token_read(old) == ana
    assert client.post(reverse("public:unsubscribe", args=[old])).status_code == 200
    ana.refresh_from_db()
    assert ana.unsubscribed_at is not None


def test_an_old_scheme_unsubscribe_link_expires_and_must_be_signed_with_our_key(
    settings, ana, campaign
):
    settings.PUBLIC_TOKEN_MAX_AGE_DAYS = 365
    salt = "groundswell.public.unsubscribe"
    with override_settings(SECRET_KEY="another-secret-key-entirely-0123456789-abcdefghij"):
        forged = signing.dumps({"s": ana.pk}, salt=salt, compress=False)
    assert unsubscribe_token_read(forged) is None
    with time_machine.travel(MINTED, tick=False):
        old = signing.dumps({"s": ana.pk}, salt=salt, compress=False)
    with time_machine.travel(MINTED + dt.timedelta(days=366), tick=False):
        assert unsubscribe_token_read(old) is None
    # An old action-page token is not an unsubscribe token either.
    action = signing.dumps({"s": ana.pk}, salt="groundswell.public.action-page", compress=False)
    assert unsubscribe_token_read(action) is None


# Minting in bulk (a chunk of outgoing messages)
# ------------------------------------------------------------------------------
def test_links_minted_in_a_batch_are_inserted_with_one_query(ana, ben, campaign):
    with CaptureQueriesContext(connection) as queries, links_batch():
        tokens = [action_token(ana, campaign), unsubscribe_token(ana), action_token(ben)]
        with links_batch():  # a nested block joins the outer one
            tokens.append(unsubscribe_token(ben))
        assert SupporterLink.objects.count() == 0
    inserts = [q for q in queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    assert action_token_read(tokens[0]) == (ana, campaign.pk)
    assert unsubscribe_token_read(tokens[3]) == ben


def test_a_batch_that_raises_inserts_nothing(ana):
    with pytest.raises(RuntimeError), links_batch():
        unsubscribe_token(ana)
        raise RuntimeError("render failed")
    assert SupporterLink.objects.count() == 0
