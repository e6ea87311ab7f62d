"""The published OpenAPI schema, its page, and schema-driven fuzzing: every
operation with generated input, through the whole WSGI stack, never a 500."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from campaign.models import Tag
from tests import factories
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_schema_is_published(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = set(response.json()["paths"])
    assert {
        "/api/osdi/v1/people",
        "/api/osdi/v1/people/{id}",
        "/api/osdi/v1/people/person_signup_helper",
        "/api/osdi/v1/tags/{tag_pk}/taggings",
        "/api/osdi/v1/advocacy_campaigns/{campaign_pk}/outreaches",
        "/api/osdi/v1/advocacy_campaigns/{campaign_pk}/record_outreach_helper",
    } <= paths
    assert response.json()["components"]["securitySchemes"] == {
        "OSDI-API-Token": {"type": "apiKey", "in": "header", "name": "OSDI-API-Token"}
    }


def test_the_docs_page_loads_nothing_from_the_internet(client):
    response = client.get("/api/docs/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "https://" not in page and "http://" not in page.replace("http://testserver", "")


class _App(WSGIHandler):
    """The project's WSGI app inside the test's transaction: like Django's test
    client, it keeps the request signals from closing the connection."""

    def __call__(self, environ, start_response):
        environ.setdefault("HTTP_HOST", "localhost")
        return super().__call__(environ, start_response)


@pytest.fixture
def osdi_schema(db):
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", _App())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_data(pine_county, write_key):
    """Something behind most ids the fuzzer may try (1, 2, ...)."""
    for supporter in factories.SupporterFactory.create_batch(3):
        supporter.tags.add(Tag.objects.get_or_create(name="volunteer")[0])
    return write_key[1]


# Examples per operation and generation mode (valid input, then invalid).
EXAMPLES = 25


def _fuzz(operation, mode, key, seen):
    @given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        # The same inputs on every run: CI never turns red on a new draw.
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        case.headers = {**(case.headers or {}), "OSDI-API-Token": key}
        response = case.call()
        seen.append(response.status_code)
        assert response.status_code < 500, case.as_curl_command()
        if mode == GenerationMode.POSITIVE:
            # Valid input: the answer matches the published schema too (its
            # status, content type and body). Schema-valid input may still break
            # a rule the schema cannot say (a phone that cannot exist, a link to
            # another resource): a 400 with messages is right for it.
            case.validate_response(response, excluded_checks=[positive_data_acceptance])

    run()


def test_no_generated_input_gets_a_server_error(osdi_schema, fuzz_data, settings):
    settings.API_RATE = "100000/m"
    seen: list[int] = []
    operations = [result.ok() for result in osdi_schema.get_all_operations()]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, fuzz_data, seen)
    print(f"{len(operations)} operations, {len(seen)} requests, statuses {sorted(set(seen))}")
    assert len(operations) == 22
    assert all(code < 500 for code in seen)


def test_the_fuzzer_key_is_a_write_key(fuzz_data):
    assert client_for(fuzz_data).get("/api/osdi/v1/").status_code == 200
