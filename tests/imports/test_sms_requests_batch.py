"""An import attesting texts asks every phone to reply YES in one INSERT."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaign.models import Message, MessageKind, Supporter
from campaign.services.imports import supporters_import
from campaign.services.intake import sms_consents_request
from tests.imports.conftest import csv_lines

pytestmark = pytest.mark.django_db


def test_an_import_asks_every_phone_in_one_insert(method, pine_county):
    campaign = pine_county["campaign"]
    rows = [f"P{i},,p{i}@example.org,61255501{i:02d},55007," for i in range(30)]
    with CaptureQueriesContext(connection) as queries:
        supporters_import(
            text=csv_lines(*rows, "Mail,,mail@example.org,,55007,"),
            campaign=campaign,
            consents=["sms"],
            consent_note="town hall sheet",
            method=method,
        )
    inserts = [
        q["sql"]
        for q in queries
        if q["sql"].startswith("INSERT") and 'INTO "campaign_message"' in q["sql"]
    ]
    assert len(inserts) == 1
    assert sorted(
        Message.objects.filter(kind=MessageKind.SMS_CONSENT_REQUEST).values_list(
            "supporter__phone", flat=True
        )
    ) == [f"+161255501{i:02d}" for i in range(30)]


def test_asking_again_adds_nothing_and_skips_who_may_not_be_asked(pine_county):
    campaign = pine_county["campaign"]
    ana = Supporter.objects.create(first_name="Ana", phone="+16125550101")
    ben = Supporter.objects.create(first_name="Ben", email="ben@example.org")
    assert sms_consents_request(supporters=[ana, ben], campaign=campaign, wording="x") == 1
    assert sms_consents_request(supporters=[ana, ana], campaign=campaign, wording="x") == 2
    assert list(Message.objects.values_list("supporter", "kind", "dedupe_key")) == [
        (ana.pk, MessageKind.SMS_CONSENT_REQUEST, f"sms-consent-request:{campaign.pk}:{ana.pk}")
    ]
