"""`make bench`: the app under gunicorn with production settings against PostgreSQL and Redis,
load on loopback from worker processes with keep-alive connections, and the dispatcher with two
Celery workers. Prints a table and writes it to bench/results/.

Every scenario runs BENCH_ROUNDS times (default 2: the first warms the workers up, the table
shows the last) with BENCH_CLIENTS clients at once; the pages a clinician waits for are then
measured again with one client, the latency of a busy but not saturated server. The web workers'
memory is read after every scenario of every round.

Environment: BENCH_SECONDS (per scenario, default 8), BENCH_CLIENTS (default 4), BENCH_ROUNDS
(default 2), BENCH_FOLLOW_UPS (dispatcher run, default 100000), BENCH_DISPATCH_LIMIT (seconds the
dispatcher run may take, default 3600), BENCH_PARTS (default "load,dispatcher,export"; "soak" adds
BENCH_SOAK_SECONDS, default 600, of mixed load with the web workers' memory read every 30 s).

The dispatcher run turns scheduled follow-ups into invitations, so each run on the same data finds
fewer scheduled rows; `make bench-data` after `dropdb ppd_bench` starts again."""

import http.client
import multiprocessing
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection  # noqa: E402

from bench.memory import each_mb, rss_kb  # noqa: E402

PORT = 8765
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
FOLLOW_UPS = int(os.environ.get("BENCH_FOLLOW_UPS", "100000"))
DISPATCH_LIMIT = float(os.environ.get("BENCH_DISPATCH_LIMIT", "3600"))
PARTS = os.environ.get("BENCH_PARTS", "load,dispatcher,export").split(",")
SOAK_SECONDS = float(os.environ.get("BENCH_SOAK_SECONDS", "600"))
SOAK_SLICE = 30  # seconds of load between two readings of the web workers' memory
FORMS_PER_CLIENT = 1500  # per round: more than a client submits in BENCH_SECONDS
SPREAD = 200  # page reads go to this many different mothers
# Staff entries go to another clinic's front desk and its mothers, one by one: the worklist and the
# pages measured stay as generated, however many runs enter screenings.
ENTRY_STAFF = "bench-front_desk-001"
CSRF = "b" * 32
# A paper PHQ-9 of 8 with no self-harm answer, the common case: with item 9 answered every entry
# raised an alert and opened a concern, and thousands of them changed the data each run measured.
PHQ9 = {f"item_{n}": "0" if n == 9 else "1" for n in range(1, 10)}


def staff_cookie(username):
    from screening.models import User

    user = User.objects.get(username=username)
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    clinic = user.memberships.order_by("clinic__name").first().clinic
    session["clinic_id"] = clinic.pk
    session.create()
    return f"sessionid={session.session_key}; csrftoken={CSRF}", clinic


def prepare():
    from screening import instruments, invitations
    from screening.models import Invitation, Mother

    cookie, clinic = staff_cookie("bench-clinic_admin-000")
    entry_cookie, entry_clinic = staff_cookie(ENTRY_STAFF)
    Invitation.objects.filter(created_by=None, channels=["link"], tablet=True, alert__isnull=True).delete()
    per_client = FORMS_PER_CLIENT * ROUNDS
    # Each form submitted is its mother's only open PHQ-9 hand-over: submitting one closes her other
    # open forms of the same questionnaire (answered once is answered), whose 404s would then trip
    # the wrong-link limit for every client. So they are other clinics' mothers, one form each.
    others = list(Mother.objects.exclude(clinic=clinic).order_by("pk")[: CLIENTS * per_client])
    answering, submitting = [], []
    for n in range(CLIENTS):
        mother = Mother.objects.filter(clinic=clinic).order_by("pk")[n]
        open_one = invitations.create_invitation(mother=mother, instrument=instruments.PHQ9, tablet=True)
        answering.append(invitations.token_for(open_one))
        batch = []
        for mother in others[n * per_client : (n + 1) * per_client]:
            inv = invitations.create_invitation(mother=mother, instrument=instruments.PHQ9, tablet=True)
            Invitation.objects.filter(pk=inv.pk).update(draft={str(i): 0 for i in range(1, 10)})
            batch.append(invitations.token_for(inv))
        submitting.append(batch)
    spread = Mother.objects.filter(clinic=clinic, left_care_on=None).order_by("pk")[CLIENTS * 40 :]
    return {
        "cookie": cookie,
        "mothers": [str(code) for code in spread.values_list("code", flat=True)[: SPREAD * 2]],
        "entry_cookie": entry_cookie,
        "entered": [
            str(code)
            for code in Mother.objects.filter(clinic=entry_clinic, left_care_on=None)
            .order_by("pk")
            .values_list("code", flat=True)
        ],
        "answering": answering,
        "submitting": submitting,
    }


