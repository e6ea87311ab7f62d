"""OSDI resources as HAL+JSON (out) and OSDI input (in). Groundswell fields
OSDI lacks are `groundswell:`-prefixed, so plain OSDI clients ignore them."""

import datetime as dt
import re

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaign.api.hal import href
from campaign.models import ActionKind, ActionStatus, Sector

NAMESPACE = "groundswell"
EMAIL_STATUSES = ("subscribed", "unsubscribed", "bouncing")
PHONE_STATUSES = ("subscribed", "unsubscribed")
# OSDI outreach types for the contact kinds an outreach records.
OUTREACH_TYPES = {
    ActionKind.CALL: "phone",
    ActionKind.LETTER: "postal mail",
    ActionKind.EMAIL: "email",
    ActionKind.MEETING: "in-person",
}
OUTREACH_KINDS = tuple(OUTREACH_TYPES)
OUTREACH_KIND_CHOICES = [kind.value for kind in OUTREACH_KINDS]
_IDENTIFIER = re.compile(r"^[A-Za-z0-9_.\-]{1,50}:[^\s]{1,200}$")


class UtcDateTimeField(serializers.DateTimeField):
    """In UTC ("2026-03-20T21:04:31Z"), as Action Network writes dates."""

    def __init__(self, **kwargs):
        super().__init__(default_timezone=dt.UTC, **kwargs)


def own_identifier(pk) -> str:
    return f"{NAMESPACE}:{pk}"


def action_identifiers(action) -> list[str]:
    found = [own_identifier(action.pk)]
    if action.idempotency_key and action.idempotency_key.startswith("api:"):
        # The id the client sent with it, as sent.
        found.append(action.idempotency_key.removeprefix("api:"))
    return found


def _links_field():
    return extend_schema_field(OpenApiTypes.OBJECT)


class _Serializer(serializers.Serializer):
    """Adds `extra_fields()` under names Python attributes cannot have (`groundswell:sector`)."""

    def extra_fields(self) -> dict:
        return {}

    def get_fields(self):
        return {**super().get_fields(), **self.extra_fields()}

    @property
    def request(self):
        return self.context["request"]


# --- Out -------------------------------------------------------------------


class EmailAddressSerializer(serializers.Serializer):
    primary = serializers.BooleanField()
    address = serializers.EmailField()
    status = serializers.ChoiceField(EMAIL_STATUSES)


class PhoneNumberSerializer(serializers.Serializer):
    primary = serializers.BooleanField()
    number = serializers.CharField()
    number_type = serializers.CharField()
    status = serializers.ChoiceField(PHONE_STATUSES)


class PostalAddressSerializer(serializers.Serializer):
    primary = serializers.BooleanField()
    address_lines = serializers.ListField(child=serializers.CharField())
    postal_code = serializers.CharField()
    country = serializers.CharField()


class DistrictSerializer(serializers.Serializer):
    name = serializers.CharField()
    number = serializers.IntegerField(allow_null=True)
    ocdid = serializers.CharField(source="ocd_id")


