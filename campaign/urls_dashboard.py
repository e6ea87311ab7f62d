"""Coordinator dashboard (login required)."""

from django.urls import path

from campaign.views import broadcasts, hearing_night
from campaign.views import dashboard as views

app_name = "dashboard"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.campaign_detail, name="campaign"),
    path("<slug:slug>/log/", views.quick_log, name="log"),
    path("<slug:slug>/log/bulk/", views.bulk, name="bulk_log"),
    path("<slug:slug>/search/", views.search, name="search"),
    path("<slug:slug>/call-list/", views.call_list, name="call_list"),
    path("<slug:slug>/stance/", views.stance_create, name="stance"),
    path("<slug:slug>/roster/", views.roster, name="roster"),
    path("<slug:slug>/report/", views.report, name="report"),
    path("<slug:slug>/broadcasts/", broadcasts.broadcast_list, name="broadcasts"),
    path("<slug:slug>/broadcasts/new/", broadcasts.broadcast_compose, name="broadcast_new"),
    path("<slug:slug>/broadcasts/<int:pk>/", broadcasts.broadcast_detail, name="broadcast"),
    path(
        "<slug:slug>/broadcasts/<int:pk>/edit/",
        broadcasts.broadcast_compose,
        name="broadcast_edit",
    ),
    path(
        "<slug:slug>/broadcasts/<int:pk>/<str:step>/",
        broadcasts.broadcast_act,
        name="broadcast_act",
    ),
    path("<slug:slug>/hearings/<int:hearing_id>/", hearing_night.queue, name="hearing_night"),
    path(
        "<slug:slug>/hearings/<int:hearing_id>/move/",
        hearing_night.move,
        name="hearing_move",
    ),
    path(
        "<slug:slug>/hearings/<int:hearing_id>/mark/",
        hearing_night.mark,
        name="hearing_mark",
    ),
    path(
        "<slug:slug>/hearings/<int:hearing_id>/check-in/",
        hearing_night.check_in,
        name="hearing_check_in",
    ),
    path(
        "<slug:slug>/hearings/<int:hearing_id>/roster/",
        hearing_night.roster,
        name="hearing_roster",
    ),
    path("<slug:slug>/export/supporters.csv", views.export_supporters, name="export_supporters"),
    path("<slug:slug>/export/actions.csv", views.export_actions, name="export_actions"),
]