def scenarios(data):
    staff = {"Cookie": data["cookie"], "X-CSRFToken": CSRF}
    mother = {"Cookie": f"csrftoken={CSRF}", "X-CSRFToken": CSRF}
    entry = {"taken_on": date.today().isoformat(), "method": "paper", **PHQ9}
    return [
        ("floor: trivial view", "GET", lambda c, i: "/bench/trivial/", None, {}, None),
        ("floor: insert one row", "POST", lambda c, i: "/bench/insert/", None, {}, None),
        (
            "mother opens a question",
            "GET",
            lambda c, i: f"/q/{data['answering'][c]}/{i % 9 + 1}/",
            None,
            mother,
            "floor: trivial view",
        ),
        (
            "mother saves an answer",
            "POST",
            lambda c, i: f"/q/{data['answering'][c]}/{i % 9 + 1}/",
            lambda c, i: {"answer": "0" if i % 9 == 8 else str(i % 4)},  # item 9 (self-harm) stays 0
            mother,
            "floor: insert one row",
        ),
        (
            "mother submits her form",
            "POST",
            lambda c, i: f"/q/{data['submitting'][c][i]}/submit/",
            None,
            mother,
            "floor: insert one row",
        ),
        (
            "staff enters a screening",
            "POST",
            lambda c, i: f"/mothers/{data['entered'][(c * 1000 + i) % len(data['entered'])]}/screenings/new/PHQ-9/",
            lambda c, i: {**entry, "submission_token": str(uuid.uuid4())},  # each a new form
            {"Cookie": data["entry_cookie"], "X-CSRFToken": CSRF},
            "floor: insert one row",
        ),
        ("clinician worklist", "GET", lambda c, i: "/worklist/", None, staff, "floor: trivial view"),
        (
            "mother's page",
            "GET",
            lambda c, i: f"/mothers/{data['mothers'][SPREAD + (c * 1000 + i) % SPREAD]}/",
            None,
            staff,
            "floor: trivial view",
        ),
        ("reports page", "GET", lambda c, i: "/reports/", None, staff, "floor: trivial view"),
    ]


def run_client(args):
    index, scenario_index, data, deadline, first = args
    name, method, path, body, headers, _ = scenarios(data)[scenario_index]
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    latencies, errors, i = [], Counter(), first
    while time.monotonic() < deadline:
        payload = urlencode(body(index, i)) if body else ""
        sent = {"Host": "127.0.0.1", **headers}
        if method == "POST":
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            path_now = path(index, i)
        except IndexError:
            break
        started = time.perf_counter()
        conn.request(method, path_now, body=payload or None, headers=sent)
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        if response.status >= 400:
            errors[response.status] += 1
        i += 1
    conn.close()
    return latencies, errors


def children(pid):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().split()[3]) == pid:
                    found.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, IndexError):
                pass
    return found


def start(command, log):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}  # the app plus the floor views
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True
    )


def port_taken():
    try:
        http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).connect()
        return True
    except OSError:
        return False


def wait_http(web):
    for _ in range(100):
        if web.poll() is not None:
            raise RuntimeError("gunicorn exited: see /tmp/bench-gunicorn.log")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/bench/trivial/", headers={"Host": "127.0.0.1"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