class PersonSerializer(_Serializer):
    identifiers = serializers.SerializerMethodField()
    created_date = UtcDateTimeField(source="created_at")
    modified_date = UtcDateTimeField(source="updated_at")
    given_name = serializers.CharField(source="first_name")
    family_name = serializers.CharField(source="last_name")
    languages_spoken = serializers.SerializerMethodField()
    email_addresses = serializers.SerializerMethodField()
    phone_numbers = serializers.SerializerMethodField()
    postal_addresses = serializers.SerializerMethodField()
    _links = serializers.SerializerMethodField()

    def extra_fields(self):
        return {
            "groundswell:district": DistrictSerializer(source="district", allow_null=True),
            "groundswell:sector": serializers.CharField(source="sector"),
            "groundswell:is_youth": serializers.BooleanField(source="is_youth"),
        }

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_identifiers(self, supporter):
        foreign = [f"{i.scheme}:{i.value}" for i in supporter.identifiers.all()]
        return [own_identifier(supporter.pk), *foreign]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_languages_spoken(self, supporter):
        return [supporter.language]

    @extend_schema_field(EmailAddressSerializer(many=True))
    def get_email_addresses(self, supporter):
        if not supporter.email:
            return []
        if supporter.email_bounced_at:
            state = "bouncing"
        elif supporter.email_consent_at and not supporter.unsubscribed_at:
            state = "subscribed"
        else:
            # As Action Network: anyone who may not be emailed.
            state = "unsubscribed"
        return [{"primary": True, "address": supporter.email, "status": state}]

    @extend_schema_field(PhoneNumberSerializer(many=True))
    def get_phone_numbers(self, supporter):
        if not supporter.phone:
            return []
        subscribed = supporter.sms_consent_at and not supporter.unsubscribed_at
        return [
            {
                "primary": True,
                "number": supporter.phone,
                "number_type": "Mobile",
                "status": "subscribed" if subscribed else "unsubscribed",
            }
        ]

    @extend_schema_field(PostalAddressSerializer(many=True))
    def get_postal_addresses(self, supporter):
        if not supporter.zip_code and not supporter.street_address:
            return []
        lines = [supporter.street_address] if supporter.street_address else []
        return [
            {
                "primary": True,
                "address_lines": lines,
                "postal_code": supporter.zip_code,
                "country": "US",
            }
        ]

    @_links_field()
    def get__links(self, supporter):
        return {"self": href(self.request, "person", pk=supporter.pk)}


class TagSerializer(_Serializer):
    identifiers = serializers.SerializerMethodField()
    name = serializers.CharField()
    _links = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_identifiers(self, tag):
        return [own_identifier(tag.pk)]

    @_links_field()
    def get__links(self, tag):
        return {
            "self": href(self.request, "tag", pk=tag.pk),
            "osdi:taggings": href(self.request, "taggings", tag_pk=tag.pk),
        }


class TaggingSerializer(_Serializer):
    """A row of Supporter.tags' through table."""

    identifiers = serializers.SerializerMethodField()
    item_type = serializers.SerializerMethodField()
    _links = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_identifiers(self, tagging):
        return [own_identifier(tagging.pk)]

    @extend_schema_field(serializers.CharField())
    def get_item_type(self, tagging):
        return "osdi:person"

    @_links_field()
    def get__links(self, tagging):
        return {
            "self": href(self.request, "tagging", tag_pk=tagging.tag_id, pk=tagging.pk),
            "osdi:tag": href(self.request, "tag", pk=tagging.tag_id),
            "osdi:person": href(self.request, "person", pk=tagging.supporter_id),
        }


def _name_parts(name: str) -> tuple[str, str]:
    given, _, family = name.rpartition(" ")
    return (given, family) if given else ("", name)


class TargetSerializer(_Serializer):
    """A member of the decision body, as an OSDI target."""

    title = serializers.CharField()
    organization = serializers.CharField(source="body.name")
    given_name = serializers.SerializerMethodField()
    family_name = serializers.SerializerMethodField()
    ocdid = serializers.SerializerMethodField()

    def extra_fields(self):
        return {
            "groundswell:id": serializers.IntegerField(source="pk"),
            "groundswell:district": DistrictSerializer(source="district", allow_null=True),
        }

    @extend_schema_field(serializers.CharField())
    def get_given_name(self, member):
        return _name_parts(member.name)[0]

    @extend_schema_field(serializers.CharField())
    def get_family_name(self, member):
        return _name_parts(member.name)[1]

    @extend_schema_field(serializers.CharField())
    def get_ocdid(self, member):
        # The seat's division; a member without a district sits for the whole body.
        if member.district_id and member.district.ocd_id:
            return member.district.ocd_id
        return member.body.ocd_division_id


class CampaignTargetSerializer(TargetSerializer):
    def extra_fields(self):
        return {
            **super().extra_fields(),
            "groundswell:stance": serializers.SerializerMethodField(method_name="get_stance"),
        }

    @extend_schema_field(serializers.CharField())
    def get_stance(self, member):
        return self.context["stances"].get((self.context["campaign_id"], member.pk), "unknown")


