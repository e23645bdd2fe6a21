from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from referrals.health import healthz
from screening import two_factor
from screening.accounts import NewPasswordView, OwnPasswordView

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", OwnPasswordView.as_view(), name="password_change"),
    path("accounts/two-factor/setup/", two_factor.setup, name="two_factor_setup"),
    path("accounts/two-factor/", two_factor.verify, name="two_factor_verify"),
    path("accounts/reset/<uidb64>/<token>/", NewPasswordView.as_view(), name="password_reset_confirm"),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/password_reset_done.html"),
        name="password_reset_complete",
    ),
    path("healthz/", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("favicon.ico", lambda request: redirect(static("favicon.svg"), permanent=True)),
    path("", include("screening.urls")),
    path("", include("referrals.urls")),
    path("", include("fhir_api.urls")),
]

handler500 = "config.errors.server_error"
