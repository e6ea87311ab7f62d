"""Hole 2 of the privacy issue: an extreme date in a dashboard filter gave a
500 (a date overflow when the inclusive end date gets its extra day). Every
date parameter gives a clear message and the page's unfiltered numbers."""

import pytest

pytestmark = pytest.mark.django_db

SLUG = "parks-alcohol-ordinance"
PAGES = [
    f"/dashboard/{SLUG}/",
    f"/dashboard/{SLUG}/report/",
    f"/dashboard/{SLUG}/roster/",
]
EXPORTS = [
    f"/dashboard/{SLUG}/export/supporters.csv",
    f"/dashboard/{SLUG}/export/actions.csv",
]
EXTREMES = ["to=9999-12-31", "from=0001-01-01", "from=0001-01-01&to=9999-12-31"]
MESSAGE = "Dates must fall between 1900-01-01 and 2999-12-31"


@pytest.mark.parametrize("query", EXTREMES)
@pytest.mark.parametrize("path", PAGES)
def test_an_extreme_date_on_a_page_gives_a_clear_message(client, coordinator, seeded, path, query):
    client.force_login(coordinator)
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()


@pytest.mark.parametrize("query", EXTREMES)
@pytest.mark.parametrize("path", EXPORTS)
def test_an_extreme_date_on_an_export_exports_every_date(client, coordinator, seeded, path, query):
    client.force_login(coordinator)
    unfiltered = b"".join(client.get(path).streaming_content)
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == unfiltered
