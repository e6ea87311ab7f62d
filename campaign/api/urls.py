"""/api/osdi/v1/ (namespace "osdi")."""

from django.urls import path, re_path

from campaign.api import views

app_name = "osdi"

urlpatterns = [
    path("", views.EntryPoint.as_view(), name="entry_point"),
    path("people", views.PeopleList.as_view(), name="people"),
    path("people/<int:pk>", views.PersonDetail.as_view(), name="person"),
    path(
        "people/person_signup_helper",
        views.PersonSignupHelper.as_view(),
        name="person_signup_helper",
    ),
    path("tags", views.TagList.as_view(), name="tags"),
    path("tags/<int:pk>", views.TagDetail.as_view(), name="tag"),
    path("tags/<int:tag_pk>/taggings", views.TaggingList.as_view(), name="taggings"),
    path("tags/<int:tag_pk>/taggings/<int:pk>", views.TaggingDetail.as_view(), name="tagging"),
    path("advocacy_campaigns", views.AdvocacyCampaignList.as_view(), name="advocacy_campaigns"),
    path(
        "advocacy_campaigns/<int:pk>",
        views.AdvocacyCampaignDetail.as_view(),
        name="advocacy_campaign",
    ),
    path(
        "advocacy_campaigns/<int:campaign_pk>/outreaches",
        views.OutreachList.as_view(),
        name="outreaches",
    ),
    path(
        "advocacy_campaigns/<int:campaign_pk>/outreaches/<int:pk>",
        views.OutreachDetail.as_view(),
        name="outreach",
    ),
    path(
        "advocacy_campaigns/<int:campaign_pk>/record_outreach_helper",
        views.RecordOutreachHelper.as_view(),
        name="record_outreach_helper",
    ),
    # Anything else under the API (a negative id, a typo) is a JSON 404, not the site's page.
    re_path(r"^.*$", views.not_found),
]
