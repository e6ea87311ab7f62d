"""The supporter changelist finds names whatever the accents and case."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

URL = "/admin/campaign/supporter/"


def _found(client, query):
    response = client.get(URL, {"q": query})
    assert response.status_code == 200
    return {s.full_name for s in response.context["cl"].result_list}


@pytest.mark.parametrize("query", ["ramirez", "RAMIREZ", "Ramírez", "lucia ramirez"])
def test_an_accented_name_is_found_without_its_accents(coordinator_client, query):
    factories.SupporterFactory(first_name="Lucía", last_name="Ramírez")
    factories.SupporterFactory(first_name="Other", last_name="Person")

    assert _found(coordinator_client, query) == {"Lucía Ramírez"}


def test_an_unaccented_name_is_found_by_an_accented_query(coordinator_client):
    factories.SupporterFactory(first_name="Lucia", last_name="Larson")
    factories.SupporterFactory(first_name="Other", last_name="Person")

    assert _found(coordinator_client, "Lucía Larsón") == {"Lucia Larson"}


def test_a_zip_code_is_still_found(coordinator_client):
    factories.SupporterFactory(first_name="Near", last_name="Ñandú", zip_code="55072")
    factories.SupporterFactory(first_name="Far", last_name="Away", zip_code="55063")

    assert _found(coordinator_client, "55072") == {"Near Ñandú"}
