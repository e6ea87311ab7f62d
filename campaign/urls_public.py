"""Public pages: campaign page, personal action page, unsubscribe, SMS webhook."""

app_name = "public"
urlpatterns: list = []
