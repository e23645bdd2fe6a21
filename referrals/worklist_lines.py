"""The lines beside a mother on the worklist, as HTML items in the order shown: her alerts, her
deadline, her concern, her screens, her referrals, her follow-ups, her messages. The page shows 25
mothers with two or three lines each; the template language spent about 170 microseconds a line on
them, more than the rest of the page, so they are built here (issue 32)."""

from datetime import timedelta

from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from screening.models import DeliveryStatus

from .models import FollowUpStatus, Urgency


def items(row, limits, now):
    mother_url = row.mother.get_absolute_url()
    follow_up_limit = now - timedelta(days=limits.follow_up_within_days)
    return [
        *(_alert(alert) for alert in row.alerts),
        *([_gap(row)] if row.in_gap else []),
        *([_attention(row, mother_url)] if row.concern and row.concern.attention else []),
        *(_screen(screen, follow_up_limit, limits.follow_up_within_days) for screen in row.screens),
        *(_referral(referral, breaches) for referral, breaches in row.referrals),
        *(_overdue(follow_up, mother_url) for follow_up in row.overdue),
        *(_message(message, mother_url) for message in row.messages),
    ]


def _alert(alert):
    notes = [str(alert.instrument_code), localize(alert.answered_on)]
    if alert.from_draft:
        notes.append(_("from answers not yet sent"))
    notes.append(_("emailed") if alert.delivered_at else _("not yet emailed"))
    if alert.escalations:
        n = alert.escalations
        notes.append(ngettext("escalated once", "escalated %(n)s times", n) % {"n": n})
    return format_html(
        '<li><a class="fw-bold link-danger" href="{}">{}</a> ({})</li>',
        alert.get_absolute_url(),
        _("Self-harm alert to acknowledge"),
        ", ".join(notes),
    )


def _gap(row):
    act_by = localize(row.concern.act_by) if row.concern else ""
    what = row.gap.what_to_do if row.gap else _("refer, plan a rescreen or close her concern")
    return format_html(
        "<li data-gap><strong>{}</strong> ({}): {}</li>", _("Nothing reaches her before her deadline"), act_by, what
    )


def _attention(row, mother_url):
    concern = row.concern
    link = format_html('<a href="{}#concern-heading">{}</a>', mother_url, concern.get_attention_display())
    if row.in_gap or not row.gap:
        return format_html("<li>{}</li>", link)
    return format_html("<li>{}: {} ({} {})</li>", link, row.gap.what_to_do, _("deadline"), localize(concern.act_by))


def _screen(screen, follow_up_limit, days):
    late = ""
    if screen.created_at < follow_up_limit:
        late = format_html(" <strong>{}</strong>", _("past the %(n)s-day follow-up limit") % {"n": days})
    return format_html(
        '<li><a href="{}">{}</a>: {} {}, {}{}</li>',
        screen.get_absolute_url(),
        _("Positive screen awaiting a decision"),
        screen.instrument_code,
        localize(screen.total),
        localize(screen.taken_on),
        late,
    )


def _referral(referral, breaches):
    provider = f", {referral.provider}" if referral.provider else ""
    passed = format_html(" <strong>{}</strong>", "; ".join(breaches)) if breaches else ""
    return format_html(
        '<li><a href="{}">{}: {}</a>{}: {}, <span class="badge text-bg-{}">{}</span>{}</li>',
        referral.get_absolute_url(),
        _("Referral"),
        referral.get_pathway_display(),
        provider,
        referral.get_status_display(),
        "secondary" if referral.urgency == Urgency.ROUTINE else "danger",
        referral.get_urgency_display(),
        passed,
    )


def _overdue(follow_up, mother_url):
    error = format_html(" <strong>({})</strong>", follow_up.last_error) if follow_up.last_error else ""
    return format_html(
        '<li><a href="{}#follow-ups-heading">{}</a>: {}, {} {}{}</li>',
        mother_url,
        _("Follow-up could not be sent") if follow_up.status == FollowUpStatus.FAILED else _("Overdue follow-up"),
        follow_up.reason,
        _("due"),
        localize(follow_up.due_on),
        error,
    )


def _message(message, mother_url):
    if message.status == DeliveryStatus.FAILED:
        what = format_html("<strong>{}</strong>", _("Message failed: call her"))
    else:
        what = _("Message failing")
    return format_html(
        '<li data-message="{}"><a href="{}#messages-heading">{}</a>: {} ({})</li>',
        message.status,
        mother_url,
        what,
        capfirst(message.describe()),
        message.last_error,
    )
