"""Two-factor sign-in for staff (django-otp): a time-based code from an authenticator app (TOTP,
RFC 6238), with ten one-time recovery codes. Superusers always need it; a clinic can require it
for everyone who works there; anyone who has set it up is asked for a code at every sign-in.

Until the second factor is given, every page but these takes her to enrolment or to the code."""

import base64
import math
from datetime import timedelta

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import access_state, audit
from .models import AuditEntry

OPEN_PATHS = ("/accounts/two-factor/", "/accounts/logout/", "/static/")
RECOVERY_CODES = 10


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(OPEN_PATHS)
        ):
            needed = access_state.second_factor(request, user)
            if needed == "verify":
                return redirect(f"{reverse('two_factor_verify')}?{urlencode({'next': request.get_full_path()})}")
            if needed == "setup":
                return redirect(f"{reverse('two_factor_setup')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _first_clinic(user):
    first = user.own_memberships().first()
    return first and first.clinic


def _audit(user, what):
    clinic = _first_clinic(user)
    if clinic is not None:
        audit.record(user, clinic, AuditEntry.Action.UPDATE, None, f"two-factor: {what}")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    """Scan the code with an authenticator app, type the code it shows: the device is confirmed,
    and the recovery codes are shown once."""
    following = _next(request)
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(following)
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="authenticator app", confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        waiting = _refusal(device)  # locked before she typed: her code was not even checked
        if waiting:
            form.add_error("code", waiting)
        elif device.verify_token(form.cleaned_data["code"].replace(" ", "")):
            device.confirmed = True
            device.save()
            otp_login(request, device)
            static, _created = StaticDevice.objects.get_or_create(user=request.user, name="recovery codes")
            static.token_set.all().delete()
            codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
            static.token_set.bulk_create([StaticToken(device=static, token=c) for c in codes])
            _audit(request.user, "set up")
            return render(request, "registration/two_factor_codes.html", {"codes": codes, "next": following})
        else:
            form.add_error("code", _("That code is not the one your app shows now. Try the newest one."))
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "qr": segno.make(device.config_url, error="m").svg_data_uri(scale=4),
            "secret": base64.b32encode(device.bin_key).decode().rstrip("="),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """The code from her app, or one of her recovery codes (each works once)."""
    form = CodeForm(request.POST or None)
    waiting = request.method == "POST" and _refusal(*devices_for_user(request.user))
    if request.method == "POST" and form.is_valid() and waiting:
        form.add_error("code", waiting)  # locked before she typed: her code was not even checked
    elif request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"].replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                _audit(request.user, "recovery code used")
                messages.warning(request, _("You used a recovery code: %(n)s left.") % {"n": left})
            return redirect(_next(request))
        form.add_error("code", _("That code is not right. Use the newest code in your app, or a recovery code."))
    return render(request, "registration/two_factor_verify.html", {"form": form})


def _next(request):
    """Where she was going (the Django admin, say), if it is on this site; else the home page."""
    following = request.GET.get("next", "")
    if following and url_has_allowed_host_and_scheme(following, {request.get_host()}, request.is_secure()):
        return following
    return reverse("home")


def has_two_factor(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def wait_seconds(*devices):
    """How long django-otp refuses every code after wrong ones (the wait doubles with each
    failure), in whole seconds: 0 while any of these devices would check a code."""
    now = timezone.now()
    waits = []
    for device in devices:
        allowed, data = device.verify_is_allowed()
        if allowed or not (data and data.get("locked_until")):
            return 0
        waits.append((data["locked_until"] - now).total_seconds())
    return max(0, math.ceil(min(waits))) if waits else 0


def _refusal(*devices):
    """What to say when the code was refused because she must wait, not because it was wrong."""
    seconds = wait_seconds(*devices)
    if not seconds:
        return ""
    until = formats.time_format(timezone.localtime(timezone.now() + timedelta(seconds=seconds)), "TIME_FORMAT")
    return ngettext(
        "After wrong codes, every code is refused for %(n)s more second (until %(until)s): this one was not "
        "checked. Wait, then type the newest code.",
        "After wrong codes, every code is refused for %(n)s more seconds (until %(until)s): this one was not "
        "checked. Wait, then type the newest code.",
        seconds,
    ) % {"n": seconds, "until": until}
