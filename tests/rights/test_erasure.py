"""Erasure: every trace of identity goes, every figure stays."""

import json

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse

from campaign import selectors
from campaign.models import (
    Action,
    CallClaim,
    ConsentEvent,
    Membership,
    MessageStatus,
    PendingSignup,
    SignupSubmission,
    Supporter,
    SupporterLink,
    Suppression,
    Tag,
)
from campaign.services.privacy import address_digest, supporter_erase
from tests.rights.conftest import QUENTIN, neighbour_values, quentin_values

pytestmark = pytest.mark.django_db

_TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def _text_cells():
    """(table, column, text) for every text and JSON column of every table."""
    for model in apps.get_models(include_auto_created=True):
        fields = [f for f in model._meta.concrete_fields if isinstance(f, _TEXT_FIELDS)]
        if not fields:
            continue
        for row in model._base_manager.values_list(*(f.attname for f in fields)):
            for field, value in zip(fields, row, strict=True):
                if value is None:
                    continue
                text = (
                    json.dumps(value, ensure_ascii=False)
                    if isinstance(field, models.JSONField)
                    else str(value)
                )
                yield model._meta.db_table, field.column, text


def _found(values: list[str]) -> list[tuple[str, str, str]]:
    lowered = [value.lower() for value in values]
    return [
        (table, column, value)
        for table, column, text in _text_cells()
        for value, low in zip(values, lowered, strict=True)
        if low in text.lower()
    ]


@pytest.fixture
def erase_in_admin(client, coordinator, django_capture_on_commit_callbacks):
    def erase(supporter):
        client.force_login(coordinator)
        url = reverse("admin:campaign_supporter_erase", args=[supporter.pk])
        # The trail's entries (the erasure's own too) are written on commit.
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url)

    return erase


def test_before_erasure_the_scan_finds_every_value(people):
    # The scan below could pass by finding nothing anywhere; here it must find.
    found = {value for _table, _column, value in _found(quentin_values())}
    assert found == set(quentin_values())


def test_no_text_column_of_any_table_holds_the_erased_person(people, erase_in_admin):
    response = erase_in_admin(people["quentin"])
    assert response.status_code == 302
    assert _found(quentin_values()) == []


def test_the_neighbour_keeps_every_value(people, erase_in_admin):
    erase_in_admin(people["quentin"])
    found = {value for _table, _column, value in _found(neighbour_values())}
    assert found == set(neighbour_values())


def _figures(campaign, districts):
    whip = selectors.whip_count(campaign)
    return {
        "members": [
            (
                m.pk,
                m.position,
                m.constituent_contacts,
                m.other_contacts,
                m.pledged_count,
                m.completed_count,
                m.last_contact,
            )
            for m in whip.members
        ],
        "focus": [m.pk for m in whip.focus],
        "secured": (whip.secured, whip.secured_with_leaning, whip.votes_needed),
        "pressure": selectors.pressure(campaign),
        "base": selectors.base(campaign, districts),
        "roster": selectors.roster_summary(campaign),
        "organizing": selectors.organizing(campaign),
        "overdue": [a.pk for a in selectors.overdue_pledges(campaign)],
    }


def test_the_dashboard_figures_do_not_change(people):
    campaign, districts = people["campaign"], people["districts"]
    before = _figures(campaign, districts)
    supporter_erase(supporter=people["quentin"])
    assert _figures(campaign, districts) == before
    # Quentin's constituent call to Member 1 is among them (with s1's, s2's
    # and the neighbour's).
    assert before["members"][0][2] == 4


def test_the_row_stays_anonymous_with_what_the_figures_count_by(people):
    quentin = people["quentin"]
    supporter_erase(supporter=quentin)
    quentin.refresh_from_db()
    assert (quentin.first_name, quentin.last_name, quentin.search_name) == ("Erased", "", "erased")
    assert (quentin.email, quentin.phone, quentin.zip_code, quentin.street_address) == (
        None,
        None,
        "",
        "",
    )
    assert (quentin.district, quentin.sector, quentin.language) == (
        people["districts"][0],
        "parents",
        "es",
    )
    assert quentin.erased_at is not None
    assert quentin.unsubscribed_at is not None
    assert quentin.email_consent_at is None


def test_actions_memberships_and_consents_stay_without_their_text(people):
    quentin = people["quentin"]
    supporter_erase(supporter=quentin)
    assert list(
        Action.objects.filter(supporter=quentin)
        .order_by("kind")
        .values_list("kind", "status", "outcome_note", "idempotency_key")
    ) == [("call", "completed", "", None), ("letter", "pledged", "", None)]
    assert Membership.objects.get(supporter=quentin).recruited_by == people["neighbour"]
    assert list(
        ConsentEvent.objects.filter(supporter=quentin).values_list(
            "channel", "kind", "source", "wording"
        )
    ) == [("email", "granted", "erased", "")]


def test_pending_messages_are_cancelled_and_every_message_loses_its_details(people):
    quentin = people["quentin"]
    supporter_erase(supporter=quentin)
    assert sorted(
        quentin.messages.values_list("dedupe_key", "status", "provider_message_id", "last_error")
    ) == [
        ("q-failed", MessageStatus.FAILED, "", ""),
        ("q-pending", MessageStatus.CANCELLED, "", ""),
        ("q-sent", MessageStatus.SENT, "", ""),
    ]
    assert {json.dumps(m.context) for m in quentin.messages.all()} == {"{}"}
    # The neighbour's pending message is still pending.
    assert people["neighbour"].messages.get(dedupe_key="n-pending").status == "pending"


