from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core import two_factor_views, views

two_factor_patterns = (
    [
        path("", two_factor_views.manage, name="manage"),
        path("setup/", two_factor_views.setup, name="setup"),
    ],
    "two_factor",
)

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", two_factor_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", include(two_factor_patterns)),
    path("i18n/", include("django.conf.urls.i18n")),
    # The admin signs in through /accounts/login/ too (password and code).
    path("admin/login/", two_factor_views.admin_login),
    path("admin/", admin.site.urls),
    path("api/", include("campaign.api.routes")),
    path("", include("campaign.urls")),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
