"""The OSDI API's views: access (key, scope, viewer), input, one service
call, the resource as HAL+JSON."""

from urllib.parse import urlparse

from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from campaign.api import hal
from campaign.api.auth import ApiKeyAuthentication, KeyScope, rate_check
from campaign.api.filters import people_filter
from campaign.api.serializers import (
    ATTENDANCE_KINDS,
    OUTREACH_KINDS,
    AdvocacyCampaignSerializer,
    AttendanceCreateSerializer,
    AttendanceHelperSerializer,
    AttendanceSerializer,
    EventSerializer,
    OutreachCreateSerializer,
    OutreachHelperSerializer,
    OutreachSerializer,
    PersonInputSerializer,
    PersonSerializer,
    SignupHelperSerializer,
    TaggingInputSerializer,
    TaggingSerializer,
    TagSerializer,
)
from campaign.api.services import (
    api_person,
    attendance_record,
    outreach_record,
    person_save,
    supporter_tags_add,
    target_find,
)
from campaign.audit import audit_read
from campaign.models import (
    Action,
    ActionKind,
    ActionStatus,
    Campaign,
    CouncilMember,
    Hearing,
    Supporter,
    Tag,
)
from campaign.selectors_common import latest_stances
from campaign.services.intake import OWN_MEMBER

Tagging = Supporter.tags.through
# A kind per OSDI outreach type.
KIND_BY_TYPE = {
    "phone": "call",
    "postal mail": "letter",
    "email": "email",
    "in-person": "meeting",
}


