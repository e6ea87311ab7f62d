"""Finding supporters by name whatever the accents and case: "ramirez" finds
"Lucía Ramírez", "Lucía Larsón" finds "Lucia Larson". A miss offers "Add them
below", which made duplicates in a list that is a third Spanish-speaking."""

import pytest

from campaign.models import Supporter
from campaign.selectors import supporters_search
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/dashboard/parks-alcohol-ordinance/log/"


@pytest.fixture
def people(db):
    return {
        "ramirez": factories.SupporterFactory(
            first_name="Lucía", last_name="Ramírez", email="lr@example.org"
        ),
        "larson": factories.SupporterFactory(
            first_name="Lucia", last_name="Larson", email="ll@example.org"
        ),
        "nunez": factories.SupporterFactory(
            first_name="José Ángel", last_name="Núñez", email="jan@example.org"
        ),
    }


def _names(query):
    return {s.full_name for s in supporters_search(query)}


@pytest.mark.parametrize(
    "query",
    ["ramirez", "RAMIREZ", "Ramírez", "RAMÍREZ", "lucia ramirez", "Lucía Ramírez", "ram luc"],
)
def test_an_accented_name_is_found_with_or_without_accents(people, query):
    assert _names(query) == {"Lucía Ramírez"}


@pytest.mark.parametrize("query", ["larson", "Larsón", "lucia larson", "Lucía Larsón", "LUCÍA"])
def test_an_unaccented_name_is_found_by_an_accented_query(people, query):
    assert "Lucia Larson" in _names(query)


def test_a_first_name_finds_both_spellings(people):
    assert _names("lucia") == {"Lucía Ramírez", "Lucia Larson"}


def test_a_word_inside_a_compound_first_name_is_found(people):
    assert _names("angel nunez") == {"José Ángel Núñez"}


def test_each_word_must_start_a_word_of_the_name(people):
    # "mirez" is inside "ramirez" but starts no word.
    assert _names("mirez") == set()
    # Every word typed must match.
    assert _names("lucia nunez") == set()


def test_emails_and_phones_are_found_as_before(db):
    person = factories.SupporterFactory(
        first_name="Rosa", email="rosa.m@example.org", phone="+16125550199"
    )
    for query in ("rosa.m@", "612-555-0199", "(612) 555-0199", "0199"):
        assert [s.pk for s in supporters_search(query)] == [person.pk], query


def test_the_quick_log_page_finds_an_accented_name(client, coordinator, pine_county, people):
    client.force_login(coordinator)

    response = client.get(URL, {"q": "ramirez"})

    assert [r["name"] for r in response.context["results"]] == ["Lucía Ramírez"]
    assert "Nobody found" not in response.content.decode()


def test_the_search_endpoint_finds_an_unaccented_name_by_an_accented_query(
    client, coordinator, pine_county, people
):
    client.force_login(coordinator)

    response = client.get("/dashboard/parks-alcohol-ordinance/search/", {"q": "Lucía Larsón"})

    assert [r["name"] for r in response.json()["results"]] == ["Lucia Larson"]


def test_a_row_without_a_search_name_is_still_found_by_its_name(db):
    # bulk_create skips save(): a bulk path that forgets fill_search_name
    # leaves search_name empty. Such a row is found as before the fold.
    (person,) = Supporter.objects.bulk_create(
        [Supporter(first_name="Bulk", last_name="Logged", email="bulk@example.org")]
    )
    assert Supporter.objects.get(pk=person.pk).search_name == ""

    assert [s.pk for s in supporters_search("bulk logged")] == [person.pk]


def test_an_erased_person_is_not_found(db):
    from django.utils import timezone

    from campaign.selectors import supporters_search
    from tests import factories

    factories.SupporterFactory(first_name="Erased", last_name="", erased_at=timezone.now())
    kept = factories.SupporterFactory(first_name="Erasmus", last_name="Kept")
    assert supporters_search("Eras") == [kept]


def test_the_quick_log_search_shows_phones_as_people_read_them(client, coordinator, pine_county):
    from tests import factories

    factories.SupporterFactory(first_name="Walter", last_name="Walker", phone="+13205552001")
    client.force_login(coordinator)
    response = client.get("/dashboard/parks-alcohol-ordinance/search/", {"q": "Walter"})
    [result] = response.json()["results"]
    assert result["phone"] == "(320) 555-2001"