class AdvocacyCampaignSerializer(_Serializer):
    identifiers = serializers.SerializerMethodField()
    created_date = UtcDateTimeField(source="created_at")
    modified_date = UtcDateTimeField(source="updated_at")
    origin_system = serializers.SerializerMethodField()
    title = serializers.CharField(source="name")
    description = serializers.CharField(source="goal")
    targets = serializers.SerializerMethodField()
    total_outreaches = serializers.IntegerField()
    _links = serializers.SerializerMethodField()

    def extra_fields(self):
        return {
            "groundswell:slug": serializers.CharField(source="slug"),
            "groundswell:status": serializers.CharField(source="status"),
            "groundswell:votes_needed": serializers.IntegerField(
                source="votes_needed", allow_null=True
            ),
        }

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_identifiers(self, campaign):
        return [own_identifier(campaign.pk)]

    @extend_schema_field(serializers.CharField())
    def get_origin_system(self, campaign):
        return "Groundswell"

    @extend_schema_field(CampaignTargetSerializer(many=True))
    def get_targets(self, campaign):
        members = campaign.decision_body.members.all()
        context = {**self.context, "campaign_id": campaign.pk}
        return CampaignTargetSerializer(members, many=True, context=context).data

    @_links_field()
    def get__links(self, campaign):
        return {
            "self": href(self.request, "advocacy_campaign", pk=campaign.pk),
            "osdi:outreaches": href(self.request, "outreaches", campaign_pk=campaign.pk),
            "osdi:record_outreach_helper": href(
                self.request, "record_outreach_helper", campaign_pk=campaign.pk
            ),
        }


class OutreachSerializer(_Serializer):
    """A completed contact (call, letter, email, meeting) with its target."""

    identifiers = serializers.SerializerMethodField()
    created_date = UtcDateTimeField(source="created_at")
    modified_date = UtcDateTimeField(source="updated_at")
    type = serializers.SerializerMethodField()
    message = serializers.CharField(source="outcome_note")
    targets = serializers.SerializerMethodField()
    _links = serializers.SerializerMethodField()

    def extra_fields(self):
        return {
            "groundswell:kind": serializers.CharField(source="kind"),
            "groundswell:completed_date": UtcDateTimeField(source="completed_at"),
        }

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_identifiers(self, action):
        return action_identifiers(action)

    @extend_schema_field(serializers.CharField())
    def get_type(self, action):
        return OUTREACH_TYPES.get(action.kind, "other")

    @extend_schema_field(TargetSerializer(many=True))
    def get_targets(self, action):
        if action.target is None:
            return []
        return [TargetSerializer(action.target, context=self.context).data]

    @_links_field()
    def get__links(self, action):
        return {
            "self": href(self.request, "outreach", campaign_pk=action.campaign_id, pk=action.pk),
            "osdi:advocacy_campaign": href(
                self.request, "advocacy_campaign", pk=action.campaign_id
            ),
            "osdi:person": href(self.request, "person", pk=action.supporter_id),
        }


# --- In --------------------------------------------------------------------


class IdentifierField(serializers.RegexField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 251)
        super().__init__(_IDENTIFIER, **kwargs)


class EmailAddressInput(serializers.Serializer):
    address = serializers.EmailField(max_length=254)
    primary = serializers.BooleanField(required=False)
    status = serializers.ChoiceField(EMAIL_STATUSES, required=False)


class PhoneNumberInput(serializers.Serializer):
    number = serializers.CharField(max_length=32)
    primary = serializers.BooleanField(required=False)
    number_type = serializers.CharField(max_length=20, required=False)
    sms_capable = serializers.BooleanField(required=False)
    status = serializers.ChoiceField(PHONE_STATUSES, required=False)