class OsdiView(generics.GenericAPIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [KeyScope]
    renderer_classes = [hal.HalJSONRenderer, hal.JSONRenderer]
    parser_classes = [hal.HalJSONParser, hal.JSONParser]
    pagination_class = hal.HalPagination
    # Views showing or naming people: never for viewer keys.
    personal_data = False
    hal_rel = ""

    def check_throttles(self, request):
        rate_check(request)

    def get_exception_handler(self):
        return hal.hal_exception_handler

    def key_prefix(self) -> str:
        return self.request.auth.prefix


@csrf_exempt
def not_found(request, *args, **kwargs):
    # Exempt like the API's views (a key, no cookie): a POST gets this 404, not CSRF's 403 page.
    return JsonResponse(
        {"detail": "Not found."}, status=404, content_type=hal.HalJSONRenderer.media_type
    )


def _linked_pk(data: dict, rel: str, url_name: str) -> int:
    """The id in `_links[rel].href`, which must be this API's `url_name`."""
    try:
        match = resolve(urlparse(data["_links"][rel]["href"]).path)
    except Resolver404:
        match = None
    if match is None or match.url_name != url_name:
        raise ValidationError({"_links": [_("%(rel)s must link to this API.") % {"rel": rel}]})
    return match.kwargs["pk"]


def _supporters():
    # Erased people have nothing left to show.
    return (
        Supporter.objects.filter(erased_at__isnull=True)
        .select_related("district")
        .prefetch_related("identifiers")
    )


class EntryPoint(OsdiView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        collection = {
            "osdi:people": ("people", "The collection of people in the system"),
            "osdi:tags": ("tags", "The collection of tags in the system"),
            "osdi:advocacy_campaigns": (
                "advocacy_campaigns",
                "The collection of advocacy campaigns in the system",
            ),
            "osdi:person_signup_helper": ("person_signup_helper", "The person signup helper"),
            "osdi:events": ("events", "The collection of events (hearings) in the system"),
        }
        links = {
            rel: {**hal.href(request, name), "title": title}
            for rel, (name, title) in collection.items()
        }
        return Response(
            {
                "motd": "Welcome to the Groundswell OSDI API entry point.",
                "vendor_name": "Groundswell",
                "product_name": "Groundswell",
                "osdi_version": "1.2",
                "max_pagesize": hal.PAGE_SIZE,
                "namespace": "groundswell",
                "_links": {
                    "self": hal.href(request, "entry_point"),
                    **links,
                    "curies": hal.curies(request),
                },
            }
        )


@extend_schema(
    parameters=[
        OpenApiParameter(
            "filter",
            str,
            description=(
                "OData-style, as Action Network: email_address eq, phone_number eq, "
                "modified_date gt/lt, created_date gt/lt, joined by 'and'. "
                "Example: modified_date gt '2026-01-01'"
            ),
        )
    ]
)
class PeopleList(OsdiView, generics.ListAPIView):
    serializer_class = PersonSerializer
    personal_data = True
    hal_rel = "osdi:people"

    def get_queryset(self):
        return people_filter(_supporters(), self.request.query_params.get("filter")).order_by("pk")

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        audit_read(
            request._request,
            "api",
            about=request.auth,
            api_key=request.auth.prefix,
            filtered=bool(request.query_params.get("filter")),
        )
        return response


class PersonDetail(OsdiView):
    serializer_class = PersonSerializer
    personal_data = True

    def get_object(self):
        return get_object_or_404(_supporters(), pk=self.kwargs["pk"])

    def get(self, request, pk):
        supporter = self.get_object()
        audit_read(request._request, "api", about=supporter, api_key=request.auth.prefix)
        return Response(self.get_serializer(supporter).data)

    @extend_schema(request=PersonInputSerializer, responses={200: PersonSerializer})
    def put(self, request, pk):
        supporter = self.get_object()
        data = PersonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = person_save(
            sent=api_person(data.validated_data), key_prefix=self.key_prefix(), supporter=supporter
        )
        return Response(self.get_serializer(_supporters().get(pk=result.supporter.pk)).data)


class PersonSignupHelper(OsdiView):
    """Find or create a person (by foreign id, email, then phone), with the
    consents the client attests and tags; 201 when created."""

    serializer_class = PersonSerializer
    personal_data = True

    @extend_schema(
        request=SignupHelperSerializer, responses={200: PersonSerializer, 201: PersonSerializer}
    )
    def post(self, request):
        data = SignupHelperSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = None
        if slug := data.validated_data.get("groundswell:campaign"):
            campaign = Campaign.objects.filter(slug=slug).first()
            if campaign is None:
                raise ValidationError({"groundswell:campaign": [_("No campaign has this slug.")]})
        result = person_save(
            sent=api_person(data.validated_data["person"]),
            key_prefix=self.key_prefix(),
            campaign=campaign,
            tags=data.validated_data.get("add_tags", []),
        )
        supporter = _supporters().get(pk=result.supporter.pk)
        return Response(
            self.get_serializer(supporter).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )


class TagList(OsdiView, generics.ListAPIView):
    serializer_class = TagSerializer
    hal_rel = "osdi:tags"
    queryset = Tag.objects.order_by("pk")


class TagDetail(OsdiView, generics.RetrieveAPIView):
    serializer_class = TagSerializer
    queryset = Tag.objects.all()


class TaggingList(OsdiView, generics.ListAPIView):
    serializer_class = TaggingSerializer
    personal_data = True
    hal_rel = "osdi:taggings"

    def get_queryset(self):
        tag = get_object_or_404(Tag, pk=self.kwargs["tag_pk"])
        return Tagging.objects.filter(tag=tag, supporter__erased_at__isnull=True).order_by("pk")

    @extend_schema(request=TaggingInputSerializer, responses={201: TaggingSerializer})
    def post(self, request, tag_pk):
        tag = get_object_or_404(Tag, pk=tag_pk)
        data = TaggingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pk = _linked_pk(request.data, "osdi:person", "person")
        supporter = get_object_or_404(Supporter.objects.filter(erased_at__isnull=True), pk=pk)
        supporter_tags_add(supporter=supporter, names=[tag.name])
        tagging = Tagging.objects.get(tag=tag, supporter=supporter)
        return Response(self.get_serializer(tagging).data, status=status.HTTP_201_CREATED)


class TaggingDetail(OsdiView, generics.RetrieveAPIView):
    serializer_class = TaggingSerializer
    personal_data = True

    def get_queryset(self):
        return Tagging.objects.filter(
            tag_id=self.kwargs["tag_pk"], supporter__erased_at__isnull=True
        )


def _campaigns():
    members = (
        CouncilMember.objects.active().select_related("district", "body").order_by("name", "pk")
    )
    return (
        Campaign.objects.select_related("decision_body")
        .prefetch_related(Prefetch("decision_body__members", queryset=members))
        .annotate(
            total_outreaches=Count(
                "actions",
                filter=Q(actions__kind__in=OUTREACH_KINDS, actions__status=ActionStatus.COMPLETED),
            )
        )
        .order_by("pk")
    )


class _CampaignContext:
    def get_serializer_context(self):
        return {**super().get_serializer_context(), "stances": self.stances}

    def stances_load(self, campaign_ids) -> None:
        self.stances = {
            (campaign_id, member_id): position
            for campaign_id, member_id, position in latest_stances()
            .filter(campaign_id__in=list(campaign_ids))
            .values_list("campaign_id", "member_id", "position")
        }


class AdvocacyCampaignList(_CampaignContext, OsdiView, generics.ListAPIView):
    serializer_class = AdvocacyCampaignSerializer
    hal_rel = "osdi:advocacy_campaigns"

    def get_queryset(self):
        return _campaigns()

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self.stances_load(campaign.pk for campaign in page)
        return page


class AdvocacyCampaignDetail(_CampaignContext, OsdiView, generics.RetrieveAPIView):
    serializer_class = AdvocacyCampaignSerializer

    def get_queryset(self):
        return _campaigns()

    def get_object(self):
        campaign = super().get_object()
        self.stances_load([campaign.pk])
        return campaign


def _outreaches(campaign_pk):
    return (
        Action.objects.filter(
            campaign_id=campaign_pk, kind__in=OUTREACH_KINDS, status=ActionStatus.COMPLETED
        )
        .select_related("target__district", "target__body")
        .order_by("pk")
    )


class _OutreachWrite:
    """What an outreach POST and the helper share: kind, target, note, id."""

    def outreach_save(self, *, campaign, supporter, data) -> Response:
        kind = data.get("groundswell:kind") or KIND_BY_TYPE[data["type"]]
        target = OWN_MEMBER
        if data.get("targets"):
            named = data["targets"][0]
            target = target_find(
                campaign=campaign,
                ocdid=named.get("ocdid", ""),
                member_id=named.get("groundswell:id"),
            )
            if target is None:
                raise ValidationError(
                    {"targets": [_("No member of the campaign's body has this id.")]}
                )
        identifiers = data.get("identifiers", [])
        action, created = outreach_record(
            supporter=supporter,
            campaign=campaign,
            kind=kind,
            target=target,
            note=data.get("message", ""),
            foreign_id=identifiers[0] if identifiers else "",
        )
        action = _outreaches(campaign.pk).get(pk=action.pk)
        return Response(
            OutreachSerializer(action, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class OutreachList(_OutreachWrite, OsdiView, generics.ListAPIView):
    serializer_class = OutreachSerializer
    personal_data = True
    hal_rel = "osdi:outreaches"

    def get_queryset(self):
        get_object_or_404(Campaign, pk=self.kwargs["campaign_pk"])
        return _outreaches(self.kwargs["campaign_pk"])

    @extend_schema(
        request=OutreachCreateSerializer,
        responses={200: OutreachSerializer, 201: OutreachSerializer},
    )
    def post(self, request, campaign_pk):
        campaign = get_object_or_404(Campaign, pk=campaign_pk)
        data = OutreachCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pk = _linked_pk(request.data, "osdi:person", "person")
        supporter = get_object_or_404(Supporter.objects.filter(erased_at__isnull=True), pk=pk)
        return self.outreach_save(campaign=campaign, supporter=supporter, data=data.validated_data)


class OutreachDetail(OsdiView, generics.RetrieveAPIView):
    serializer_class = OutreachSerializer
    personal_data = True

    def get_queryset(self):
        return _outreaches(self.kwargs["campaign_pk"])


class RecordOutreachHelper(_OutreachWrite, OsdiView):
    """The person (found or created as by the signup helper) and their outreach."""

    serializer_class = OutreachSerializer
    personal_data = True

    @extend_schema(
        request=OutreachHelperSerializer,
        responses={200: OutreachSerializer, 201: OutreachSerializer},
    )
    def post(self, request, campaign_pk):
        campaign = get_object_or_404(Campaign, pk=campaign_pk)
        data = OutreachHelperSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The person is not kept without their outreach (an unknown target).
        with transaction.atomic():
            result = person_save(
                sent=api_person(data.validated_data["person"]),
                key_prefix=self.key_prefix(),
                campaign=campaign,
            )
            return self.outreach_save(
                campaign=campaign, supporter=result.supporter, data=data.validated_data
            )


def _events():
    return Hearing.objects.annotate(
        total_accepted=Count(
            "actions",
            filter=Q(actions__kind__in=ATTENDANCE_KINDS)
            & ~Q(actions__status=ActionStatus.CANCELLED),
        )
    ).order_by("pk")


class EventList(OsdiView, generics.ListAPIView):
    """Hearings, as OSDI events (public information: viewer keys too)."""

    serializer_class = EventSerializer
    hal_rel = "osdi:events"

    def get_queryset(self):
        return _events()


class EventDetail(OsdiView, generics.RetrieveAPIView):
    serializer_class = EventSerializer

    def get_queryset(self):
        return _events()


def _attendances(event_pk):
    return Action.objects.filter(hearing_id=event_pk, kind__in=ATTENDANCE_KINDS).order_by("pk")


class _AttendanceWrite:
    def attendance_save(self, *, hearing, supporter, data) -> Response:
        identifiers = data.get("identifiers", [])
        action, created = attendance_record(
            supporter=supporter,
            hearing=hearing,
            kind=data.get("groundswell:kind") or ActionKind.ATTEND_HEARING,
            attended=data["attended"],
            foreign_id=identifiers[0] if identifiers else "",
        )
        action.refresh_from_db()
        return Response(
            AttendanceSerializer(action, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class AttendanceList(_AttendanceWrite, OsdiView, generics.ListAPIView):
    serializer_class = AttendanceSerializer
    personal_data = True
    hal_rel = "osdi:attendances"

    def get_queryset(self):
        get_object_or_404(Hearing, pk=self.kwargs["event_pk"])
        return _attendances(self.kwargs["event_pk"])

    @extend_schema(
        request=AttendanceCreateSerializer,
        responses={200: AttendanceSerializer, 201: AttendanceSerializer},
    )
    def post(self, request, event_pk):
        hearing = get_object_or_404(Hearing.objects.select_related("campaign"), pk=event_pk)
        data = AttendanceCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pk = _linked_pk(request.data, "osdi:person", "person")
        supporter = get_object_or_404(Supporter.objects.filter(erased_at__isnull=True), pk=pk)
        return self.attendance_save(hearing=hearing, supporter=supporter, data=data.validated_data)


class AttendanceDetail(OsdiView, generics.RetrieveAPIView):
    serializer_class = AttendanceSerializer
    personal_data = True

    def get_queryset(self):
        return _attendances(self.kwargs["event_pk"])


class RecordAttendanceHelper(_AttendanceWrite, OsdiView):
    """The person (found or created as by the signup helper) and their
    attendance or testimony."""

    serializer_class = AttendanceSerializer
    personal_data = True

    @extend_schema(
        request=AttendanceHelperSerializer,
        responses={200: AttendanceSerializer, 201: AttendanceSerializer},
    )
    def post(self, request, event_pk):
        hearing = get_object_or_404(Hearing.objects.select_related("campaign"), pk=event_pk)
        data = AttendanceHelperSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The person is not kept without their attendance (a past hearing's pledge).
        with transaction.atomic():
            result = person_save(
                sent=api_person(data.validated_data["person"]),
                key_prefix=self.key_prefix(),
                campaign=hearing.campaign,
            )
            return self.attendance_save(
                hearing=hearing, supporter=result.supporter, data=data.validated_data
            )
