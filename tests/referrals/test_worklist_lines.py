"""The lines beside a mother on the worklist (referrals.worklist_lines), each kind as staff read it
and in the order shown: what the template said before the lines were built in Python (issue 32)."""

import uuid
from datetime import UTC, date, datetime, timedelta
from html import unescape
from types import SimpleNamespace

from django.utils import translation
from django.utils.html import strip_tags

from referrals import care
from referrals.deadlines import Late
from referrals.models import Alert, Attention, Concern, FollowUp, Provider, Referral
from referrals.worklist import Row
from referrals.worklist_lines import items
from screening.models import Delivery, Invitation, Mother, Screening

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
LIMITS = SimpleNamespace(follow_up_within_days=30)
MOTHER = Mother(code=uuid.uuid4())


def shown(row, language="en"):
    with translation.override(language):
        html = items(row, LIMITS, NOW)
    return html, [" ".join(unescape(strip_tags(item)).split()) for item in html]


def test_alerts_say_what_was_answered_when_whether_sent_and_how_often_escalated():
    from_draft = Alert(
        code=uuid.uuid4(), invitation=Invitation(pk=5, instrument_code="EPDS"), created_at=NOW, escalations=2
    )
    sent_form = Alert(
        code=uuid.uuid4(),
        screening=Screening(pk=7, instrument_code="PHQ-9", taken_on=date(2026, 5, 30)),
        created_at=NOW,
        delivered_at=NOW,
        escalations=1,
    )
    html, text = shown(Row(MOTHER, alerts=[from_draft, sent_form]))
    assert text == [
        "Self-harm alert to acknowledge (EPDS, June 1, 2026, from answers not yet sent, not yet emailed, "
        "escalated 2 times)",
        "Self-harm alert to acknowledge (PHQ-9, May 30, 2026, emailed, escalated once)",
    ]
    assert f'href="/alerts/{from_draft.code}/"' in html[0] and 'class="fw-bold link-danger"' in html[0]


def test_screens_past_the_follow_up_limit_say_so_and_referrals_show_their_provider_urgency_and_limits():
    late = Screening(
        code=uuid.uuid4(), instrument_code="EPDS", total=14, taken_on=date(2026, 4, 20), created_at=NOW - timedelta(40)
    )
    recent = Screening(code=uuid.uuid4(), instrument_code="PHQ-9", total=12, taken_on=date(2026, 5, 25), created_at=NOW)
    urgent = Referral(
        code=uuid.uuid4(),
        pathway="ipt",
        provider=Provider(pk=3, name="Harbor <Therapy>"),
        status="requested",
        urgency="urgent",
    )
    routine = Referral(code=uuid.uuid4(), pathway="psychoeducation", status="on-hold", urgency="routine")
    breaches = ["Not accepted within 3 days", "No first session within 14 days"]
    html, text = shown(Row(MOTHER, screens=[late, recent], referrals=[(urgent, breaches), (routine, [])]))
    assert text == [
        "Positive screen awaiting a decision: EPDS 14, April 20, 2026 past the 30-day follow-up limit",
        "Positive screen awaiting a decision: PHQ-9 12, May 25, 2026",
        "Referral: Interpersonal therapy, Harbor <Therapy>: Requested, Urgent (within a week) "
        "Not accepted within 3 days; No first session within 14 days",
        "Referral: Psychoeducation and peer support: On hold, Routine",
    ]
    assert "Harbor &lt;Therapy&gt;" in html[2]  # escaped, as the template did
    assert 'class="badge text-bg-danger"' in html[2] and 'class="badge text-bg-secondary"' in html[3]
    assert f'href="/referrals/{urgent.code}/"' in html[2] and f'href="/screenings/{late.code}/"' in html[0]


def test_her_deadline_concern_follow_ups_and_messages_link_to_her_page():
    concern = Concern(act_by=date(2026, 6, 3), attention=Attention.NO_CONTACT)
    gap = care.Gap(concern.act_by, Late.UNANSWERED)
    overdue = [
        FollowUp(status="overdue", reason="Infant's 2-month visit", due_on=date(2026, 5, 20)),
        FollowUp(status="failed", reason="Rescreen", due_on=date(2026, 5, 28), last_error="no email address"),
    ]
    messages = [
        Delivery(kind="invitation", status="failed", reminder=1, last_error="mailbox full"),
        Delivery(kind="invitation", status="pending", reminder=0, last_error="timeout"),
    ]
    row = Row(MOTHER, concern=concern, in_gap=True, gap=gap, overdue=overdue, messages=messages)
    html, text = shown(row)
    assert text == [
        "Nothing reaches her before her deadline (June 3, 2026): Not answered by her deadline: call her.",
        "Could not contact her: try again or close",
        "Overdue follow-up: Infant's 2-month visit, due May 20, 2026",
        "Follow-up could not be sent: Rescreen, due May 28, 2026 (no email address)",
        "Message failed: call her: Reminder 1 (mailbox full)",
        "Message failing: Invitation (timeout)",
    ]
    mother_page = MOTHER.get_absolute_url()
    assert html[0].startswith("<li data-gap>") and f'href="{mother_page}#concern-heading"' in html[1]
    assert f'href="{mother_page}#follow-ups-heading"' in html[2] and 'data-message="failed"' in html[4]
    # not in the gap section: the concern's line carries what to do and the deadline
    _html, text = shown(Row(MOTHER, concern=concern, gap=gap))
    assert text == [
        "Could not contact her: try again or close: Not answered by her deadline: call her. (deadline June 3, 2026)"
    ]


def test_the_lines_are_in_the_language_staff_chose():
    alert = Alert(code=uuid.uuid4(), invitation=Invitation(pk=5, instrument_code="EPDS"), created_at=NOW)
    follow_up = FollowUp(status="overdue", reason="Rescreen", due_on=date(2026, 5, 20))
    _html, text = shown(Row(MOTHER, alerts=[alert], overdue=[follow_up]), "es")
    assert text == [
        "Alerta de autolesión por confirmar (EPDS, 1 de junio de 2026, de respuestas aún no enviadas, "
        "aún no enviada por correo)",
        "Seguimiento vencido: Rescreen, previsto el 20 de mayo de 2026",
    ]
    concern = Concern(act_by=date(2026, 6, 3), attention=Attention.NO_CONTACT)
    _html, text = shown(Row(MOTHER, concern=concern, gap=care.Gap(concern.act_by, Late.UNANSWERED)), "es")
    assert text[0].endswith("(plazo 3 de junio de 2026)"), text