def test_signups_links_claims_and_personal_tags_go(people):
    quentin, neighbour = people["quentin"], people["neighbour"]
    supporter_erase(supporter=quentin)
    assert not PendingSignup.objects.filter(supporter=quentin).exists()
    assert list(SignupSubmission.objects.values_list("payload__email", flat=True)) == [
        neighbour.email
    ]
    assert not CallClaim.objects.filter(supporter=quentin).exists()
    # The share link is revoked, not deleted (its token is derived from a count).
    [share] = SupporterLink.objects.filter(supporter=quentin)
    assert (share.purpose, share.revoked_at is not None) == ("share", True)
    assert list(quentin.tags.values_list("name", flat=True)) == ["non-constituent"]
    assert not Tag.objects.filter(name="Zebrafish club of Marchettova").exists()
    assert Tag.objects.filter(name="Okapi street team").exists()


def test_one_way_hashes_of_the_email_and_phone_are_kept(people):
    supporter_erase(supporter=people["quentin"])
    assert sorted(Suppression.objects.values_list("kind", "digest")) == sorted(
        [
            ("email", address_digest(QUENTIN["email"])),
            ("phone", address_digest(QUENTIN["phone"])),
        ]
    )


def test_erasing_twice_changes_nothing_more(people):
    quentin = people["quentin"]
    supporter_erase(supporter=quentin)
    quentin.refresh_from_db()
    erased_at = quentin.erased_at
    supporter_erase(supporter=quentin)
    quentin.refresh_from_db()
    assert quentin.erased_at == erased_at
    assert Suppression.objects.count() == 2


def test_the_confirmation_page_counts_what_goes_and_what_stays(people, client, coordinator):
    client.force_login(coordinator)
    quentin = people["quentin"]
    page = client.get(reverse("admin:campaign_supporter_erase", args=[quentin.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    for line in (
        "2 actions (campaign, kind, status, target, dates)",
        "1 message not yet sent: cancelled",
        "2 messages already sent or stopped",
        "2 sign-ups waiting: deleted",
        "2 personal links: deleted or revoked",
        "1 tag a coordinator added: removed",
        "1 consent record (channel, kind, date)",
        "1 campaign membership",
    ):
        assert line in text, line
    # Nothing changed by looking.
    assert Supporter.objects.get(pk=quentin.pk).erased_at is None


def test_the_change_page_offers_erasure_to_coordinators(people, client, coordinator):
    client.force_login(coordinator)
    quentin = people["quentin"]
    page = client.get(reverse("admin:campaign_supporter_change", args=[quentin.pk]))
    assert reverse("admin:campaign_supporter_erase", args=[quentin.pk]) in page.content.decode()


def test_a_viewer_can_neither_see_nor_use_erasure(people, client, viewer):
    client.force_login(viewer)
    url = reverse("admin:campaign_supporter_erase", args=[people["quentin"].pk])
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert Supporter.objects.get(pk=people["quentin"].pk).erased_at is None


def test_the_admin_action_asks_then_erases_the_selected(people, client, coordinator):
    client.force_login(coordinator)
    changelist = reverse("admin:campaign_supporter_changelist")
    ids = [people["quentin"].pk, people["neighbour"].pk]
    asked = client.post(changelist, {"action": "erase_selected", "_selected_action": ids})
    assert "Erase these people?" in asked.content.decode()
    assert Supporter.objects.filter(erased_at__isnull=False).count() == 0
    done = client.post(
        changelist, {"action": "erase_selected", "_selected_action": ids, "post": "yes"}
    )
    assert done.status_code == 302
    assert Supporter.objects.filter(pk__in=ids, erased_at__isnull=False).count() == 2


def test_every_seeded_supporter_can_be_erased_whatever_they_did(people):
    for supporter in Supporter.objects.all():
        supporter_erase(supporter=supporter)
    assert not Supporter.objects.filter(erased_at__isnull=True).exists()
    assert not Supporter.objects.exclude(first_name="Erased").exists()


def test_an_erased_record_is_read_only_in_the_admin(people, client, coordinator):
    quentin = people["quentin"]
    supporter_erase(supporter=quentin)
    client.force_login(coordinator)
    url = reverse("admin:campaign_supporter_change", args=[quentin.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()


def test_the_audit_trail_keeps_who_and_when_without_the_values(people, erase_in_admin, coordinator):
    from auditlog.models import LogEntry as TrailEntry

    from campaign.audit import supporter_entries_q

    quentin = people["quentin"]
    about = TrailEntry.objects.filter(supporter_entries_q(quentin.pk))
    before = about.count()
    assert before > 0
    erase_in_admin(quentin)
    assert about.count() == before
    erasure = TrailEntry.objects.get(additional_data__event="bulk_erased")
    assert (erasure.actor, erasure.additional_data["note"]) == (coordinator, f"#{quentin.pk}")


def test_the_confirmation_page_speaks_spanish(people, client, coordinator):
    client.force_login(coordinator)
    url = reverse("admin:campaign_supporter_erase", args=[people["quentin"].pk])
    text = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "2 acciones (campaña, tipo, estado, destinatario, fechas)" in text
    assert "Lo que se borra" in text


def test_erasure_clears_the_persons_coordinates(db, admin):
    from campaign.services.privacy import supporter_erase
    from tests import factories

    supporter = factories.SupporterFactory(latitude=46.123456, longitude=-92.654321)
    supporter_erase(supporter=supporter, by=admin)
    supporter.refresh_from_db()
    assert (supporter.latitude, supporter.longitude) == (None, None)


def test_an_access_export_includes_the_coordinates(db):
    from campaign.services.privacy import supporter_access_data
    from tests import factories

    supporter = factories.SupporterFactory(latitude=46.5, longitude=-92.25)
    person = supporter_access_data(supporter)["person"]
    assert (person["latitude"], person["longitude"]) == (46.5, -92.25)
