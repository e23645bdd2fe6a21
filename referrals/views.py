from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from screening import audit
from screening.access import SEES_SCORES, get_screening, staff_view
from screening.crisis import resources_for
from screening.models import AuditEntry, Delivery, Language
from screening.risk import RiskLevel

from . import lifecycle, provider_links, services, worklist_store
from . import worklist as work
from .forms import (
    AcknowledgeForm,
    DecisionForm,
    ReferForm,
    TransitionForm,
)
from .models import Alert, Referral, ReferralSettings

PER_PAGE = 25


def get_referral(request, code):
    return get_object_or_404(
        Referral.objects.visible_to(request.membership).select_related("mother", "provider", "screening"), code=code
    )


def get_alert(request, code):
    return get_object_or_404(
        Alert.objects.visible_to(request.membership).select_related(
            "mother", "screening", "invitation", "acknowledged_by"
        ),
        code=code,
    )


@require_GET
@staff_view(SEES_SCORES)
def worklist(request):
    """One row per mother: alerts first, then anyone at risk with nothing planned, then by the risk
    of her latest screen; within each, whoever has waited longest."""
    m = request.membership
    limits = ReferralSettings.for_clinic(m.clinic)
    now = timezone.now()
    filters = work.Filters.from_query(request.GET, {code for code, _name in Language.choices})
    ordered, counts = worklist_store.rows(m.clinic, limits, now, filters)
    page = Paginator(ordered, PER_PAGE, allow_empty_first_page=True).get_page(request.GET.get("page"))
    query = {k: v for k, v in vars(filters).items() if v}
    rows = page.object_list
    audit.record_shown(request.user, m.clinic, [row.mother for row in rows], "the worklist")
    return render(
        request,
        "referrals/worklist.html",
        {
            "page": page,
            "rows": rows,
            "counts": counts,
            "section_counts": [(key, label, counts[key]) for key, label in work.SECTIONS.items()],
            "filters": filters,
            "query": urlencode(query),
            "sections": work.SECTIONS,
            "risks": RiskLevel.choices,
            "languages": Language.choices,
        },
    )


@require_GET
@staff_view(SEES_SCORES)
def alert_detail(request, code):
    alert = get_alert(request, code)
    mother = alert.mother
    audit.record(request.user, alert.clinic, AuditEntry.Action.VIEW, mother, "urgent alert")
    return render(
        request,
        "referrals/alert_detail.html",
        {
            "alert": alert,
            "mother": mother,
            "form": AcknowledgeForm(),
            "resources": resources_for(alert.clinic, mother.preferred_language),
            "deliveries": alert.deliveries.order_by("pk"),
        },
    )


@require_POST
@staff_view(SEES_SCORES)
def alert_acknowledge(request, code):
    alert = get_alert(request, code)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        mother = alert.mother
        return render(
            request,
            "referrals/alert_detail.html",
            {
                "alert": alert,
                "mother": mother,
                "form": form,
                "resources": resources_for(alert.clinic, mother.preferred_language),
                "deliveries": alert.deliveries.order_by("pk"),
            },
        )
    if services.acknowledge(alert, actor=request.user, **form.cleaned_data):
        messages.success(request, _("Alert acknowledged. Thank you."))
    else:
        messages.info(request, _("A colleague had already acknowledged this alert."))
    if alert.screening_id:
        return redirect("screening_detail", code=alert.screening.code)
    return redirect("mother_detail", code=alert.mother.code)


def _refer_form(request, screening):
    recommended = [r.code for r in services.recommendations_for(screening) if not r.already_open]
    return ReferForm(
        request.POST or None, clinic=request.membership.clinic, recommended=recommended, screening=screening
    )


@require_http_methods(["GET", "POST"])
@staff_view(SEES_SCORES)
def refer(request, code):
    screening = get_screening(request, code)
    form = _refer_form(request, screening)
    if request.method == "POST" and form.is_valid():
        referral = services.create_referral(
            mother=screening.mother, screening=screening, actor=request.user, **form.cleaned_data
        )
        messages.success(request, _("Referral requested."))
        return redirect("referral_detail", code=referral.code)
    return render(
        request,
        "referrals/refer.html",
        {
            "screening": screening,
            "form": form,
            "recommendations": services.recommendations_for(screening),
        },
    )


