"""A colleague's own password: she changes it (and must, the first time, if an admin chose it),
or sets a new one through the one-time link an admin emailed her."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from . import emails, outbox
from .two_factor import has_two_factor


class OwnPasswordView(auth_views.PasswordChangeView):
    """Django's form: the old password, then the new one twice, the validators apply; the first
    change clears the admin-chosen one."""

    template_name = "registration/password_change.html"
    success_url = "/"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "two_factor_on": has_two_factor(self.request.user)}

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


class PasswordMessage(outbox.Message):
    """A one-time link to set a new password (Django's reset token, made when the message goes, so
    it is never stored and its lifetime, PASSWORD_RESET_TIMEOUT, starts when she receives it)."""

    def ended(self, row, now):
        return "" if row.user.is_active else "not needed: the account is inactive"

    def send(self, row):
        user = row.user
        if not user.email:
            raise outbox.NoRecipient("The colleague has no email address.")
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        path = reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(user)])
        emails.send(
            "password-reset", [user.email], {"clinic": row.clinic, "link": settings.SITE_URL.rstrip("/") + path}
        )
        return user.email