WAITED_FOR = ("clinician worklist", "mother's page", "reports page")


def measure(pool, clients, n, data, first):
    deadline = time.monotonic() + SECONDS
    started = time.monotonic()
    results = pool.map(run_client, [(c, n, data, deadline, first) for c in range(clients)])
    elapsed = time.monotonic() - started
    latencies = sorted(x for lat, _ in results for x in lat)
    # too few requests for percentiles (a very short run): each one reads as the slowest
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 2 else [max(latencies, default=0)] * 99
    errors = sum((e for _, e in results), Counter())
    shown = f"{sum(errors.values())}" + (
        f" ({', '.join(f'{n} x {code}' for code, n in errors.items())})" if errors else ""
    )
    return len(latencies), shown, len(latencies) / elapsed, q


def load(data, web_pids):
    """Rows of the table (the last round), and the web workers' memory in MB after each scenario."""
    memory = []
    with multiprocessing.Pool(CLIENTS) as pool:
        for round_number in range(ROUNDS):
            rows, floors, after = [], {}, []
            for n, (name, *_rest, floor) in enumerate(scenarios(data)):
                count, errors, rps, q = measure(pool, CLIENTS, n, data, round_number * FORMS_PER_CLIENT)
                floors[name] = rps
                ratio = f"{rps / floors[floor]:.2f}" if floor else "1.00"
                rows.append((name, CLIENTS, count, errors, rps, q[49] * 1000, q[94] * 1000, q[98] * 1000, ratio))
                after.append(rss_kb(web_pids) / 1024)
            memory.append(after)
        for n, (name, *_rest) in enumerate(scenarios(data)):
            if name in WAITED_FOR:
                count, errors, rps, q = measure(pool, 1, n, data, 0)
                rows.append((name, 1, count, errors, rps, q[49] * 1000, q[94] * 1000, q[98] * 1000, "-"))
    return rows, memory


def dispatcher(count):
    """`count` due follow-ups, two Celery workers, dispatch runs until none is left."""
    from config.celery import app
    from referrals import tasks
    from referrals.models import Alert, FollowUp, ReferralSettings
    from screening.models import Clinic, Delivery, Invitation

    for clinic in Clinic.objects.filter(name__startswith="Bench clinic"):
        ReferralSettings.objects.update_or_create(clinic=clinic, defaults={"send_from_hour": 0, "send_until_hour": 24})
    FollowUp.objects.filter(status__in=["scheduled", "invited"], due_on__lte=date.today()).update(
        due_on=date.today() + timedelta(days=3650)
    )
    waiting_for_a_clinician = Alert.objects.filter(acknowledged_at__isnull=True).values("screening__mother")
    # One follow-up per mother, the hard case: each needs a link and messages of her own.
    ids = list(
        FollowUp.objects.filter(status="scheduled")
        .exclude(mother__in=waiting_for_a_clinician)
        .order_by("mother_id", "pk")
        .distinct("mother_id")
        .values_list("pk", flat=True)[:count]
    )
    FollowUp.objects.filter(pk__in=ids).update(due_on=date.today())
    invitations_before = Invitation.objects.count()
    last_before = Invitation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)
    workers = [
        start(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                f"--hostname=bench{n}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=WARNING",
            ],
            f"/tmp/bench-worker-{n}.log",
        )
        for n in range(2)
    ]
    time.sleep(4)
    memory_before = rss_kb([w.pid for w in workers])
    started = time.monotonic()
    deadline = started + DISPATCH_LIMIT
    # Polled with the dispatcher's own criteria, once a second: a poll naming 100,000 ids took a
    # quarter of the machine from the workers it measures.
    today = date.today()
    waiting = FollowUp.objects.filter(status="scheduled", due_on__lte=today).exclude(mother__in=waiting_for_a_clinician)
    unsent = Invitation.objects.filter(
        follow_up__due_on=today, follow_up__status="invited", sent_at__isnull=True
    ).exclude(channels=["link"])
    while waiting.exists() and time.monotonic() < deadline:
        if app.connection_for_write().default_channel.client.llen(app.conf.task_default_queue) < 4:
            tasks.dispatch_follow_ups.delay()
        time.sleep(1)
    invited_in = time.monotonic() - started
    while unsent.exists() and time.monotonic() < deadline:
        time.sleep(1)
    sent_in = time.monotonic() - started
    memory_after = rss_kb([w.pid for w in workers])
    for worker in workers:
        os.killpg(worker.pid, signal.SIGTERM)
    created = Invitation.objects.count() - invitations_before
    rows = FollowUp.objects.filter(pk__in=ids)
    invited = rows.filter(status="invited", invitation__isnull=False).count()
    # A mother with several follow-ups due at once gets one link; the others are marked covered by it.
    covered = rows.filter(status="cancelled", note__startswith="covered by").count()
    new_links = rows.filter(status="invited", invitation__pk__gt=last_before).count()
    sent = Invitation.objects.filter(follow_up__pk__in=ids, sent_at__isnull=False).count()
    to_send = Invitation.objects.filter(follow_up__pk__in=ids).exclude(channels=["link"]).count()
    retried = Delivery.objects.filter(invitation__follow_up__pk__in=ids, attempts__gt=1).count()
    return {
        "to_send": to_send,
        "count": len(ids),
        "invited": invited,
        "covered": covered,
        "retried": retried,
        "sent": sent,
        "invited_s": invited_in,
        "sent_s": sent_in,
        "duplicates": created - new_links,
        "worker_kb_before": memory_before,
        "worker_kb_after": memory_after,
    }


