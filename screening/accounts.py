"""A colleague's own password: she changes it (and must, the first time, if an admin chose it),
or sets a new one through the one-time link an admin emailed her."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.utils.translation import gettext as _


class OwnPasswordView(auth_views.PasswordChangeView):
    """Django's form: the old password, then the new one twice, the validators apply; the first
    change clears the admin-chosen one."""

    template_name = "registration/password_change.html"
    success_url = "/"

    def form_valid(self, form):
        response = super().form_valid(form)
        get_user_model().objects.filter(pk=self.request.user.pk).update(must_change_password=False)
        messages.success(self.request, _("Your password is changed."))
        return response


class NewPasswordView(auth_views.PasswordResetConfirmView):
    """The link a clinic admin sent: she sets a password only she knows."""

    template_name = "registration/password_reset_confirm.html"

    def form_valid(self, form):
        form.user.must_change_password = False
        return super().form_valid(form)