class PostalAddressInput(serializers.Serializer):
    primary = serializers.BooleanField(required=False)
    address_lines = serializers.ListField(
        child=serializers.CharField(max_length=255, allow_blank=True), max_length=3, required=False
    )
    postal_code = serializers.CharField(max_length=10, allow_blank=True, required=False)
    locality = serializers.CharField(max_length=100, allow_blank=True, required=False)
    region = serializers.CharField(max_length=100, allow_blank=True, required=False)
    country = serializers.CharField(max_length=100, allow_blank=True, required=False)


def _primary(items: list[dict]) -> dict | None:
    return next((item for item in items if item.get("primary")), items[0] if items else None)


class PersonInputSerializer(_Serializer):
    identifiers = serializers.ListField(child=IdentifierField(), max_length=20, required=False)
    given_name = serializers.CharField(max_length=100, allow_blank=True, required=False)
    family_name = serializers.CharField(max_length=100, allow_blank=True, required=False)
    email_addresses = serializers.ListField(child=EmailAddressInput(), max_length=5, required=False)
    phone_numbers = serializers.ListField(child=PhoneNumberInput(), max_length=5, required=False)
    postal_addresses = serializers.ListField(
        child=PostalAddressInput(), max_length=5, required=False
    )
    languages_spoken = serializers.ListField(
        child=serializers.CharField(max_length=10), max_length=10, required=False
    )

    def extra_fields(self):
        return {
            "groundswell:sector": serializers.ChoiceField(Sector, allow_blank=True, required=False),
            "groundswell:is_youth": serializers.BooleanField(required=False),
        }

    def primary_email(self) -> dict | None:
        return _primary(self.validated_data.get("email_addresses", []))

    def primary_phone(self) -> dict | None:
        return _primary(self.validated_data.get("phone_numbers", []))


class PersonRequiredInputSerializer(PersonInputSerializer):
    """A person to find or create: an email or a phone is needed."""

    def validate(self, data):
        if not data.get("email_addresses") and not data.get("phone_numbers"):
            raise serializers.ValidationError("Give an email address or a phone number.")
        return data


class SignupHelperSerializer(_Serializer):
    person = PersonRequiredInputSerializer()
    add_tags = serializers.ListField(
        child=serializers.CharField(max_length=60), max_length=20, required=False
    )

    def extra_fields(self):
        return {"groundswell:campaign": serializers.SlugField(max_length=100, required=False)}


class LinkSerializer(serializers.Serializer):
    href = serializers.CharField(max_length=500)


class PersonLinkSerializer(serializers.Serializer):
    def get_fields(self):
        return {"osdi:person": LinkSerializer()}


class TaggingInputSerializer(serializers.Serializer):
    _links = PersonLinkSerializer()


class TargetInput(_Serializer):
    ocdid = serializers.CharField(max_length=255, required=False)

    def extra_fields(self):
        return {"groundswell:id": serializers.IntegerField(min_value=1, required=False)}


class OutreachInputSerializer(_Serializer):
    # Kept as the action's idempotency key ("api:" + id, 200 characters at most).
    identifiers = serializers.ListField(
        child=IdentifierField(max_length=196), max_length=5, required=False
    )
    type = serializers.ChoiceField(sorted(OUTREACH_TYPES.values()), required=False)
    message = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    targets = serializers.ListField(child=TargetInput(), max_length=1, required=False)

    def extra_fields(self):
        return {"groundswell:kind": serializers.ChoiceField(OUTREACH_KIND_CHOICES, required=False)}

    def validate(self, data):
        if not data.get("type") and not data.get("groundswell:kind"):
            raise serializers.ValidationError("Give the outreach's type.")
        return data


class OutreachCreateSerializer(OutreachInputSerializer):
    _links = PersonLinkSerializer()


class OutreachHelperSerializer(OutreachInputSerializer):
    person = PersonRequiredInputSerializer()


# --- Events (hearings) and attendances ---------------------------------------


class LocationSerializer(serializers.Serializer):
    venue = serializers.CharField(source="location_name")
    address_lines = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_address_lines(self, hearing):
        return [line.strip() for line in hearing.address.splitlines() if line.strip()]