def care_gap_query(runs=20):
    """The care-gap query (design rule 11: at risk on no live path) in this process, for the bench
    clinic and for every clinic (`manage.py care_gaps`): rows of the table, in ms."""
    from referrals import care
    from screening.models import User

    admin = User.objects.get(username="bench-clinic_admin-000")
    clinic = admin.memberships.order_by("clinic__name").first().clinic  # the clinic the pages use
    rows = []
    for name, query in (("one clinic", lambda: care.care_gaps(clinic)), ("every clinic", lambda: care.care_gaps())):
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            list(query().values_list("pk", flat=True))
            times.append((time.perf_counter() - started) * 1000)
        q = statistics.quantiles(times, n=100)
        rows.append(
            (f"care-gap query, {name} (in process)", 1, runs, "0", runs / sum(times) * 1000, q[49], q[94], q[98], "-")
        )
    return rows


SOAKED = (
    "mother opens a question",
    "mother saves an answer",
    "staff enters a screening",
    "clinician worklist",
    "mother's page",
    "reports page",
)  # every scenario but the floors and the submit (its forms run out)


def gunicorn():
    return start(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
            *(["--config", "python:bench.gunicorn_probe"] if os.environ.get("BENCH_MEMORY_PROBE") else []),
        ],
        "/tmp/bench-gunicorn.log",
    )


