"""The mother's questionnaire, opened from her private link: no account, phone first, no
JavaScript needed. One question per screen, each answer saved on the server when she taps
Next, so a lost connection, the back button or a second tab lose nothing."""

from functools import wraps

import segno
from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import invitations, submissions, thank_you
from .crisis import resources_for
from .instruments.phq import DIFFICULTY_OPTIONS, DIFFICULTY_QUESTION
from .instruments.translations import text_for
from .limits import limited
from .models import Clinic, Mother
from .tenancy import clinic_scope

LANGUAGE_KEY = "online_language"
LANGUAGES = {code for code, _name in settings.LANGUAGES}


def _language(request, mother=None):
    chosen = request.session.get(LANGUAGE_KEY)
    if chosen in LANGUAGES:
        return chosen
    if mother and mother.preferred_language in LANGUAGES:
        return mother.preferred_language
    browser = getattr(request, "LANGUAGE_CODE", "en")  # no mother known: her browser's language
    return browser if browser in LANGUAGES else "en"


def _render(request, template, context, language, status=200):
    with translation.override(language):
        response = render(request, template, {**context, "language": language}, status=status)
    response["Content-Language"] = language
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _unavailable(request):
    """The same page for a wrong, expired, spent or cancelled link: it never says which."""
    return _render(request, "online/unavailable.html", {}, _language(request), status=404)


def with_invitation(view):
    @wraps(view)
    def wrapper(request, token, *args, **kwargs):
        if request.user.is_authenticated:  # her answers are hers: staff hand over the device instead
            return _render(request, "online/staff_signed_in.html", {}, _language(request), status=403)
        if limited(request, "online", settings.ONLINE_REQUESTS_PER_MINUTE):
            return _render(request, "online/limited.html", {}, _language(request), status=429)
        invitation = invitations.find(token)
        if invitation is None:  # only wrong or dead links count towards, and meet, the strict limit
            if limited(request, "online-miss", settings.ONLINE_MISSES_PER_MINUTE):
                return _render(request, "online/limited.html", {}, _language(request), status=429)
            if thank_you.is_for(thank_you.read(request), token):
                return redirect("online_done")
            return _unavailable(request)
        language = _language(request, invitation.mother)
        text = text_for(invitation.instrument, language)
        with clinic_scope(invitation.clinic_id):
            return view(request, invitation, token, language, text, *args, **kwargs)

    return wrapper


def _context(invitation, token, text, language, **extra):
    instrument = invitation.instrument
    answers = invitation.answers_so_far()
    return {
        "help_url": help_url(invitation.clinic, language),
        "invitation": invitation,
        "token": token,
        "instrument": instrument,
        "text": text,
        "clinic": invitation.clinic,
        "answered": len(answers),
        "total_items": len(instrument.items),
        "untranslated": language != "en" and not text.is_translation,
        "answers": answers,
        "tablet": invitation.tablet,
        **extra,
    }


def _first_unanswered(invitation):
    answers = invitation.answers_so_far()
    return next((i.number for i in invitation.instrument.items if i.number not in answers), None)


@require_http_methods(["GET", "POST"])
@with_invitation
def start(request, invitation, token, language, text):
    if request.method == "POST":
        following = _first_unanswered(invitation)
        return (
            redirect("online_item", token=token, number=following)
            if following
            else redirect("online_review", token=token)
        )
    invitations.mark_opened(invitation)
    return _render(request, "online/start.html", _context(invitation, token, text, language), language)


@require_http_methods(["GET", "POST"])
@with_invitation
def item(request, invitation, token, language, text, number):
    items, number = invitation.instrument.items, int(number)
    if not 1 <= number <= len(items):
        return redirect("online_start", token=token)
    error = None
    if request.method == "POST":
        position = _position(request.POST.get("answer"), len(items[number - 1].options))
        if position is None:
            error = _("Choose one answer to continue.")
        else:
            invitation = invitations.save_answer(invitation, number, position)
            following = _first_unanswered(invitation)
            if following is None or number == len(items):
                return (
                    redirect("online_review", token=token)
                    if following is None
                    else redirect("online_item", token=token, number=following)
                )
            return redirect("online_item", token=token, number=number + 1)
    context = _context(
        invitation,
        token,
        text,
        language,
        number=number,
        item=text.items[number - 1],
        error=error,
        chosen=invitation.answers_so_far().get(number),
    )
    return _render(request, "online/item.html", context, language, status=400 if error else 200)


def _position(value, options):
    try:
        position = int(value)
    except (TypeError, ValueError):
        return None
    return position if 0 <= position < options else None


