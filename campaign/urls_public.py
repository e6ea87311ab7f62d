"""Public pages: campaign page, personal action page, unsubscribe. (These URLs
are a contract: links to them sit in emails, texts and printed flyers.)"""

from django.urls import path

from campaign.views import public

app_name = "public"
urlpatterns = [
    path("", public.home, name="home"),
    path("c/<slug:slug>/", public.campaign_page, name="campaign"),
    path("c/<slug:slug>/thanks/", public.signup_thanks, name="signup_thanks"),
    path(
        "c/<slug:slug>/confirm/<str:token>/",
        public.signup_confirm_page,
        name="signup_confirm",
    ),
    path(
        "c/<slug:slug>/hearing-<int:hearing_id>.ics",
        public.campaign_hearing_ics,
        name="hearing_ics",
    ),
    path("c/<slug:slug>/hearings.ics", public.campaign_hearings_ics, name="hearings_ics"),
    path("a/<str:token>/", public.action_page, name="action_page"),
    path("a/<str:token>/done/<int:action_id>/", public.action_done, name="action_done"),
    path("a/<str:token>/add/<int:campaign_id>/", public.action_add, name="action_add"),
    path(
        "a/<str:token>/hearing-<int:hearing_id>.ics",
        public.action_hearing_ics,
        name="action_hearing_ics",
    ),
    path("u/<str:token>/", public.unsubscribe, name="unsubscribe"),
]