def soak_lines():
    """The web workers' memory across BENCH_SOAK_SECONDS of mixed load (issue 19): the clients work
    through the app's scenarios together, each on a different one, changing every SOAK_SLICE
    seconds; memory is read after each slice."""
    data = prepare()
    connection.close()
    names = [scenario[0] for scenario in scenarios(data)]
    mixed = [names.index(name) for name in SOAKED]
    web = gunicorn()
    try:
        wait_http(web)
        web_pids = children(web.pid)
        series, requests, errors = [rss_kb(web_pids) / 1024], 0, 0
        started, turn = time.monotonic(), 0
        with multiprocessing.Pool(CLIENTS) as pool:
            while time.monotonic() - started < SOAK_SECONDS:
                deadline = time.monotonic() + SOAK_SLICE
                jobs = [(c, mixed[(turn + c) % len(mixed)], data, deadline, turn * 1000) for c in range(CLIENTS)]
                for latencies, failed in pool.map(run_client, jobs):
                    requests += len(latencies)
                    errors += sum(failed.values())
                series.append(rss_kb(web_pids) / 1024)
                turn += 1
        seconds = time.monotonic() - started
        worker_mb = each_mb(web_pids)
    finally:
        os.killpg(web.pid, signal.SIGTERM)
    settled = series[len(series) // 3 :]
    return [
        "",
        f"Web soak: {seconds:.0f} s of mixed load ({', '.join(SOAKED)}; {CLIENTS} clients, each on a different "
        f"scenario, changing every {SOAK_SLICE} s), {requests:,} requests, {errors} errors.",
        f"Web workers' memory (both together) every {SOAK_SLICE} s, MB: " + ", ".join(f"{mb:.0f}" for mb in series),
        f"After warm-up (the last two thirds): {min(settled):.0f} to {max(settled):.0f} MB, "
        f"a spread of {max(settled) - min(settled):.0f} MB. Each worker at the end: "
        + ", ".join(f"{mb:.0f}" for mb in worker_mb)
        + f" MB (target: under {WORKER_MB} MB, flat after warm-up).",
    ]


# Issue 19's targets: (scenario, clients, measure, limit). A ratio is to the floor of the same run.
TARGETS = [
    ("mother submits her form", CLIENTS, "ratio", 0.5),
    ("staff enters a screening", CLIENTS, "ratio", 0.5),
    ("clinician worklist", CLIENTS, "p95", 100),
    ("clinician worklist", 1, "p95", 100),
    ("mother's page", CLIENTS, "p95", 100),
    ("mother's page", 1, "p95", 100),
    ("care-gap query, one clinic (in process)", 1, "p95", 100),
    ("care-gap query, every clinic (in process)", 1, "p95", 100),
]
WORKER_MB = 150


def target_lines(rows, worker_mb):
    """Each target against this run's figures, and whether it is met."""
    found = {(row[0], row[1]): row for row in rows}
    lines = [
        "",
        "Targets (issue 19), checked against this run:",
        "",
        "| target | measured | met |",
        "| --- | ---: | --- |",
    ]
    for name, clients, measure, limit in TARGETS:
        row = found[(name, clients)]
        if measure == "ratio":
            value, met = float(row[8]), float(row[8]) >= limit
            lines.append(f"| {name}: at least {limit} of the floor | {value:.2f} | {'yes' if met else 'no'} |")
        else:
            value, met = row[6], row[6] < limit
            lines.append(
                f"| {name}, {clients} client(s): p95 under {limit} ms | {value:.1f} ms | {'yes' if met else 'no'} |"
            )
    each = ", ".join(f"{mb:.0f}" for mb in worker_mb)
    met = max(worker_mb) < WORKER_MB
    lines.append(f"| each web worker under {WORKER_MB} MB after the run | {each} MB | {'yes' if met else 'no'} |")
    return lines


def serve_and_load():
    """The table of scenarios and the web workers' memory, as lines of the results file."""
    data = prepare()
    gaps = care_gap_query()
    connection.close()
    web = gunicorn()
    try:
        wait_http(web)
        web_pids = children(web.pid)
        web_before = rss_kb(web_pids)
        rows, memory = load(data, web_pids)
        worker_mb = each_mb(web_pids)
    finally:
        os.killpg(web.pid, signal.SIGTERM)
    rows += gaps
    return [
        f"gunicorn, 2 sync workers, CONN_MAX_AGE=60, DEBUG off; client processes with keep-alive connections "
        f"on loopback, on the same 2 cores. Figures of round {ROUNDS} of {ROUNDS}, then the waited-for pages "
        "with one client.",
        "",
        "| scenario | clients | requests | errors | req/s | p50 ms | p95 ms | p99 ms | ratio to floor |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *[
            f"| {n} | {k} | {c} | {e} | {r:.0f} | {p50:.1f} | {p95:.1f} | {p99:.1f} | {ratio} |"
            for n, k, c, e, r, p50, p95, p99, ratio in rows
        ],
        "",
        f"Web workers' memory (both together): {web_before / 1024:.0f} MB at start; after each scenario:",
        *[f"- round {k + 1}: " + ", ".join(f"{mb:.0f}" for mb in after) + " MB" for k, after in enumerate(memory)],
        *target_lines(rows, worker_mb),
        "",
    ]