class EventSerializer(_Serializer):
    """A hearing, as an OSDI event."""

    identifiers = serializers.SerializerMethodField()
    created_date = UtcDateTimeField(source="created_at")
    modified_date = UtcDateTimeField(source="updated_at")
    origin_system = serializers.SerializerMethodField()
    title = serializers.CharField()
    start_date = UtcDateTimeField(source="starts_at")
    end_date = UtcDateTimeField(source="ends_at", allow_null=True)
    status = serializers.SerializerMethodField()
    location = LocationSerializer(source="*")
    total_accepted = serializers.IntegerField()
    _links = serializers.SerializerMethodField()

    def extra_fields(self):
        return {
            "groundswell:speaker_slots": serializers.IntegerField(
                source="speaker_slots", allow_null=True
            ),
            "groundswell:testimony_deadline": UtcDateTimeField(
                source="testimony_deadline", allow_null=True
            ),
        }

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_identifiers(self, hearing):
        found = [own_identifier(hearing.pk)]
        if hearing.legistar_event_id:
            found.append(f"legistar:{hearing.legistar_event_id}")
        return found

    @extend_schema_field(serializers.CharField())
    def get_origin_system(self, hearing):
        return "Groundswell"

    @extend_schema_field(serializers.ChoiceField(["confirmed", "cancelled"]))
    def get_status(self, hearing):
        return "cancelled" if hearing.cancelled_at else "confirmed"

    @_links_field()
    def get__links(self, hearing):
        return {
            "self": href(self.request, "event", pk=hearing.pk),
            "osdi:attendances": href(self.request, "attendances", event_pk=hearing.pk),
            "osdi:record_attendance_helper": href(
                self.request, "record_attendance_helper", event_pk=hearing.pk
            ),
            "groundswell:advocacy_campaign": href(
                self.request, "advocacy_campaign", pk=hearing.campaign_id
            ),
        }


ATTENDANCE_KINDS = (
    ActionKind.ATTEND_HEARING,
    ActionKind.TESTIMONY_IN_PERSON,
    ActionKind.WRITTEN_TESTIMONY,
)
ATTENDANCE_KIND_CHOICES = [kind.value for kind in ATTENDANCE_KINDS]


class AttendanceSerializer(_Serializer):
    """A pledge to attend or testify at a hearing, or having done it."""

    identifiers = serializers.SerializerMethodField()
    created_date = UtcDateTimeField(source="created_at")
    modified_date = UtcDateTimeField(source="updated_at")
    status = serializers.SerializerMethodField()
    attended = serializers.SerializerMethodField()
    _links = serializers.SerializerMethodField()

    def extra_fields(self):
        return {
            "groundswell:kind": serializers.CharField(source="kind"),
            "groundswell:speaking_order": serializers.IntegerField(
                source="speaking_order", allow_null=True
            ),
        }

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_identifiers(self, action):
        return action_identifiers(action)

    @extend_schema_field(serializers.ChoiceField(["accepted", "declined"]))
    def get_status(self, action):
        return "declined" if action.status == ActionStatus.CANCELLED else "accepted"

    @extend_schema_field(serializers.BooleanField())
    def get_attended(self, action):
        return action.status == ActionStatus.COMPLETED

    @_links_field()
    def get__links(self, action):
        return {
            "self": href(self.request, "attendance", event_pk=action.hearing_id, pk=action.pk),
            "osdi:event": href(self.request, "event", pk=action.hearing_id),
            "osdi:person": href(self.request, "person", pk=action.supporter_id),
        }


class AttendanceInputSerializer(_Serializer):
    identifiers = serializers.ListField(
        child=IdentifierField(max_length=196), max_length=5, required=False
    )
    attended = serializers.BooleanField(required=False, default=False)

    def extra_fields(self):
        return {
            "groundswell:kind": serializers.ChoiceField(ATTENDANCE_KIND_CHOICES, required=False)
        }


class AttendanceCreateSerializer(AttendanceInputSerializer):
    _links = PersonLinkSerializer()


class AttendanceHelperSerializer(AttendanceInputSerializer):
    person = PersonRequiredInputSerializer()
