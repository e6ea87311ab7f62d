"""/api/osdi/v1/ (namespace "osdi")."""

from django.urls import path, re_path, register_converter

from campaign.api import views


class IdConverter:
    """An id that fits a 64-bit column: a longer number is a 404, not a
    database overflow."""

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(IdConverter, "id")

app_name = "osdi"

urlpatterns = [
    path("", views.EntryPoint.as_view(), name="entry_point"),
    path("people", views.PeopleList.as_view(), name="people"),
    path("people/<id:pk>", views.PersonDetail.as_view(), name="person"),
    path(
        "people/person_signup_helper",
        views.PersonSignupHelper.as_view(),
        name="person_signup_helper",
    ),
    path("tags", views.TagList.as_view(), name="tags"),
    path("tags/<id:pk>", views.TagDetail.as_view(), name="tag"),
    path("tags/<id:tag_pk>/taggings", views.TaggingList.as_view(), name="taggings"),
    path("tags/<id:tag_pk>/taggings/<id:pk>", views.TaggingDetail.as_view(), name="tagging"),
    path("advocacy_campaigns", views.AdvocacyCampaignList.as_view(), name="advocacy_campaigns"),
    path(
        "advocacy_campaigns/<id:pk>",
        views.AdvocacyCampaignDetail.as_view(),
        name="advocacy_campaign",
    ),
    path(
        "advocacy_campaigns/<id:campaign_pk>/outreaches",
        views.OutreachList.as_view(),
        name="outreaches",
    ),
    path(
        "advocacy_campaigns/<id:campaign_pk>/outreaches/<id:pk>",
        views.OutreachDetail.as_view(),
        name="outreach",
    ),
    path(
        "advocacy_campaigns/<id:campaign_pk>/record_outreach_helper",
        views.RecordOutreachHelper.as_view(),
        name="record_outreach_helper",
    ),
    path("events", views.EventList.as_view(), name="events"),
    path("events/<id:pk>", views.EventDetail.as_view(), name="event"),
    path("events/<id:event_pk>/attendances", views.AttendanceList.as_view(), name="attendances"),
    path(
        "events/<id:event_pk>/attendances/<id:pk>",
        views.AttendanceDetail.as_view(),
        name="attendance",
    ),
    path(
        "events/<id:event_pk>/record_attendance_helper",
        views.RecordAttendanceHelper.as_view(),
        name="record_attendance_helper",
    ),
    # Anything else under the API (a negative id, a typo) is a JSON 404, not the site's page.
    re_path(r"^.*$", views.not_found),
]
