"""Coordinator dashboard (login required)."""

app_name = "dashboard"
urlpatterns: list = []
