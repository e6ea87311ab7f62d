"""Provider webhooks for SMS."""

from django.urls import path

from campaign.views import sms

app_name = "sms"
urlpatterns = [
    path("inbound/", sms.inbound, name="inbound"),
]
