"""Issue 32: the worklist is read from one stored row per mother, kept equal to the rule by triggers
(any write, however made) and by the moments time alone changes it."""

import re
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referrals import services, worklist_store
from referrals.models import Provider, Referral, ReferralSettings, WorklistEntry
from screening import transfers

from ..conftest import enter_epds, make_mother

POSITIVE = [2, 2, 0, 2, 1, 1, 1, 1, 2, 3]  # 18, no self-harm answer


def listed(client):
    return client.get(reverse("worklist")).content.decode()


def count(page, section):
    return int(re.search(rf'data-section-count="{section}">[^<]*<span class="count">(\d+)', page).group(1))


def test_a_change_made_behind_the_services_shows_at_the_next_page(login, clinician, mother, front_desk):
    enter_epds(mother, POSITIVE, front_desk)
    client = login(clinician)
    assert count(listed(client), "screen") == 1
    mother.screenings.update(reviewed_at=timezone.now())  # a bulk update: no signal, no service
    page = listed(client)
    assert count(page, "screen") == 0 and worklist_store.differences(mother.clinic) == []


def test_a_referral_past_its_first_session_limit_comes_onto_the_worklist_with_time_alone(
    login, clinician, mother, front_desk
):
    screening = enter_epds(mother, POSITIVE, front_desk)
    referral = services.create_referral(mother=mother, screening=screening, pathway="cbt", actor=clinician)
    services.transition(referral, "accepted", actor=clinician)
    services.transition(referral, "in-progress", actor=clinician)
    Referral.objects.update(first_session_on=None)  # under way, her first session not yet recorded
    mother.screenings.update(reviewed_at=timezone.now())
    client = login(clinician)
    assert count(listed(client), "referral") == 0
    entry = WorklistEntry.objects.get(mother=mother)
    assert entry.recheck_at is not None  # when her referral passes its limit, if nothing is written before
    with time_machine.travel(entry.recheck_at + timedelta(seconds=1)):
        assert Referral.objects.get().first_session_on is None
        assert count(listed(login(clinician)), "referral") == 1  # a new session: hers expired meanwhile
        assert worklist_store.differences(mother.clinic) == []


def test_a_mother_moved_to_another_clinic_leaves_the_first_worklist_and_joins_the_second(
    login, clinician, outsider, mother, front_desk, clinic_b
):
    enter_epds(mother, POSITIVE, front_desk)
    assert mother.full_name in listed(login(clinician))
    transfers.transfer(mother, clinic_b, actor=clinician, note="moved")
    assert mother.full_name not in listed(login(clinician))
    assert mother.full_name in listed(login(outsider))


def test_a_stored_row_that_differs_from_the_rule_fails_care_gaps(clinician, mother, front_desk, machinery_running):
    enter_epds(mother, POSITIVE, front_desk)
    worklist_store.refresh()
    call_command("care_gaps", stdout=StringIO(), stderr=StringIO())  # equal: exit 0
    WorklistEntry.objects.filter(mother=mother).update(screen=False)  # not through any trigger's table
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("care_gaps", stdout=StringIO(), stderr=err)
    assert "worklist differs" in err.getvalue() and "1 stored worklist row(s) differ" in err.getvalue()


def test_the_page_reads_counts_and_a_page_of_rows_whatever_the_clinic_holds(login, clinician, clinic_a, front_desk):
    for n in range(30):
        enter_epds(make_mother(clinic_a, front_desk, record_number=f"W-{n}"), POSITIVE, front_desk)
    client = login(clinician)
    listed(client)  # recomputes the stale entries
    with CaptureQueriesContext(connection) as captured:
        assert count(listed(client), "screen") == 30
    entries = [q["sql"] for q in captured.captured_queries if "referrals_worklist" in q["sql"]]
    assert len(entries) == 4, entries  # the stale ones, the due ones (none), the counts, the page
    assert not any(
        '"screening_screening"' in q and "GROUP BY" in q for q in (c["sql"] for c in captured.captured_queries)
    )


def test_recomputing_stale_mothers_takes_the_same_queries_for_few_or_many(clinic_a, front_desk):
    def recompute_queries(n, prefix):
        for i in range(n):
            enter_epds(make_mother(clinic_a, front_desk, record_number=f"{prefix}-{i}"), POSITIVE, front_desk)
        with CaptureQueriesContext(connection) as captured:
            assert worklist_store.refresh(clinic_a) == n
        return len(captured)

    assert recompute_queries(3, "F") == recompute_queries(30, "M")


BEHIND_THE_LINES = ["alert", "concern", "referral", "followup", "provider"]
BEHIND_THE_LINES = [f'FROM "referrals_{t}"' for t in BEHIND_THE_LINES] + [
    'FROM "screening_screening"',
    'FROM "screening_delivery"',
]


def test_the_lines_beside_each_mother_come_with_her_entry_not_from_the_rows_behind_them(
    login, clinician, clinic_a, front_desk
):
    for n in range(4):
        mother = make_mother(clinic_a, front_desk, record_number=f"L-{n}")
        screening = enter_epds(mother, POSITIVE, front_desk)
        if n % 2:  # a referral decides her screen
            services.create_referral(mother=mother, screening=screening, pathway="cbt", actor=clinician)
    client = login(clinician)
    listed(client)  # recomputes the stale entries
    with CaptureQueriesContext(connection) as captured:
        page = listed(client)
    assert page.count("Positive screen awaiting a decision</a>: EPDS 18") == 2
    assert page.count("Referral: Cognitive behavioural therapy</a>: Requested") == 2
    read = [q["sql"] for q in captured.captured_queries if any(table in q["sql"] for table in BEHIND_THE_LINES)]
    banner = [sql for sql in read if ") OVER ()" in sql]  # every clinician's page: her open alerts, counted
    assert len(banner) == 1 and read == banner, read


def test_a_referral_shows_the_limit_it_has_passed_with_time_alone_and_her_provider_as_renamed(
    login, clinician, mother, front_desk
):
    provider = Provider.objects.create(clinic=mother.clinic, name="Dyad Centre", pathways=["cbt"], contact="x")
    screening = enter_epds(mother, POSITIVE, front_desk)
    services.create_referral(mother=mother, screening=screening, pathway="cbt", actor=clinician, provider=provider)
    enter_epds(make_mother(mother.clinic, front_desk, record_number="L-2"), POSITIVE, front_desk)  # awaits review
    client = login(clinician)
    page = listed(client)
    assert "Dyad Centre" in page and "Not accepted within" not in page
    Provider.objects.filter(pk=provider.pk).update(name="Dyad Therapy Centre")  # behind the services
    assert "Dyad Therapy Centre" in listed(client)
    limits = ReferralSettings.for_clinic(mother.clinic)
    days = limits.limits_for(Referral.objects.get().urgency)[0]  # nothing written from here on
    with time_machine.travel(timezone.now() + timedelta(days=max(days, limits.follow_up_within_days), hours=1)):
        page = listed(login(clinician))
        assert "<strong>Not accepted within" in page and "-day follow-up limit</strong>" in page
        assert worklist_store.differences(mother.clinic) == []
