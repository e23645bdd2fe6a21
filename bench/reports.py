"""Times the reports page and its CSV exports on the bench data (bench/generate/).

    make bench-reports

Runs in-process with production settings (DEBUG off, persistent connections) against PostgreSQL,
logged in as one clinic's admin and as an admin of every clinic; prints the figures and writes them
to bench/results/."""

import multiprocessing
import os
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.db import connection, connections, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from screening.models import Screening, User  # noqa: E402

RUNS = int(os.environ.get("BENCH_REPORT_RUNS", "5"))
SLUGS = ["funnel", "quality", "outcomes", "timeliness", "coverage", "funnel-by-age"]


def timed(client, url):
    times, queries = [], 0
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    return statistics.median(times), max(times), queries


CLIENTS = int(os.environ.get("BENCH_REPORT_CLIENTS", "4"))
ROUNDS = int(os.environ.get("BENCH_REPORT_ROUNDS", "5"))


def logged_in(who):
    client = Client()
    client.force_login(User.objects.get(username=who))
    first = User.objects.get(username=who).memberships.order_by("clinic__name").first()
    client.get("/clinic/choose/")  # a session exists
    session = client.session
    session["clinic_id"] = first.clinic_id
    session.save()
    return client


def _one_client(job):
    """A process of its own (its own connection and interpreter, as a gunicorn worker would be):
    the page ROUNDS times, after the others have started."""
    who, url, barrier = job
    connections.close_all()
    client = logged_in(who)
    barrier.wait()
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        assert client.get(url).status_code == 200
        times.append(time.perf_counter() - started)
    return times


def concurrent(who, url):
    """CLIENTS processes asking for the page at once, ROUNDS times each: p50, p95, max."""
    connections.close_all()
    with multiprocessing.Manager() as manager:
        barrier = manager.Barrier(CLIENTS)
        with multiprocessing.get_context("fork").Pool(CLIENTS) as pool:
            times = sorted(t for ts in pool.map(_one_client, [(who, url, barrier)] * CLIENTS) for t in ts)
    at = lambda q: times[min(len(times) - 1, round(q * (len(times) - 1)))]  # noqa: E731
    return at(0.5), at(0.95), times[-1]


def main():
    from referrals.models import Referral
    from referrals.reports.models import (
        ChildFact,
        CoverageMonth,
        DeliveryFact,
        JourneyFact,
        ReferralFact,
        ScreeningMonth,
    )
    from referrals.tasks import refresh_report_facts

    counts = (Screening.objects.count(), Referral.objects.count())
    started = time.perf_counter()
    stale = refresh_report_facts()  # what beat does every minute; after bench.generate, everything
    fill = (
        f"Report facts and rollups brought up to date first: {stale:,} mothers and clinic-months "
        f"in {time.perf_counter() - started:.1f} s."
    )
    if stale:  # what autovacuum does after a mass change in a live database
        with connection.cursor() as cursor:
            for model in (JourneyFact, ReferralFact, DeliveryFact, ChildFact, ScreeningMonth, CoverageMonth):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    print(fill)
    rows = []
    for who, query in (
        ("bench-clinic_admin-000", ""),
        ("bench-network-admin", ""),
        ("bench-network-admin", "?clinic=all"),
    ):
        client = logged_in(who)
        for label, url in [("reports page", "/reports/")] + [(f"CSV {s}", f"/reports/{s}.csv") for s in SLUGS]:
            median, most, queries = timed(client, url + query)
            rows.append((who + (" (all 50 clinics)" if query else ""), label, median, most, queries))
            reset_queries()
    under_load = [
        (label, *concurrent(who, url))
        for label, who, url in (
            ("one clinic", "bench-clinic_admin-000", "/reports/"),
            ("all 50 clinics", "bench-network-admin", "/reports/?clinic=all"),
        )
    ]
    lines = [
        f"# Reports benchmark, {date.today()}",
        "",
        f"Machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"PostgreSQL {connection.cursor().connection.server_version}.",
        f"Data: {counts[0]:,} screenings, {counts[1]:,} referrals. Command: `make bench-reports`. "
        f"Median and maximum of {RUNS} runs, in-process, production settings. {fill}",
        "",
        "| who | what | median (s) | max (s) | queries |",
        "| --- | --- | ---: | ---: | ---: |",
    ] + [f"| {who} | {label} | {median:.3f} | {most:.3f} | {queries} |" for who, label, median, most, queries in rows]
    lines += [
        "",
        f"The reports page with {CLIENTS} clients at once (a process each), {ROUNDS} pages each:",
        "",
        "| reports page | p50 (s) | p95 (s) | max (s) |",
        "| --- | ---: | ---: | ---: |",
    ] + [f"| {label} | {p50:.3f} | {p95:.3f} | {most:.3f} |" for label, p50, p95, most in under_load]
    text = "\n".join(lines) + "\n"
    print(text)
    out = Path(__file__).resolve().parent / "results" / f"reports-{date.today()}.md"
    out.write_text(text)
    print(f"written to {out}")


if __name__ == "__main__":
    from django_scopes import scopes_disabled

    with scopes_disabled():  # a script acts for every clinic
        main()
