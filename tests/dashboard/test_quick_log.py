"""Quick logging for phone banks: find, log, save and next."""

import pytest

from campaign.models import Action, ActionKind, ActionStatus, Supporter

pytestmark = pytest.mark.django_db

URL = "/dashboard/parks-alcohol-ordinance/log/"


def _form_token(response):
    return response.context["log_form"].initial["token"]


def test_the_plain_form_finds_supporters_by_name_email_or_phone(client, coordinator, seeded):
    client.force_login(coordinator)
    s1 = seeded["supporters"][0]
    for query in ("Zelda1", "zelda1 quixote1", "seeded1@", "612-555-0001", "(612) 555-0001"):
        response = client.get(URL, {"q": query})
        assert [r["id"] for r in response.context["results"]] == [s1.pk], query


def test_the_search_endpoint_answers_json_as_you_type(client, coordinator, seeded):
    client.force_login(coordinator)
    response = client.get(
        "/dashboard/parks-alcohol-ordinance/search/", {"q": "quixote", "kind": "call"}
    )
    results = response.json()["results"]
    assert [r["email"] for r in results] == [f"seeded{n}@example.org" for n in range(1, 7)]
    assert results[0]["url"].endswith(f"?kind=call&supporter={seeded['supporters'][0].pk}")


def test_the_search_box_has_autofocus_and_a_label(client, coordinator, seeded):
    client.force_login(coordinator)
    html = client.get(URL).content.decode()
    assert '<label class="form-label" for="supporter-search">' in html
    assert "autofocus" in html
    assert "<script>" not in html  # CSP: no inline scripts


def test_the_target_defaults_to_the_supporters_own_member(client, coordinator, seeded):
    client.force_login(coordinator)
    s3 = seeded["supporters"][2]  # district 2
    response = client.get(URL, {"supporter": s3.pk})
    assert response.context["log_form"].initial["target"] == seeded["members"][1].pk


def test_save_and_next_logs_and_keeps_the_kind_not_the_target(client, coordinator, seeded):
    client.force_login(coordinator)
    s4 = seeded["supporters"][3]
    m1 = seeded["members"][0]
    token = _form_token(client.get(URL, {"supporter": s4.pk}))
    response = client.post(
        URL,
        {
            "supporter": s4.pk,
            "kind": ActionKind.CALL,
            "target": m1.pk,
            "status": ActionStatus.COMPLETED,
            "note": "Left voicemail for the commissioner",
            "token": token,
            "save_next": "1",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?kind=call"
    action = Action.objects.get(supporter=s4, kind=ActionKind.CALL, target=m1)
    assert action.status == ActionStatus.COMPLETED and action.logged_by == coordinator
    # The next person's form starts with the same kind and their own member
    # (the "keep the target" box was not ticked).
    s3 = seeded["supporters"][2]
    form = client.get(URL, {"supporter": s3.pk, "kind": "call"}).context["log_form"]
    assert form.initial["kind"] == "call"
    assert str(form.initial["target"]) == str(seeded["members"][1].pk)


def test_a_double_submit_logs_once(client, coordinator, seeded):
    client.force_login(coordinator)
    s4 = seeded["supporters"][3]
    data = {
        "supporter": s4.pk,
        "kind": ActionKind.LETTER,
        "status": ActionStatus.COMPLETED,
        "token": "a" * 32,
        "save": "1",
    }
    client.post(URL, data)
    client.post(URL, data)
    assert Action.objects.filter(supporter=s4, kind=ActionKind.LETTER).count() == 1


def test_a_new_supporter_is_added_inline(client, coordinator, seeded):
    client.force_login(coordinator)
    response = client.post(
        f"{URL}?kind=call",
        {
            "form": "new",
            "new-first_name": "Nina",
            "new-last_name": "Simone",
            "new-email": "Nina@Example.org",
            "new-phone": "",
            "new-zip_code": "55072",
            "new-language": "es",
        },
    )
    nina = Supporter.objects.get(email="nina@example.org")
    assert response["Location"] == f"{URL}?kind=call&supporter={nina.pk}"
    assert nina.district == seeded["districts"][2]


def test_an_invalid_new_supporter_comes_back_with_errors(client, coordinator, seeded):
    client.force_login(coordinator)
    response = client.post(
        URL,
        {"form": "new", "new-first_name": "Bad", "new-phone": "12", "new-language": "en"},
    )
    assert response.status_code == 200
    assert "Enter a valid phone number." in response.content.decode()
    assert not Supporter.objects.filter(first_name="Bad").exists()


def test_a_log_for_an_unknown_supporter_is_a_404(client, coordinator, seeded):
    client.force_login(coordinator)
    response = client.post(URL, {"supporter": "999999", "kind": "call", "token": "x"})
    assert response.status_code == 404
