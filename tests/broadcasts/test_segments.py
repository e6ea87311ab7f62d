"""Segments: exactly who each filter selects, and who the channel leaves out."""

import pytest

from campaign.models import ActionKind, ActionStatus, Channel
from campaign.services.broadcasts import (
    Segment,
    broadcast_audience,
    broadcast_recipients,
    segment_supporters,
)
from tests.broadcasts.conftest import make_broadcast

pytestmark = pytest.mark.django_db


def names(queryset):
    return sorted(s.first_name.lower() for s in queryset)


def segment(world, **filters):
    return names(segment_supporters(campaign=world["campaign"], segment=Segment(**filters)))


def test_the_whole_base_is_every_member_of_the_campaign(world):
    assert segment(world) == ["ana", "beto", "cara", "dan", "eva", "fay"]


def test_by_district(world):
    d1, d2, _ = world["districts"]
    assert segment(world, districts=(d1.pk,)) == ["ana", "dan"]
    assert segment(world, districts=(d1.pk, d2.pk)) == ["ana", "beto", "dan", "eva"]


def test_by_language(world):
    assert segment(world, language="es") == ["beto", "eva", "fay"]


def test_by_sector(world):
    assert segment(world, sector="youth") == ["beto"]


def test_by_tag(world):
    tag = world["ana"].tags.get()
    assert segment(world, tag=tag.pk) == ["ana"]


def test_by_pledge_kind_and_status_in_one_action(world):
    assert segment(world, pledge_kind=ActionKind.CALL) == ["beto"]
    assert segment(world, pledge_status=ActionStatus.PLEDGED) == ["ana", "cara"]
    assert segment(world, pledge_kind=ActionKind.CALL, pledge_status=ActionStatus.PLEDGED) == []


def test_by_target_member(world):
    _, m2, m3 = world["members"]
    assert segment(world, target=m2.pk) == ["beto"]
    assert segment(world, target=m3.pk) == []


def test_by_hearing_counts_pledges_naming_no_hearing(world):
    assert segment(world, hearing=world["hearing"].pk) == ["ana", "cara"]


def test_constituents_of_undecided_or_leaning_members(world):
    # Member 1 undecided (ana, dan), Member 3 leaning no (cara); Member 2 yes.
    assert segment(world, undecided_constituents=True) == ["ana", "cara", "dan"]


def test_the_latest_stance_decides_who_is_undecided(world):
    from tests import factories

    m1 = world["members"][0]
    factories.StanceFactory(campaign=world["campaign"], member=m1, position="yes")
    assert segment(world, undecided_constituents=True) == ["cara"]


def test_filters_combine(world):
    d1, d2, _ = world["districts"]
    assert segment(world, districts=(d1.pk, d2.pk), language="es") == ["beto", "eva"]


def test_an_unknown_filter_is_refused_not_ignored():
    with pytest.raises(ValueError):
        Segment.from_json({"district": [1]})


def test_a_segment_round_trips_through_json(world):
    d1 = world["districts"][0]
    spec = Segment(districts=(d1.pk,), language="es", undecided_constituents=True)
    assert Segment.from_json(spec.to_json()) == spec
    assert Segment().to_json() == {}


def test_email_recipients_leave_out_unsubscribed_no_consent_and_bounced(world):
    broadcast = make_broadcast(world)
    assert names(broadcast_recipients(broadcast)) == ["ana", "beto", "fay"]


def test_sms_recipients_need_a_phone_and_text_consent(world):
    broadcast = make_broadcast(world, channel=Channel.SMS, subject="", subject_es="")
    assert names(broadcast_recipients(broadcast)) == ["beto"]


def test_the_audience_counts_who_is_left_out_and_why(world):
    audience = broadcast_audience(campaign=world["campaign"], segment=Segment(), channel="email")
    assert (audience.in_segment, audience.recipients) == (6, 3)
    assert audience.left_out == [
        ("Unsubscribed", 1),
        ("Email address bounced", 1),
        ("No consent to email", 1),
    ]


def test_the_audience_is_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        broadcast_audience(campaign=world["campaign"], segment=Segment(), channel="sms")
