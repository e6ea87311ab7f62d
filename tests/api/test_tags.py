"""tags and taggings (a tagging is a person carrying a tag)."""

import pytest

from campaign.models import Supporter, Tag
from tests import factories

pytestmark = pytest.mark.django_db

BASE = "http://testserver/api/osdi/v1"
Tagging = Supporter.tags.through


@pytest.fixture
def tagged():
    tag = Tag.objects.create(name="volunteer")
    supporter = factories.SupporterFactory()
    supporter.tags.add(tag)
    return tag, supporter, Tagging.objects.get()


def test_a_tag_in_osdi_shape(api, tagged):
    tag = tagged[0]
    assert api.get(f"/api/osdi/v1/tags/{tag.pk}").json() == {
        "identifiers": [f"groundswell:{tag.pk}"],
        "name": "volunteer",
        "_links": {
            "self": {"href": f"{BASE}/tags/{tag.pk}"},
            "osdi:taggings": {"href": f"{BASE}/tags/{tag.pk}/taggings"},
        },
    }


def test_the_tags_collection(api, tagged):
    Tag.objects.create(name="youth")
    body = api.get("/api/osdi/v1/tags").json()
    assert [t["name"] for t in body["_embedded"]["osdi:tags"]] == ["volunteer", "youth"]
    assert body["total_records"] == 2


def test_a_tagging_in_osdi_shape(api, tagged):
    tag, supporter, tagging = tagged
    body = api.get(f"/api/osdi/v1/tags/{tag.pk}/taggings").json()
    assert body["_embedded"]["osdi:taggings"] == [
        {
            "identifiers": [f"groundswell:{tagging.pk}"],
            "item_type": "osdi:person",
            "_links": {
                "self": {"href": f"{BASE}/tags/{tag.pk}/taggings/{tagging.pk}"},
                "osdi:tag": {"href": f"{BASE}/tags/{tag.pk}"},
                "osdi:person": {"href": f"{BASE}/people/{supporter.pk}"},
            },
        }
    ]


def test_a_tagging_is_read_under_its_own_tag_only(api, tagged):
    tag, _, tagging = tagged
    other = Tag.objects.create(name="youth")
    assert api.get(f"/api/osdi/v1/tags/{tag.pk}/taggings/{tagging.pk}").status_code == 200
    assert api.get(f"/api/osdi/v1/tags/{other.pk}/taggings/{tagging.pk}").status_code == 404


def test_posting_a_tagging_tags_the_person(api, tagged):
    tag = tagged[0]
    supporter = factories.SupporterFactory()
    response = api.post(
        f"/api/osdi/v1/tags/{tag.pk}/taggings",
        {"_links": {"osdi:person": {"href": f"{BASE}/people/{supporter.pk}"}}},
        format="json",
    )
    assert response.status_code == 201
    assert list(supporter.tags.values_list("name", flat=True)) == ["volunteer"]
    assert response.json()["_links"]["osdi:person"] == {"href": f"{BASE}/people/{supporter.pk}"}


def test_a_tagging_must_link_to_a_person_of_this_api(api, tagged):
    response = api.post(
        f"/api/osdi/v1/tags/{tagged[0].pk}/taggings",
        {"_links": {"osdi:person": {"href": f"{BASE}/tags/{tagged[0].pk}"}}},
        format="json",
    )
    assert (response.status_code, response.json()) == (
        400,
        {"_links": ["osdi:person must link to this API."]},
    )


def test_a_tagging_of_an_unknown_person_is_not_found(api, tagged):
    response = api.post(
        f"/api/osdi/v1/tags/{tagged[0].pk}/taggings",
        {"_links": {"osdi:person": {"href": f"{BASE}/people/9999"}}},
        format="json",
    )
    assert response.status_code == 404


def test_the_taggings_collection_costs_four_queries(api, tagged, django_assert_num_queries):
    for supporter in factories.SupporterFactory.create_batch(5):
        supporter.tags.add(tagged[0])
    api.get("/api/osdi/v1/")
    # The key, the tag, the count, the page.
    with django_assert_num_queries(4):
        body = api.get(f"/api/osdi/v1/tags/{tagged[0].pk}/taggings").json()
    assert body["total_records"] == 6
