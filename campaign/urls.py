from django.urls import include, path

urlpatterns = [
    path("", include("campaign.urls_public")),
    path("sms/", include("campaign.urls_sms")),
    path("dashboard/", include("campaign.urls_dashboard")),
    path("imports/", include("campaign.urls_imports")),
]
