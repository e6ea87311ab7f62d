"""Likely duplicates: before the quick log adds a new supporter, it shows the
people who may be the same one (same folded name; same email or phone; same
folded last name, first initial and ZIP) and lets the coordinator pick one or
add a new person anyway."""

import html

import pytest

from campaign.models import Supporter
from campaign.selectors import supporters_likely_duplicates
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/dashboard/parks-alcohol-ordinance/log/"
WARNING = "These people look like the one you are adding"


@pytest.fixture
def lucia(pine_county):
    return factories.SupporterFactory(
        first_name="Lucía",
        last_name="Ramírez",
        email="lucia.r@example.org",
        phone="+16125550101",
        zip_code="55030",
        district=pine_county["districts"][1],
    )


def _matches(**person):
    return {s.pk: s.duplicate_reasons for s in supporters_likely_duplicates(**person)}


# --- The selector ----------------------------------------------------------


def test_the_same_name_without_accents_is_a_likely_duplicate(lucia):
    found = _matches(first_name="lucia", last_name="RAMIREZ", email="other@example.org")

    assert found == {lucia.pk: ["name"]}


def test_the_same_email_in_another_case_is_a_likely_duplicate(lucia):
    found = _matches(first_name="Lu", last_name="Smith", email="Lucia.R@Example.org")

    assert found == {lucia.pk: ["email"]}


def test_the_same_phone_written_another_way_is_a_likely_duplicate(lucia):
    found = _matches(first_name="Lu", last_name="Smith", phone="(612) 555-0101")

    assert found == {lucia.pk: ["phone"]}


def test_the_same_last_name_initial_and_zip_is_a_likely_duplicate(lucia):
    found = _matches(first_name="Lu", last_name="Ramirez", email="lu@example.org", zip_code="55030")

    assert found == {lucia.pk: ["name_zip"]}


def test_the_same_last_name_elsewhere_or_with_another_initial_is_not(lucia):
    assert _matches(first_name="Lu", last_name="Ramirez", zip_code="55072") == {}
    assert _matches(first_name="Maria", last_name="Ramirez", zip_code="55030") == {}
    assert _matches(first_name="Lucia", last_name="Ramos", zip_code="55030") == {}


def test_someone_new_has_no_likely_duplicates(lucia):
    assert (
        supporters_likely_duplicates(
            first_name="Nina", last_name="Simone", email="nina@example.org", phone="+16125550999"
        )
        == []
    )


def test_an_email_and_a_phone_of_two_people_find_both_identities_first(lucia):
    other = factories.SupporterFactory(
        first_name="Pat", last_name="Other", email="pat@example.org", phone="+16125550202"
    )
    namesake = factories.SupporterFactory(
        first_name="Lucia", last_name="Ramirez", email="namesake@example.org"
    )

    found = supporters_likely_duplicates(
        first_name="Lucía", last_name="Ramírez", email="pat@example.org", phone="+16125550101"
    )

    # Each person once, with every reason; the exact identities come first.
    assert {s.pk for s in found[:2]} == {lucia.pk, other.pk}
    assert {s.pk: s.duplicate_reasons for s in found} == {
        lucia.pk: ["phone", "name"],
        other.pk: ["email"],
        namesake.pk: ["name"],
    }


def test_the_selector_runs_at_most_three_queries(lucia, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        found = supporters_likely_duplicates(
            first_name="Lucía",
            last_name="Ramírez",
            email="x@example.org",
            phone="+16125550101",
            zip_code="55030",
        )
        [str(s.district) for s in found]


# --- The quick log's "new" form --------------------------------------------


def _add(client, query="?kind=call", **fields):
    data = {
        "form": "new",
        "new-first_name": "Lucia",
        "new-last_name": "Ramirez",
        "new-email": "lramirez@example.org",
        "new-phone": "",
        "new-zip_code": "55030",
        "new-language": "es",
    }
    data.update({f"new-{name}": value for name, value in fields.items()})
    return client.post(f"{URL}{query}", data)


def test_adding_a_likely_duplicate_warns_and_creates_nobody(client, coordinator, lucia):
    client.force_login(coordinator)
    before = Supporter.objects.count()

    response = _add(client)

    assert response.status_code == 200
    assert Supporter.objects.count() == before
    page = html.unescape(response.content.decode())
    assert WARNING in page
    assert "Lucía Ramírez" in page and "District 2" in page
    # Contacts are masked in the warning.
    assert "l•••@example.org" in page and "0101" in page
    assert "lucia.r@example.org" not in page
    assert "Add as a new person anyway" in page


def test_the_warning_offers_to_pick_the_existing_person(client, coordinator, lucia):
    client.force_login(coordinator)

    response = _add(client)

    pick = f"{URL}?kind=call&amp;supporter={lucia.pk}"
    assert f'href="{pick}"' in response.content.decode()
    picked = client.get(f"{URL}?kind=call&supporter={lucia.pk}")
    assert picked.context["supporter"] == lucia


def test_add_anyway_creates_exactly_one_new_person(client, coordinator, lucia):
    client.force_login(coordinator)
    warned = _add(client)
    confirm = warned.context["new_form"]["confirm"].value()
    assert confirm
    before = Supporter.objects.count()

    response = _add(client, confirm=confirm)

    assert response.status_code == 302
    assert Supporter.objects.count() == before + 1
    added = Supporter.objects.get(email="lramirez@example.org")
    assert response["Location"] == f"{URL}?kind=call&supporter={added.pk}"
    assert Supporter.objects.filter(search_name="lucia ramirez").count() == 2


def test_changing_the_details_after_a_warning_checks_again(client, coordinator, lucia):
    client.force_login(coordinator)
    confirm = _add(client, email="lramirez@example.org").context["new_form"]["confirm"].value()
    before = Supporter.objects.count()

    # Same confirmation, but now the phone is Lucía's: warned again.
    response = _add(client, confirm=confirm, phone="612-555-0101")

    assert response.status_code == 200
    assert WARNING in html.unescape(response.content.decode())
    assert Supporter.objects.count() == before


def test_someone_new_is_added_without_a_warning(client, coordinator, lucia):
    client.force_login(coordinator)

    response = _add(client, first_name="Nina", last_name="Simone", email="nina@example.org")

    assert response.status_code == 302
    assert Supporter.objects.filter(email="nina@example.org").exists()
