"""Quick log: whose office a call is credited to.

Each supporter's own commissioner (the active member holding their district's
seat) is the default target, named on the screen. "Save and next" carries a
target to the next person only when the coordinator ticks the box saying so,
and the next screen says it was kept."""

import html
from urllib.parse import parse_qsl, urlsplit

import pytest
from django import forms

from campaign.models import Action, ActionKind
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/dashboard/parks-alcohol-ordinance/log/"


@pytest.fixture
def board(pine_county):
    """Pine County with all seven seats filled: District 4 is Commissioner
    Ortega's, District 7 Commissioner Yazzie's."""
    body = pine_county["body"]
    names = {4: "Ortega", 5: "Lindqvist", 6: "Okafor", 7: "Yazzie"}
    districts = list(pine_county["districts"])
    members = list(pine_county["members"])
    for number, name in names.items():
        district = factories.DistrictFactory(body=body, number=number)
        districts.append(district)
        members.append(factories.CouncilMemberFactory(body=body, district=district, name=name))
    return {**pine_county, "districts": districts, "members": members}


def _supporter(board, number, n):
    return factories.SupporterFactory(
        first_name=f"Caller{n}",
        last_name="Tester",
        email=f"caller{n}@example.org",
        district=board["districts"][number - 1],
    )


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _as_submitted(form) -> dict:
    """What a browser sends for the form as rendered: each field's shown
    value, a checkbox only when ticked."""
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
            continue
        if value is None:
            continue
        data[name] = getattr(value, "pk", value)
    return data


def _query(location: str) -> dict:
    return dict(parse_qsl(urlsplit(location).query))


def test_ten_calls_with_save_and_next_are_each_credited_to_the_callers_own_member(
    client, coordinator, board
):
    client.force_login(coordinator)
    # The first caller is in District 7, as on the night the bug was found.
    numbers = [7, 2, 3, 4, 5, 6, 2, 5, 3, 4]
    callers = [_supporter(board, number, n) for n, number in enumerate(numbers)]
    carried = {"kind": ActionKind.CALL}
    for caller in callers:
        page = client.get(URL, {**carried, "supporter": caller.pk})
        data = _as_submitted(page.context["log_form"])
        response = client.post(URL, {**data, "supporter": caller.pk, "save_next": "1"})
        assert response.status_code == 302
        carried = _query(response["Location"])

    credited = dict(
        Action.objects.filter(supporter__in=callers).values_list("supporter_id", "target_id")
    )
    # Each call should be credited to the member holding the caller's own seat.
    assert credited == {
        caller.pk: board["members"][number - 1].pk
        for caller, number in zip(callers, numbers, strict=True)
    }


def test_a_kept_target_is_credited_and_the_next_screen_says_it_was_kept(client, coordinator, board):
    client.force_login(coordinator)
    ortega = board["members"][3]
    first = _supporter(board, 2, 1)
    second = _supporter(board, 3, 2)
    page = client.get(URL, {"kind": "call", "supporter": first.pk})
    data = _as_submitted(page.context["log_form"])
    data.update(target=ortega.pk, keep_target="on")
    response = client.post(URL, {**data, "supporter": first.pk, "save_next": "1"})

    carried = _query(response["Location"])
    next_page = client.get(URL, {**carried, "supporter": second.pk})

    # The kept member is preselected and the screen says plainly it is not
    # this caller's own commissioner.
    assert str(next_page.context["log_form"]["target"].value()) == str(ortega.pk)
    assert (
        "Target kept from the last call: Commissioner Ortega — "
        "not this supporter's own commissioner" in _page(next_page)
    )
    client.post(
        URL,
        {**_as_submitted(next_page.context["log_form"]), "supporter": second.pk, "save": "1"},
    )
    assert Action.objects.get(supporter=second).target == ortega


def test_the_keep_box_is_unticked_by_default_and_keeps_the_chosen_member(
    client, coordinator, board
):
    client.force_login(coordinator)
    caller = _supporter(board, 4, 1)

    response = client.get(URL, {"supporter": caller.pk})

    form = response.context["log_form"]
    assert not form["keep_target"].value()
    assert f'for="{form["keep_target"].id_for_label}"' in response.content.decode()
    # Not a name: the coordinator may choose another member in the select
    # just above, and without JavaScript a name here would go stale.
    assert "Keep calling into the chosen member's office for the next person" in _page(response)


def test_unticking_the_box_sends_the_next_person_to_their_own_member(client, coordinator, board):
    client.force_login(coordinator)
    ortega, yazzie = board["members"][3], board["members"][6]
    first, second, third = (_supporter(board, 2, n) for n in range(3))
    third.district = board["districts"][6]
    third.save()
    # First call: Ortega kept for the next person.
    page = client.get(URL, {"supporter": first.pk})
    data = {**_as_submitted(page.context["log_form"]), "target": ortega.pk, "keep_target": "on"}
    carried = _query(
        client.post(URL, {**data, "supporter": first.pk, "save_next": "1"})["Location"]
    )
    # Second call: still Ortega, but the coordinator unticks the box.
    page = client.get(URL, {**carried, "supporter": second.pk})
    data = _as_submitted(page.context["log_form"])
    data.pop("keep_target", None)
    carried = _query(
        client.post(URL, {**data, "supporter": second.pk, "save_next": "1"})["Location"]
    )

    page = client.get(URL, {**carried, "supporter": third.pk})

    assert str(page.context["log_form"]["target"].value()) == str(yazzie.pk)
    assert "Target: Commissioner Yazzie (District 7, their own commissioner)" in _page(page)


def test_the_screen_names_the_supporters_own_commissioner(client, coordinator, board):
    client.force_login(coordinator)
    caller = _supporter(board, 4, 1)

    response = client.get(URL, {"supporter": caller.pk})

    assert "Target: Commissioner Ortega (District 4, their own commissioner)" in _page(response)


def test_a_supporter_with_no_district_gets_no_target_and_is_told_so(client, coordinator, board):
    client.force_login(coordinator)
    caller = factories.SupporterFactory(zip_code="55063", district=None)

    response = client.get(URL, {"supporter": caller.pk})

    assert response.context["log_form"]["target"].value() in (None, "")
    assert "no district known: choose a member or leave empty" in _page(response)


def test_a_target_in_an_old_link_is_not_carried_silently(client, coordinator, board):
    client.force_login(coordinator)
    caller = _supporter(board, 2, 1)
    yazzie = board["members"][6]

    response = client.get(URL, {"supporter": caller.pk, "kind": "call", "target": yazzie.pk})

    assert str(response.context["log_form"]["target"].value()) == str(board["members"][1].pk)


def test_a_kept_target_from_another_body_is_ignored(client, coordinator, board):
    client.force_login(coordinator)
    caller = _supporter(board, 2, 1)
    stranger = factories.CouncilMemberFactory(name="Elsewhere")

    response = client.get(URL, {"supporter": caller.pk, "keep_target": stranger.pk})

    assert str(response.context["log_form"]["target"].value()) == str(board["members"][1].pk)
    assert "Elsewhere" not in _page(response)


def test_the_search_screen_says_which_target_is_kept(client, coordinator, board):
    client.force_login(coordinator)
    ortega = board["members"][3]

    response = client.get(URL, {"kind": "call", "keep_target": ortega.pk})

    assert "Target kept from the last call: Commissioner Ortega" in _page(response)
