from django.urls import include, path

urlpatterns = [
    path("", include("campaign.urls_public")),
    path("dashboard/", include("campaign.urls_dashboard")),
]
