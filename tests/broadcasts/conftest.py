"""A small base for the broadcast tests (on top of `pine_county`).

In the campaign's base:
- ana:  district 1, English, email consent, parents, tag "volunteers", open
        pledge to testify at the hearing.
- beto: district 2, Spanish, email and text consent, youth, completed call
        to Member 2.
- cara: district 3, English, email consent, unsubscribed; attends (pledged,
        no hearing named: counts for every hearing).
- dan:  district 1, English, email, no consent.
- eva:  district 2, Spanish, email consent, address bounced.
- fay:  no district, Spanish, email consent, signed up without an ask.
Outside the base: gus (another campaign).
Stances: Member 1 undecided, Member 2 yes, Member 3 leaning no.
"""

import pytest
from django.utils import timezone

from campaign import sms
from campaign.models import ActionKind, ActionStatus, Membership, Position, Tag
from tests import factories


@pytest.fixture(autouse=True)
def _broadcast_settings(settings):
    settings.SMS_BACKEND = "locmem"
    settings.SITE_URL = "https://groundswell.example.org"
    settings.TIME_ZONE = "America/Chicago"
    settings.QUIET_HOURS_START = "20:00"
    settings.QUIET_HOURS_END = "09:00"
    settings.BROADCAST_EMAIL_PER_MINUTE = 300
    settings.BROADCAST_SMS_PER_MINUTE = 60
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def world(pine_county):
    campaign = pine_county["campaign"]
    d1, d2, d3 = pine_county["districts"]
    m1, m2, m3 = pine_county["members"]
    hearing = factories.HearingFactory(campaign=campaign)
    now = timezone.now()

    def person(name, district, language="en", consent=True, **extra):
        return factories.SupporterFactory(
            first_name=name.capitalize(),
            last_name="Test",
            email=f"{name}@example.org",
            district=district,
            language=language,
            email_consent_at=now if consent else None,
            **extra,
        )

    ana = person("ana", d1, sector="parents")
    ana.tags.add(Tag.objects.create(name="volunteers"))
    factories.ActionFactory(
        supporter=ana, campaign=campaign, kind=ActionKind.TESTIMONY_IN_PERSON, hearing=hearing
    )
    beto = person("beto", d2, "es", sector="youth", phone="+16125550101", sms_consent_at=now)
    factories.ActionFactory(
        supporter=beto, campaign=campaign, status=ActionStatus.COMPLETED, target=m2
    )
    cara = person("cara", d3, unsubscribed_at=now)
    factories.ActionFactory(supporter=cara, campaign=campaign, kind=ActionKind.ATTEND_HEARING)
    dan = person("dan", d1, consent=False)
    eva = person("eva", d2, "es", email_bounced_at=now)
    fay = person("fay", None, "es")
    for supporter in (dan, eva, fay):
        Membership.objects.create(campaign=campaign, supporter=supporter, source="public_form")
    gus = person("gus", d1)
    factories.ActionFactory(supporter=gus)
    for member, position in (
        (m1, Position.UNDECIDED),
        (m2, Position.YES),
        (m3, Position.LEANING_NO),
    ):
        factories.StanceFactory(campaign=campaign, member=member, position=position)
    return {
        **pine_county,
        "hearing": hearing,
        "ana": ana,
        "beto": beto,
        "cara": cara,
        "dan": dan,
        "eva": eva,
        "fay": fay,
        "gus": gus,
    }


def make_broadcast(world, **fields):
    from campaign.models import Broadcast

    values = {
        "campaign": world["campaign"],
        "subject": "Hello {first_name}",
        "subject_es": "Hola {first_name}",
        "body": "Dear {first_name}, call {commissioner} of {district}.",
        "body_es": "Hola {first_name}, llame a {commissioner} de {district}.",
        **fields,
    }
    return Broadcast.objects.create(**values)