@require_POST
@staff_view(SEES_SCORES)
def decide(request, code):
    screening = get_screening(request, code)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.record_decision(screening.mother, screening=screening, actor=request.user, **form.cleaned_data)
        except services.CannotDecide as problem:
            messages.error(request, str(problem))
        else:
            messages.success(request, _("Decision recorded."))
    else:
        messages.error(request, _("Choose a decision."))
    return redirect("screening_detail", code=screening.code)


@require_GET
@staff_view(SEES_SCORES)
def referral_detail(request, code, form=None):
    referral = get_referral(request, code)
    audit.record(request.user, referral.clinic, AuditEntry.Action.VIEW, referral, referral.mother.record_number)
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "events": referral.events.select_related("actor"),
            "form": form or TransitionForm(referral=referral),
            "breaches": referral.breaches(ReferralSettings.for_clinic(referral.clinic)),
            "next_screening": referral.next_screening(),
            "provider_link": next((lnk for lnk in referral.provider_links.order_by("-pk") if lnk.is_open()), None),
            "ended_statuses": list(lifecycle.ENDED),
            "deliveries": Delivery.objects.filter(Q(referral=referral) | Q(provider_link__referral=referral)).order_by(
                "pk"
            ),
        },
    )


@require_POST
@staff_view(SEES_SCORES)
def referral_transition(request, code):
    referral = get_referral(request, code)
    form = TransitionForm(request.POST, referral=referral)
    if not form.is_valid():
        request.method = "GET"
        return referral_detail(request, code, form=form)
    data = form.cleaned_data
    try:
        services.transition(referral, data.pop("target"), actor=request.user, **data)
    except lifecycle.InvalidTransition as error:  # a colleague moved it meanwhile
        messages.error(request, str(error))
    else:
        messages.success(request, _("Referral updated."))
    return redirect("referral_detail", code=referral.code)


@require_POST
@staff_view(SEES_SCORES)
def provider_link_make(request, code):
    """A new private link for the receiving provider (the previous one stops working), emailed to
    their referral address if they have one, else for the printed letter."""
    referral = get_referral(request, code)
    if referral.status in lifecycle.ENDED:
        messages.error(request, _("This referral has ended."))
        return redirect("referral_detail", code=referral.code)
    link = provider_links.create(referral, actor=request.user)
    if request.POST.get("send") == "email":
        try:
            provider_links.send(link, actor=request.user)
        except ValueError as error:  # no address: the letter still works
            messages.error(
                request, _("The link was not emailed (%(error)s). Print the letter instead.") % {"error": error}
            )
        else:
            messages.success(
                request, _("A new link is on its way to %(to)s.") % {"to": link.referral.provider.referral_email}
            )
        return redirect("referral_detail", code=referral.code)
    return redirect("referral_letter", code=referral.code)


@require_POST
@staff_view(SEES_SCORES)
def provider_link_revoke(request, code):
    referral = get_referral(request, code)
    for link in referral.provider_links.filter(revoked_at=None):
        provider_links.revoke(link, actor=request.user)
    messages.success(request, _("The provider's link no longer works."))
    return redirect("referral_detail", code=referral.code)


@require_GET
@staff_view(SEES_SCORES)
def referral_letter(request, code):
    """What the provider needs and nothing more, with their private link, to print."""
    referral = get_referral(request, code)
    link = next((lnk for lnk in referral.provider_links.order_by("-pk") if lnk.is_open()), None)
    audit.record(request.user, referral.clinic, AuditEntry.Action.VIEW, referral, "referral letter")
    return render(
        request,
        "referrals/referral_letter.html",
        {"referral": referral, "link": link, "url": link and provider_links.url_for(link)},
    )
