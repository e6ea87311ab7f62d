"""Every changelist loads, and runs the same number of queries for 5 rows as for 200."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

# The queries a changelist runs, whatever the number of rows (measured on
# SQLite and PostgreSQL): session, user, the count, the page, and one query
# per related-field filter in the sidebar.
MAX_QUERIES = {
    "supporter": 9,
    "action": 8,
    "campaign": 8,
    "councilmember": 7,
    "stance": 9,
    "hearing": 8,
    "district": 6,
}


def make_rows(model: str, count: int, pine_county) -> None:
    campaign = pine_county["campaign"]
    body = pine_county["body"]
    if model == "supporter":
        factories.SupporterFactory.create_batch(count, district=pine_county["districts"][0])
    elif model == "action":
        members = pine_county["members"]
        for index in range(count):
            factories.ActionFactory(
                campaign=campaign,
                target=members[index % len(members)],
                supporter__district=pine_county["districts"][index % 3],
            )
    elif model == "campaign":
        factories.CampaignFactory.create_batch(count, decision_body=body)
    elif model == "councilmember":
        district = pine_county["districts"][0]
        factories.CouncilMemberFactory.create_batch(count, body=body, district=district)
    elif model == "stance":
        members = pine_county["members"]
        for index in range(count):
            factories.StanceFactory(campaign=campaign, member=members[index % len(members)])
    elif model == "hearing":
        factories.HearingFactory.create_batch(count, campaign=campaign)
    elif model == "district":
        factories.DistrictFactory.create_batch(count, body=body)


@pytest.mark.parametrize("rows", [5, 200])
@pytest.mark.parametrize("model", sorted(MAX_QUERIES))
def test_changelist_runs_a_constant_number_of_queries(
    model, rows, admin_client_, pine_county, django_assert_max_num_queries
):
    make_rows(model, rows, pine_county)

    with django_assert_max_num_queries(MAX_QUERIES[model]):
        response = admin_client_.get(f"/admin/campaign/{model}/")

    assert response.status_code == 200
    # The page lists the rows (100 per page at most).
    assert len(response.context["cl"].result_list) >= min(rows, 100)


def test_the_action_changelist_drills_down_by_date(admin_client, pine_county):
    factories.ActionFactory(campaign=pine_county["campaign"])
    response = admin_client.get("/admin/campaign/action/")
    assert response.status_code == 200
    assert response.context["cl"].date_hierarchy == "created_at"
    assert b'<nav class="toplinks">' in response.content
    assert b"created_at__year=" in response.content
