"""What a staff request needs to know of who asks, kept in her session and read again only when it
changes: her membership in the clinic she works in (with the clinic), whether she owes a second
factor, and the device that gave hers. Reading these on every request cost three queries of every
staff page; now the user row, which Django loads anyway, says whether the session's copy is
current: database triggers (screening.access_triggers) bump `User.access_version` whenever a
membership of hers, its clinic or a device of hers changes, however it changes. The copy is also
read again when she chooses another clinic or gives a code (the session then says so)."""

import zlib

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils.functional import SimpleLazyObject
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Clinic, Membership

KEY = "_access"
CHOSEN = "clinic_id"  # the clinic she chose to work in (choose_clinic)


def _shape():
    """The fields a copy holds: a copy kept before a deploy added or removed one is read again."""
    return zlib.crc32(",".join(f.attname for m in (Membership, Clinic) for f in m._meta.concrete_fields).encode())


SHAPE = _shape()


def current(request, user):
    """Her access, from the session if it is current, else read and kept there."""
    session = request.session
    state = session.get(KEY)
    asked = (user.pk, user.access_version, session.get(CHOSEN), session.get(DEVICE_ID_SESSION_KEY), SHAPE)
    if not state or tuple(state["asked"]) != asked:
        state = {"asked": list(asked), **_read(user, asked[2], asked[3])}
        session[KEY] = state
    return state


def read_at_login(sender, request, user, **kwargs):
    """Kept with the session the log-in writes anyway, so her first page writes nothing (the
    version read again: the user signing in may have been loaded before her last change)."""
    user.refresh_from_db(fields=["access_version"])
    current(request, user)


def _read(user, chosen, device_id):
    memberships = user.own_memberships()
    if chosen is not None:
        membership = memberships.filter(clinic_id=chosen).first()
    else:
        only = list(memberships[:2])
        membership = only[0] if len(only) == 1 else None
    device = Device.from_persistent_id(device_id) if device_id else None
    verified = device is not None and device.user_id == user.pk and device.confirmed
    return {
        "membership": _kept(membership),
        "clinic": _kept(membership and membership.clinic),
        "second_factor": _second_factor(user),
        "device": device_id if verified else None,
    }


def _second_factor(user):
    """ "verify" if she has a device to give a code from, "setup" if she must enrol, else "": one
    query."""
    devices = [model.objects.filter(user=OuterRef("pk"), confirmed=True) for model in (TOTPDevice, StaticDevice)]
    found = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            device=Exists(devices[0]) | Exists(devices[1]),
            required=Exists(
                Membership.objects.with_scopes_disabled().filter(user=OuterRef("pk"), clinic__require_two_factor=True)
            ),
        )
        .values_list("device", "required")
        .first()
    )
    has_device, required_here = found or (False, False)
    if has_device:
        return "verify"
    return "setup" if user.is_superuser or required_here else ""


def _kept(instance):
    if instance is None:
        return None
    return {
        f.attname: None if f.value_from_object(instance) is None else f.value_to_string(instance)
        for f in instance._meta.concrete_fields
    }


def _restored(model, kept):
    """The instance as if loaded from the database (Model.from_db), from its kept fields."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    values = [None if value is None else fields[name].to_python(value) for name, value in kept.items()]
    return model.from_db("default", list(kept), values)


def membership(request):
    """Her membership in the clinic she works in (its clinic attached), or None: no query when
    the session's copy is current."""
    if not request.user.is_authenticated:
        return None
    state = current(request, request.user)
    if state["membership"] is None:
        return None
    found = _restored(Membership, state["membership"])
    found.clinic, found.user = _restored(Clinic, state["clinic"]), request.user
    return found


def second_factor(request, user):
    return current(request, user)["second_factor"]


class SessionOTPMiddleware(OTPMiddleware):
    """django-otp's middleware, but the device that verified her is taken from the session's copy
    (checked when it was read: hers, confirmed) instead of being loaded on every request; it is
    loaded only if something asks which device it is."""

    def _verify_user_sync(self, request, user):
        self._init_user_fields(user)
        if user.is_authenticated:
            device_id = current(request, user)["device"]
            if device_id is None:
                request.session.pop(DEVICE_ID_SESSION_KEY, None)
            else:
                user.otp_device = SimpleLazyObject(lambda: Device.from_persistent_id(device_id))
        return user
