"""people: the collection (paging, filters), one person, PUT through the intake core."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from campaign.models import Sector, Supporter, SupporterIdentifier
from campaign.services.privacy import suppressions_record
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/osdi/v1/people"
CREATED = dt.datetime(2026, 3, 2, 15, 30, tzinfo=dt.UTC)


@pytest.fixture
def ana(pine_county):
    with time_machine.travel(CREATED, tick=False):
        supporter = factories.SupporterFactory(
            first_name="Ana",
            last_name="Ruiz",
            email="ana@example.org",
            phone="+16125550123",
            zip_code="55072",
            street_address="12 Oak St",
            district=pine_county["districts"][2],
            language="es",
            sector=Sector.PARENTS,
            email_consent_at=CREATED,
        )
    pine_county["districts"][
        2
    ].ocd_id = "ocd-division/country:us/state:mn/county:pine/council_district:3"
    pine_county["districts"][2].save()
    SupporterIdentifier.objects.create(supporter=supporter, scheme="action_network", value="d91b")
    return supporter


def test_one_person_in_osdi_shape(api, ana):
    response = api.get(f"{URL}/{ana.pk}")
    assert response["Content-Type"] == "application/hal+json"
    assert response.json() == {
        "identifiers": [f"groundswell:{ana.pk}", "action_network:d91b"],
        "created_date": "2026-03-02T15:30:00Z",
        "modified_date": "2026-03-02T15:30:00Z",
        "given_name": "Ana",
        "family_name": "Ruiz",
        "languages_spoken": ["es"],
        "email_addresses": [
            {"primary": True, "address": "ana@example.org", "status": "subscribed"}
        ],
        "phone_numbers": [
            {
                "primary": True,
                "number": "+16125550123",
                "number_type": "Mobile",
                "status": "unsubscribed",
            }
        ],
        "postal_addresses": [
            {
                "primary": True,
                "address_lines": ["12 Oak St"],
                "postal_code": "55072",
                "country": "US",
            }
        ],
        "_links": {"self": {"href": f"http://testserver{URL}/{ana.pk}"}},
        "groundswell:district": {
            "name": "District 3",
            "number": 3,
            "ocdid": "ocd-division/country:us/state:mn/county:pine/council_district:3",
        },
        "groundswell:sector": "parents",
        "groundswell:is_youth": False,
    }


def test_an_unsubscribed_person_shows_unsubscribed_everywhere(api, ana):
    Supporter.objects.filter(pk=ana.pk).update(
        unsubscribed_at=timezone.now(), sms_consent_at=timezone.now()
    )
    body = api.get(f"{URL}/{ana.pk}").json()
    assert [body["email_addresses"][0]["status"], body["phone_numbers"][0]["status"]] == [
        "unsubscribed",
        "unsubscribed",
    ]


def test_a_bouncing_address_is_shown_as_bouncing(api, ana):
    Supporter.objects.filter(pk=ana.pk).update(email_bounced_at=timezone.now())
    assert api.get(f"{URL}/{ana.pk}").json()["email_addresses"][0]["status"] == "bouncing"


def test_an_erased_person_is_not_found(api, ana):
    Supporter.objects.filter(pk=ana.pk).update(erased_at=timezone.now())
    assert api.get(f"{URL}/{ana.pk}").status_code == 404
    assert api.get(URL).json()["total_records"] == 0


def test_the_collection_is_paged_25_at_a_time(api, db):
    people = factories.SupporterFactory.create_batch(27)
    body = api.get(URL).json()
    assert {key: body[key] for key in ("total_pages", "per_page", "page", "total_records")} == {
        "total_pages": 2,
        "per_page": 25,
        "page": 1,
        "total_records": 27,
    }
    assert body["_links"]["next"] == {"href": f"http://testserver{URL}?page=2"}
    assert [p["identifiers"][0] for p in body["_embedded"]["osdi:people"]] == [
        f"groundswell:{p.pk}" for p in people[:25]
    ]
    assert body["_links"]["osdi:people"][0] == {"href": f"http://testserver{URL}/{people[0].pk}"}


def test_the_last_page_links_back_and_not_forward(api, db):
    people = factories.SupporterFactory.create_batch(27)
    body = api.get(URL, {"page": 2}).json()
    assert [p["identifiers"][0] for p in body["_embedded"]["osdi:people"]] == [
        f"groundswell:{p.pk}" for p in people[25:]
    ]
    assert (body["_links"]["previous"], "next" in body["_links"]) == (
        {"href": f"http://testserver{URL}"},
        False,
    )


def test_per_page_is_at_most_25(api, db):
    factories.SupporterFactory.create_batch(27)
    assert api.get(URL, {"per_page": 100}).json()["per_page"] == 25
    body = api.get(URL, {"per_page": 10, "page": 3}).json()
    assert (body["per_page"], body["total_pages"], len(body["_embedded"]["osdi:people"])) == (
        10,
        3,
        7,
    )


def test_a_page_beyond_the_last_is_not_found(api, db):
    assert api.get(URL, {"page": 2}).status_code == 404


def test_the_collection_costs_the_same_queries_for_25_people(api, db, django_assert_num_queries):
    people = factories.SupporterFactory.create_batch(25)
    for supporter in people:
        SupporterIdentifier.objects.create(
            supporter=supporter, scheme="van", value=str(supporter.pk)
        )
    api.get("/api/osdi/v1/")
    # The key, the count, the page (with districts), the page's foreign ids.
    with django_assert_num_queries(4):
        response = api.get(URL)
    assert len(response.json()["_embedded"]["osdi:people"]) == 25


def _ids(response):
    return [p["identifiers"][0] for p in response.json()["_embedded"]["osdi:people"]]


def test_filter_by_email_address_ignores_case(api, ana):
    factories.SupporterFactory(email="other@example.org")
    response = api.get(URL, {"filter": "email_address eq 'ANA@example.org'"})
    assert _ids(response) == [f"groundswell:{ana.pk}"]


def test_filter_by_phone_number_in_any_form(api, ana):
    factories.SupporterFactory(phone="+16125550124")
    response = api.get(URL, {"filter": "phone_number eq '(612) 555-0123'"})
    assert _ids(response) == [f"groundswell:{ana.pk}"]


def test_filter_by_an_impossible_phone_number_finds_nobody(api, ana):
    assert _ids(api.get(URL, {"filter": "phone_number eq '12'"})) == []


def test_filter_by_modified_date(api, ana):
    with time_machine.travel(CREATED + dt.timedelta(days=10), tick=False):
        later = factories.SupporterFactory()
    assert _ids(api.get(URL, {"filter": "modified_date gt '2026-03-05'"})) == [
        f"groundswell:{later.pk}"
    ]
    assert _ids(api.get(URL, {"filter": "modified_date lt '2026-03-05T00:00:00Z'"})) == [
        f"groundswell:{ana.pk}"
    ]


def test_filter_clauses_combine_with_and(api, ana):
    query = "modified_date gt '2026-03-01' and email_address eq 'ana@example.org'"
    assert _ids(api.get(URL, {"filter": query})) == [f"groundswell:{ana.pk}"]


@pytest.mark.parametrize(
    "query, message",
    [
        ("given_name eq 'Ana'", "Filtering on given_name eq is not offered."),
        ("email_address gt 'a'", "Filtering on email_address gt is not offered."),
        ("modified_date gt 2026", "Write clauses like: modified_date gt '2026-01-01'."),
        ("modified_date gt 'yesterday'", "Enter a valid date/time."),
    ],
)
def test_a_bad_filter_is_refused_with_a_message(api, ana, query, message):
    response = api.get(URL, {"filter": query})
    assert (response.status_code, response.json()) == (400, {"errors": {"filter": [message]}})


def test_put_changes_what_is_given_and_keeps_the_rest(api, ana):
    response = api.put(
        f"{URL}/{ana.pk}",
        {"given_name": "Ana María", "family_name": "", "groundswell:sector": "business"},
        format="json",
    )
    assert response.status_code == 200
    ana.refresh_from_db()
    # A blank never erases (the intake core's STAFF rule).
    assert (ana.first_name, ana.last_name, ana.sector) == ("Ana María", "Ruiz", "business")
    assert response.json()["given_name"] == "Ana María"


def test_put_moves_a_person_to_the_district_of_their_new_zip(api, ana, pine_county):
    api.put(f"{URL}/{ana.pk}", {"postal_addresses": [{"postal_code": "55030"}]}, format="json")
    ana.refresh_from_db()
    assert (ana.zip_code, ana.district) == ("55030", pine_county["districts"][1])


def test_put_never_takes_another_persons_phone(api, ana):
    other = factories.SupporterFactory(email="bo@example.org", phone="+16125550199")
    Supporter.objects.filter(pk=ana.pk).update(phone=None)
    api.put(f"{URL}/{ana.pk}", {"phone_numbers": [{"number": "6125550199"}]}, format="json")
    ana.refresh_from_db()
    assert (ana.phone, Supporter.objects.get(pk=other.pk).phone) == (None, "+16125550199")


def test_put_refuses_an_erased_address(api, ana):
    Supporter.objects.filter(pk=ana.pk).update(phone=None)
    suppressions_record(values=["+16125550777"])
    response = api.put(
        f"{URL}/{ana.pk}", {"phone_numbers": [{"number": "+16125550777"}]}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["phone"]


def test_put_refuses_a_bad_zip(api, ana):
    response = api.put(
        f"{URL}/{ana.pk}", {"postal_addresses": [{"postal_code": "5507"}]}, format="json"
    )
    assert (response.status_code, response.json()) == (
        400,
        {"errors": {"zip_code": ["Enter a 5-digit ZIP code."]}},
    )


def test_put_keeps_a_foreign_id(api, ana):
    api.put(f"{URL}/{ana.pk}", {"identifiers": ["nationbuilder:77"]}, format="json")
    assert sorted(str(i) for i in ana.identifiers.all()) == [
        "action_network:d91b",
        "nationbuilder:77",
    ]


def test_put_to_an_unknown_person_is_not_found(api, db):
    assert api.put(f"{URL}/999", {"given_name": "X"}, format="json").status_code == 404


def test_an_id_too_long_for_the_database_is_a_json_404(api, db):
    # Found by the fuzzer: 2**63 overflowed SQLite's integer (a 500).
    response = api.get(f"{URL}/9223372036854775808")
    assert (response.status_code, response["Content-Type"], response.json()) == (
        404,
        "application/hal+json",
        {"detail": "Not found."},
    )


def test_a_post_to_an_unknown_path_is_a_json_404_not_a_csrf_page(api, db):
    response = api.post("/api/osdi/v1/people/-1", {}, format="json")
    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})