def dispatcher_lines():
    d = dispatcher(FOLLOW_UPS)
    done = d["invited"] + d["covered"] == d["count"] and d["sent"] == d["to_send"]
    outcome = (
        f"all invited in {d['invited_s']:.0f} s ({d['count'] / d['invited_s']:.0f} per second: "
        f"{d['invited']:,} with a link of their own, {d['covered']:,} covered by a link she already held "
        "for another follow-up), all "
        f"{d['sent']:,} with an email or text channel sent in {d['sent_s']:.0f} s (the rest are links for "
        "staff to hand over)"
        if done
        else f"NOT FINISHED within the {DISPATCH_LIMIT:.0f} s limit: {d['invited']:,} invited, {d['covered']:,} "
        f"covered and {d['sent']:,} of {d['to_send']:,} sent"
    )
    return [
        f"Dispatcher: {d['count']:,} due follow-ups of as many mothers, 2 workers: {outcome}; "
        f"duplicates {d['duplicates']}; "
        f"messages tried more than once {d['retried']}; "
        f"workers' memory {d['worker_kb_before'] / 1024:.0f} MB before, {d['worker_kb_after'] / 1024:.0f} MB after.",
    ]


def export_lines():
    """One clinic's FHIR bulk export, the task run in-process: files, resources, seconds."""
    from fhir_api import auth, export
    from fhir_api.models import BulkExport
    from screening.models import User

    admin = User.objects.get(username="bench-clinic_admin-000")
    clinic = admin.memberships.first().clinic
    client, _token = auth.create(clinic, "bench export", admin)
    job = BulkExport.objects.create(client=client)
    started = time.perf_counter()
    export.run(job.pk)
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    total = sum(part["count"] for part in job.output)
    parts = ", ".join(f"{part['type']} {part['count']:,}" for part in job.output)
    return [
        "",
        f"FHIR bulk export of one clinic ({clinic.name}): {total:,} resources ({parts}) as NDJSON in "
        f"{seconds:.1f} s ({total / seconds:,.0f} resources per second), built and validated with fhir.resources.",
    ]


def main():
    if {"load", "soak"} & set(PARTS) and port_taken():
        sys.exit(f"port {PORT} is taken: stop what listens there (an earlier gunicorn?) and run again")
    from referrals.models import Referral
    from screening.models import Screening

    lines = [
        f"# make bench, {date.today()}",
        "",
        f"Machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, PostgreSQL "
        f"{connection.cursor().connection.server_version}. Data: {Screening.objects.count():,} screenings, "
        f"{Referral.objects.count():,} referrals. Command: `make bench` (BENCH_PARTS={','.join(PARTS)}, "
        f"BENCH_SECONDS={SECONDS:g}, BENCH_CLIENTS={CLIENTS}, BENCH_ROUNDS={ROUNDS}, "
        f"BENCH_FOLLOW_UPS={FOLLOW_UPS}).",
    ]
    if "load" in PARTS:
        lines += serve_and_load()
    if "export" in PARTS:
        lines += export_lines()
    if "dispatcher" in PARTS:
        lines += dispatcher_lines()
    if "soak" in PARTS:
        lines += soak_lines()
    text = "\n".join(lines) + "\n"
    print(text)
    suffix = "" if set(PARTS) == {"load", "dispatcher", "export"} else "-" + "-".join(PARTS)
    out = ROOT / "bench" / "results" / f"bench-{date.today()}{suffix}.md"
    out.write_text(text)
    print(f"written to {out}")


if __name__ == "__main__":
    from django_scopes import scopes_disabled

    with scopes_disabled():  # a script acts for every clinic
        main()
