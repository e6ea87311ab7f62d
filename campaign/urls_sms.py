"""Provider webhooks for SMS (reminders issue)."""

app_name = "sms"
urlpatterns: list = []
