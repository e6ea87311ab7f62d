"""Recording a call's result: no default, an error next to that row's field,
and the page comes back at the next row (or answers JSON for the script)."""

import re

import pytest

from campaign.models import CallClaim
from campaign.services.call_list import CallResult, call_claims_take

pytestmark = pytest.mark.django_db

URL = "/dashboard/parks-alcohol-ordinance/call-list/"


def _ids(client):
    return [s.pk for s in client.get(URL).context["supporters"]]


def test_every_result_select_starts_on_choose(client, coordinator, phone_bank):
    client.force_login(coordinator)
    html = client.get(URL).content.decode()
    selects = re.findall(r'<select [^>]*name="result"[^>]*>(<option[^>]*>[^<]*</option>)', html)
    assert len(selects) == 8
    assert set(selects) == {'<option value="">— choose —</option>'}


def test_a_save_without_a_result_records_nothing_and_says_so_next_to_that_row(
    client, coordinator, phone_bank
):
    ben = phone_bank["people"][1]
    call_claims_take(campaign=phone_bank["campaign"], caller=coordinator, size=2)
    client.force_login(coordinator)
    response = client.post(URL, {"supporter": ben.pk, "result": "", "note": "busy tone"})
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        f'<div class="invalid-feedback d-block" id="result-error-{ben.pk}">'
        "Choose a result for this call. </div>"
    ) in html
    assert f'aria-describedby="result-error-{ben.pk}" autofocus' in html
    # Only that row has the error; the note typed is kept.
    assert html.count("invalid-feedback") == 1
    assert f'id="note-{ben.pk}" placeholder="Note" maxlength="1000" value="busy tone"' in html
    ben.refresh_from_db()
    assert ben.notes == ""
    assert ben.pk in _ids(client)
    assert CallClaim.objects.filter(supporter=ben, caller=coordinator).count() == 1


def test_each_row_names_the_row_below_it(client, coordinator, phone_bank):
    client.force_login(coordinator)
    response = client.get(URL)
    ids = [s.pk for s in response.context["supporters"]]
    html = response.content.decode()
    nexts = re.findall(
        r'name="supporter" value="(\d+)">\s*(?:<input type="hidden" name="next_row" '
        r'value="(\d+)">)?',
        html,
    )
    assert [(int(a), int(b) if b else None) for a, b in nexts] == list(
        zip(ids, [*ids[1:], None], strict=True)
    )


def test_a_save_returns_to_the_next_rows_anchor(client, coordinator, phone_bank):
    ana, ben = phone_bank["people"][:2]
    client.force_login(coordinator)
    response = client.post(
        URL, {"supporter": ana.pk, "result": CallResult.LEFT_MESSAGE, "next_row": ben.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{URL}#row-{ben.pk}"


def test_the_last_rows_save_returns_to_the_list(client, coordinator, phone_bank):
    hal = phone_bank["people"][7]
    client.force_login(coordinator)
    response = client.post(URL, {"supporter": hal.pk, "result": CallResult.REACHED})
    assert response["Location"] == URL


def test_the_pages_script_saves_and_gets_json(client, coordinator, phone_bank):
    ana, ben = phone_bank["people"][:2]
    client.force_login(coordinator)
    response = client.post(
        URL,
        {"supporter": ana.pk, "result": CallResult.REACHED, "next_row": ben.pk},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "message": "Ana Alvarez: Reached.",
        "next_row": ben.pk,
    }
    assert ana.pk not in _ids(client)


def test_the_pages_script_gets_the_error_as_json(client, coordinator, phone_bank):
    ana = phone_bank["people"][0]
    client.force_login(coordinator)
    response = client.post(
        URL, {"supporter": ana.pk, "result": ""}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "errors": {"result": ["Choose a result for this call."]},
    }
    ana.refresh_from_db()
    assert ana.notes == ""
