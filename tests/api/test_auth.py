"""Keys, scopes and limits: who may call the API, and what is recorded."""

import datetime as dt

import pytest
import time_machine
from auditlog.models import LogEntry
from django.utils import timezone

from campaign.api.keys import api_keys_revoke, key_hash
from campaign.models import ApiKey, Supporter
from tests import factories
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

SIGNUP = "/api/osdi/v1/people/person_signup_helper"
NEW_PERSON = {"person": {"given_name": "Nia", "email_addresses": [{"address": "new@example.org"}]}}


def test_a_key_is_stored_only_as_its_sha256(write_key):
    api_key, key = write_key
    api_key.refresh_from_db()
    assert (api_key.key_hash, api_key.prefix) == (key_hash(key), key[:8])
    assert key not in {api_key.key_hash, api_key.name}


def test_it_refuses_a_request_without_a_key():
    response = client_for(None).get("/api/osdi/v1/people")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "OSDI-API-Token"


def test_it_refuses_a_wrong_key(write_key):
    response = client_for(write_key[1] + "x").get("/api/osdi/v1/people")
    assert (response.status_code, response.json()) == (
        401,
        {"detail": "Unknown or revoked API key."},
    )


def test_it_refuses_a_revoked_key(write_key):
    api_keys_revoke(ids=[write_key[0].pk])
    assert client_for(write_key[1]).get("/api/osdi/v1/people").status_code == 401


def test_revoking_twice_keeps_the_first_revocation_time(write_key):
    first = timezone.now() - dt.timedelta(days=1)
    api_keys_revoke(ids=[write_key[0].pk], now=first)
    assert api_keys_revoke(ids=[write_key[0].pk]) == 0
    write_key[0].refresh_from_db()
    assert write_key[0].revoked_at == first


def test_a_read_key_cannot_sign_anyone_up(read_key):
    response = client_for(read_key[1]).post(SIGNUP, NEW_PERSON, format="json")
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "This API key may only read."},
    )
    assert not Supporter.objects.exists()


def test_a_read_key_cannot_change_a_person(read_key):
    supporter = factories.SupporterFactory(first_name="Ana")
    response = client_for(read_key[1]).put(
        f"/api/osdi/v1/people/{supporter.pk}", {"given_name": "Eve"}, format="json"
    )
    assert response.status_code == 403
    supporter.refresh_from_db()
    assert supporter.first_name == "Ana"


def test_a_read_key_reads_people(read_key):
    factories.SupporterFactory()
    response = client_for(read_key[1]).get("/api/osdi/v1/people")
    assert (response.status_code, response.json()["total_records"]) == (200, 1)


@pytest.mark.parametrize(
    "path",
    [
        "people",
        "people/{supporter}",
        "tags/{tag}/taggings",
        "advocacy_campaigns/{campaign}/outreaches",
    ],
)
def test_a_viewer_key_sees_no_personal_data(viewer_key, path):
    supporter = factories.SupporterFactory()
    tag = factories_tag()
    campaign = factories.CampaignFactory()
    url = "/api/osdi/v1/" + path.format(supporter=supporter.pk, tag=tag.pk, campaign=campaign.pk)
    response = client_for(viewer_key[1]).get(url)
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "This API key may not read personal data."},
    )


def factories_tag():
    from campaign.models import Tag

    return Tag.objects.create(name="volunteer")


@pytest.mark.parametrize(
    "path", ["", "tags", "advocacy_campaigns", "advocacy_campaigns/{campaign}"]
)
def test_a_viewer_key_reads_aggregates_and_public_information(viewer_key, path):
    campaign = factories.CampaignFactory()
    response = client_for(viewer_key[1]).get("/api/osdi/v1/" + path.format(campaign=campaign.pk))
    assert response.status_code == 200


def test_last_use_is_recorded_at_most_once_a_minute(write_key):
    api_key, key = write_key
    client = client_for(key)
    start = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        client.get("/api/osdi/v1/tags")
    with time_machine.travel(start + dt.timedelta(seconds=59), tick=False):
        client.get("/api/osdi/v1/tags")
    api_key.refresh_from_db()
    assert api_key.last_used_at == start
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        client.get("/api/osdi/v1/tags")
    api_key.refresh_from_db()
    assert api_key.last_used_at == start + dt.timedelta(seconds=61)


def test_a_recently_used_key_is_not_written_again(write_key, django_assert_num_queries):
    factories_tag()
    client = client_for(write_key[1])
    client.get("/api/osdi/v1/tags")
    # The key's read, the count and the page: no UPDATE of last_used_at.
    with django_assert_num_queries(3):
        client.get("/api/osdi/v1/tags")


def test_each_key_is_rate_limited_on_its_own(settings, write_key, read_key):
    settings.API_RATE = "2/m"
    busy, other = client_for(write_key[1]), client_for(read_key[1])
    codes = [busy.get("/api/osdi/v1/tags").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert other.get("/api/osdi/v1/tags").status_code == 200


def test_a_write_is_credited_to_its_key_in_the_audit_trail(
    write_key, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(write_key[1]).post(SIGNUP, NEW_PERSON, format="json")
    assert response.status_code == 201
    supporter = Supporter.objects.get()
    entry = LogEntry.objects.get(object_pk=str(supporter.pk), action=LogEntry.Action.CREATE)
    assert entry.additional_data == {"api_key": write_key[0].prefix}


def test_reading_people_is_recorded_in_the_audit_trail(
    write_key, django_capture_on_commit_callbacks
):
    supporter = factories.SupporterFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(write_key[1]).get(f"/api/osdi/v1/people/{supporter.pk}")
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS)
    assert entry.additional_data == {
        "event": "api",
        "supporter": supporter.pk,
        "api_key": write_key[0].prefix,
    }


def test_the_trail_credits_no_key_after_the_api_request(
    write_key, django_capture_on_commit_callbacks
):
    client_for(write_key[1]).get("/api/osdi/v1/tags")
    with django_capture_on_commit_callbacks(execute=True):
        supporter = factories.SupporterFactory()
    entry = LogEntry.objects.get(object_pk=str(supporter.pk), action=LogEntry.Action.CREATE)
    assert entry.additional_data is None


def test_the_entry_point_lists_the_collections(write_key):
    body = client_for(write_key[1]).get("/api/osdi/v1/").json()
    assert {rel: link["href"] for rel, link in body["_links"].items() if rel != "curies"} == {
        "self": "http://testserver/api/osdi/v1/",
        "osdi:people": "http://testserver/api/osdi/v1/people",
        "osdi:tags": "http://testserver/api/osdi/v1/tags",
        "osdi:advocacy_campaigns": "http://testserver/api/osdi/v1/advocacy_campaigns",
        "osdi:person_signup_helper": "http://testserver/api/osdi/v1/people/person_signup_helper",
        "osdi:events": "http://testserver/api/osdi/v1/events",
    }
    assert (body["osdi_version"], body["max_pagesize"], body["namespace"]) == (
        "1.2",
        25,
        "groundswell",
    )


def test_api_keys_scope_defaults_to_read():
    assert ApiKey._meta.get_field("scope").default == ApiKey.Scope.READ
