"""Keys for the OSDI API and a client that sends them.

- write_key: a coordinator's integration (read and write, personal data).
- read_key: reads only.
- viewer_key: a funder's dashboard tool: aggregates, no personal data.
"""

import pytest
from rest_framework.test import APIClient

from campaign.api.keys import api_key_create
from campaign.models import ApiKey

BASE = "http://testserver/api/osdi/v1/"


def _key(scope, viewer_only=False):
    return api_key_create(name=f"{scope} key", scope=scope, viewer_only=viewer_only)


@pytest.fixture
def write_key(db):
    return _key(ApiKey.Scope.WRITE)


@pytest.fixture
def read_key(db):
    return _key(ApiKey.Scope.READ)


@pytest.fixture
def viewer_key(db):
    return _key(ApiKey.Scope.READ, viewer_only=True)


def client_for(key: str | None) -> APIClient:
    client = APIClient()
    if key is not None:
        client.credentials(HTTP_OSDI_API_TOKEN=key)
    return client


@pytest.fixture
def api(write_key):
    """A client holding the write key."""
    return client_for(write_key[1])
