"""API keys in the admin: generated on save, shown once, stored hashed, revoked."""

import re

import pytest

from campaign.api.keys import key_hash
from campaign.models import ApiKey
from tests import factories
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

ADD = "/admin/campaign/apikey/add/"


@pytest.fixture
def admin_client_(client, admin):
    client.force_login(admin)
    return client


def _shown_key(response) -> str:
    return re.search(r"The API key is (\S+)\. Copy it now", response.content.decode()).group(1)


def test_saving_a_new_key_shows_it_once_and_stores_its_hash(admin_client_, admin):
    response = admin_client_.post(ADD, {"name": "Spoke sync", "scope": "write"}, follow=True)
    key = _shown_key(response)
    api_key = ApiKey.objects.get()
    assert (api_key.name, api_key.scope, api_key.viewer_only, api_key.created_by) == (
        "Spoke sync",
        "write",
        False,
        admin,
    )
    assert (api_key.key_hash, api_key.prefix) == (key_hash(key), key[:8])
    # The key works, and the page never shows it again.
    assert client_for(key).get("/api/osdi/v1/people").status_code == 200
    page = admin_client_.get(f"/admin/campaign/apikey/{api_key.pk}/change/").content.decode()
    assert key not in page


def test_a_saved_keys_scope_cannot_be_changed(admin_client_):
    api_key = ApiKey.objects.create(name="Board", prefix="abcdefgh", key_hash="0" * 64)
    admin_client_.post(
        f"/admin/campaign/apikey/{api_key.pk}/change/",
        {"name": "Board report", "scope": "write", "viewer_only": "on"},
    )
    api_key.refresh_from_db()
    assert (api_key.name, api_key.scope, api_key.viewer_only) == ("Board report", "read", False)


def test_the_revoke_action_revokes_the_selected_keys(admin_client_, write_key, read_key):
    admin_client_.post(
        "/admin/campaign/apikey/",
        {"action": "revoke", "_selected_action": [write_key[0].pk]},
    )
    assert client_for(write_key[1]).get("/api/osdi/v1/tags").status_code == 401
    assert client_for(read_key[1]).get("/api/osdi/v1/tags").status_code == 200


def test_a_viewer_cannot_open_the_keys(client):
    client.force_login(factories.ViewerFactory(username="funder"))
    assert client.get("/admin/campaign/apikey/").status_code == 403
