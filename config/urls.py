from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from screening import two_factor


class OwnPasswordView(auth_views.PasswordChangeView):
    """Staff change their own password (Django's form: the old one, then the new one twice, the
    validators apply); the first change clears the admin-chosen one."""

    template_name = "registration/password_change.html"
    success_url = "/"

    def form_valid(self, form):
        from django.contrib import messages
        from django.utils.translation import gettext as _

        response = super().form_valid(form)
        from django.contrib.auth import get_user_model

        get_user_model().objects.filter(pk=self.request.user.pk).update(must_change_password=False)
        messages.success(self.request, _("Your password is changed."))
        return response


class NewPasswordView(auth_views.PasswordResetConfirmView):
    """The link a clinic admin sent: she sets a password only she knows."""

    template_name = "registration/password_reset_confirm.html"

    def form_valid(self, form):
        form.user.must_change_password = False
        return super().form_valid(form)


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
    path("admin/", admin.site.urls),
    path("favicon.ico", lambda request: redirect(static("favicon.svg"), permanent=True)),
    path("", include("screening.urls")),
    path("", include("referrals.urls")),
    path("", include("fhir_api.urls")),
]
