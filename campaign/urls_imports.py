"""Background supporter imports (coordinators)."""

from django.urls import path

from campaign.views import imports

app_name = "imports"
urlpatterns = [
    path("", imports.import_upload, name="upload"),
    path("<int:pk>/", imports.import_detail, name="detail"),
    path("preview/<str:token>/", imports.import_preview, name="preview"),
]
