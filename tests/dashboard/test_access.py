"""Who may open which dashboard URL, and what a viewer never sees."""

import pytest

pytestmark = pytest.mark.django_db

SLUG = "parks-alcohol-ordinance"
AGGREGATE_URLS = [
    "/dashboard/",
    f"/dashboard/{SLUG}/",
    f"/dashboard/{SLUG}/report/",
    f"/dashboard/{SLUG}/export/actions.csv",
]
PERSONAL_URLS = [
    f"/dashboard/{SLUG}/log/",
    f"/dashboard/{SLUG}/log/bulk/",
    f"/dashboard/{SLUG}/search/?q=zelda",
    f"/dashboard/{SLUG}/call-list/",
    f"/dashboard/{SLUG}/roster/",
    f"/dashboard/{SLUG}/export/supporters.csv",
]
ALL_URLS = AGGREGATE_URLS + PERSONAL_URLS


def _body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.parametrize("url", [*ALL_URLS, f"/dashboard/{SLUG}/stance/"])
def test_anonymous_users_are_sent_to_the_login_page(client, seeded, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("url", ALL_URLS)
def test_a_user_without_a_dashboard_role_gets_403(client, other_user, seeded, url):
    client.force_login(other_user)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("persona", ["coordinator", "admin"])
@pytest.mark.parametrize("url", ALL_URLS)
def test_coordinators_and_admins_open_every_page(client, request, seeded, persona, url):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("persona", ["coordinator", "admin"])
def test_coordinators_and_admins_record_stances(client, request, seeded, persona):
    client.force_login(request.getfixturevalue(persona))
    member = seeded["members"][1]
    response = client.post(
        f"/dashboard/{SLUG}/stance/", {"member": member.pk, "position": "yes", "note": ""}
    )
    assert response.status_code == 302


@pytest.mark.parametrize("url", AGGREGATE_URLS)
def test_viewers_open_the_aggregate_pages(client, viewer, seeded, url):
    client.force_login(viewer)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", PERSONAL_URLS)
def test_viewers_get_403_on_personal_data(client, viewer, seeded, url):
    client.force_login(viewer)
    assert client.get(url).status_code == 403


def test_viewers_cannot_record_a_stance(client, viewer, seeded):
    client.force_login(viewer)
    response = client.post(
        f"/dashboard/{SLUG}/stance/", {"member": seeded["members"][0].pk, "position": "no"}
    )
    assert response.status_code == 403


def test_viewers_cannot_post_a_log(client, viewer, seeded):
    client.force_login(viewer)
    response = client.post(f"/dashboard/{SLUG}/log/bulk/", {"kind": "call", "lines": "x"})
    assert response.status_code == 403


@pytest.mark.parametrize("url", AGGREGATE_URLS)
def test_viewer_pages_and_exports_hold_no_personal_data(client, viewer, seeded, url):
    client.force_login(viewer)
    body = _body(client.get(url))
    for supporter in seeded["supporters"]:
        assert supporter.email not in body
        assert supporter.phone not in body
        assert supporter.last_name not in body
        assert supporter.street_address not in body


def test_the_coordinator_page_does_show_overdue_phones(client, coordinator, seeded):
    # The check above can fail: the same page shows them to a coordinator.
    client.force_login(coordinator)
    body = client.get(f"/dashboard/{SLUG}/").content.decode()
    assert seeded["supporters"][1].phone in body
    assert seeded["supporters"][1].last_name in body


def test_the_dashboard_links_coordinators_to_the_imports_page_and_not_viewers(
    client, coordinator, viewer, pine_county
):
    url = f"/dashboard/{pine_county['campaign'].slug}/"
    client.force_login(coordinator)
    assert 'href="/imports/"' in client.get(url).content.decode()
    client.force_login(viewer)
    assert 'href="/imports/"' not in client.get(url).content.decode()


def test_a_viewer_refused_a_personal_page_gets_a_page_that_says_why(client, viewer, pine_county):
    client.force_login(viewer)
    response = client.get(f"/dashboard/{pine_county['campaign'].slug}/call-list/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "Not for your role" in body
    assert 'href="/dashboard/"' in body