@require_GET
@with_invitation
def review(request, invitation, token, language, text):
    answers = invitation.answers_so_far()
    rows = [(t, answers.get(t.number)) for t in text.items]
    context = _context(invitation, token, text, language, rows=rows, missing=[t.number for t, a in rows if a is None])
    if invitation.instrument.asks_difficulty:  # asked after the items, not scored (Kroenke 2001)
        context["difficulty"] = {"question": DIFFICULTY_QUESTION, "options": DIFFICULTY_OPTIONS}
    if invitation.self_harm_answered():
        context["resources"] = resources_for(invitation.clinic, language)
        context["alerted"] = invitation.alert_raised
    return _render(request, "online/review.html", context, language)


@require_POST
@with_invitation
def submit(request, invitation, token, language, text):
    """Her form accepted and her thank-you page answered at once; a worker scores it after commit
    (screening.submissions). A brief screen is scored here: whether she goes on to the full
    questionnaire depends on it."""
    if _first_unanswered(invitation) is not None:
        return redirect("online_review", token=token)
    difficulty = _position(request.POST.get("functional_difficulty"), len(DIFFICULTY_OPTIONS))
    try:
        submissions.accept(invitation, text.language, functional_difficulty=difficulty, translation=text.pack)
    except submissions.Closed:  # staff cancelled it as she sent it; a disclosure still gets help
        if invitation.self_harm_answered():
            return redirect(help_url(invitation.clinic, language))
        return _unavailable(request)
    if invitation.instrument.brief and submissions.score(invitation.pk).is_positive:
        following = invitations.continue_into_full(invitation)
        return redirect("online_item", token=invitations.token_for(following), number=_first_unanswered(following) or 1)
    result = invitation.instrument.score(invitation.answers_in_order())  # pure: what her page shows
    return thank_you.remember(redirect("online_done"), thank_you.for_link(token, invitation, result, language))


@require_POST
def choose_language(request, token):
    language = request.POST.get("language")
    if language in LANGUAGES:
        request.session[LANGUAGE_KEY] = language
    target = request.POST.get("next", "")
    if not target.startswith("/q/") or "//" in target or "\\" in target:
        target = "/"
    return redirect(target)


def help_url(clinic, language):
    return f"{reverse('crisis_help', args=[clinic.code])}?{urlencode({'lang': language})}"


@require_GET
def help_page(request, clinic_code):
    """The lines she can call or text, for her to keep: public, and nothing about her in it."""
    clinic = get_object_or_404(Clinic, code=clinic_code)
    chosen = request.GET.get("lang")
    language = chosen if chosen in LANGUAGES else _language(request)
    with clinic_scope(clinic.pk):
        context = {"clinic": clinic, "resources": resources_for(clinic, language)}
        return _render(request, "crisis/help.html", context, language)


def hand_back(sender, request, user, **kwargs):
    """Staff logging in on the device she used: nothing of her answers stays in the session. If
    her answers raised an alert, front desk gets a neutral cue, never the answer itself."""
    info = thank_you.read(request)  # the cookie itself goes with the response (ForgetWhenStaffSignIn)
    request.session.pop(LANGUAGE_KEY, None)
    if info and info.get("tablet") and info.get("self_harm"):
        mother = _handed_back_by(user, info)
        who = (
            _("%(name)s (record %(record)s)") % {"name": mother.full_name, "record": mother.record_number}
            if mother
            else _("her")
        )
        messages.error(
            request,
            _("A clinician has been alerted and must see %(who)s today. Please ask her to wait.") % {"who": who},
            extra_tags="hand-back",
            fail_silently=True,
        )


def _handed_back_by(user, info):
    """The mother who used the tablet, if the staff member taking it back works at her clinic."""
    clinic = info.get("clinic")
    if not user.own_memberships().filter(clinic_id=clinic).exists():
        return None
    with clinic_scope(clinic):
        return Mother.objects.filter(pk=info.get("mother")).first()


@require_GET
def done(request):
    info = None if request.user.is_authenticated else thank_you.read(request)
    if not info:
        return _unavailable(request)
    language = request.session.get(LANGUAGE_KEY) or info.get("language", "en")
    context = {"info": info, "clinic_name": info["clinic_name"]}
    if info["self_harm"]:
        clinic = Clinic.objects.get(pk=info["clinic"])
        with clinic_scope(clinic.pk):
            context["resources"] = resources_for(clinic, language)
        context["alerted"] = True  # raised with her screening, in the same transaction
        if info["tablet"]:  # the numbers go with her, on her own phone
            link = settings.SITE_URL.rstrip("/") + help_url(clinic, language)
            context["help_qr"] = segno.make(link, error="m").svg_data_uri(scale=4)
    return _render(request, "online/done.html", context, language)
