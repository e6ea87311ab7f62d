"""The decision body's admin action "Import from Legistar"."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from campaign.models import CouncilMember

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=zoneinfo.ZoneInfo("America/Chicago"))
pytestmark = pytest.mark.django_db


def run_action(client, body):
    return client.post(
        reverse("admin:campaign_decisionbody_changelist"),
        {"action": "import_from_legistar", "_selected_action": [str(body.pk)]},
        follow=True,
    )


@time_machine.travel(NOW, tick=False)
def test_the_action_imports_the_body_and_says_what_changed(
    legistar, board, campaign, client, admin
):
    client.force_login(admin)
    response = run_action(client, board)
    texts = [str(m) for m in response.context["messages"]]
    assert texts == [
        "Pine County Board of Commissioners: members: 8 created, 0 updated, 0 unchanged; "
        "hearings: 2 created, 0 updated, 0 unchanged; votes: 6 created, 0 updated, "
        "0 unchanged; campaigns: 0 created, 1 updated, 0 unchanged",
        "Not imported: vote 'Recused' by Luis Peña on item 60022: not a known vote value, left out",
    ]
    assert CouncilMember.objects.filter(body=board).count() == 8


@time_machine.travel(NOW, tick=False)
def test_the_action_reports_a_body_legistar_cannot_give(legistar, board, client, admin):
    board.legistar_body_id = 999
    board.save()
    client.force_login(admin)
    response = run_action(client, board)
    assert [str(m) for m in response.context["messages"]] == [
        "Pine County Board of Commissioners: Legistar could not be read (pinecounty: no body 999)."
    ]
