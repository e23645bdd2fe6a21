"""The load: staff sessions and her links prepared in the database, the scenarios, and client
processes that run one scenario each with keep-alive connections."""

import http.client
import multiprocessing
import statistics
import time
import uuid
from collections import Counter
from urllib.parse import urlencode

from django.contrib.sessions.backends.db import SessionStore

from bench.memory import rss_kb
from screening import instruments, invitations
from screening.models import Invitation, Mother, User

from . import (
    CLIENTS,
    CSRF,
    ENTRY_STAFF,
    FORMS_PER_CLIENT,
    PHQ9,
    PORT,
    ROUNDS,
    SECONDS,
    SPREAD,
)


def staff_cookie(username):
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
        # her clinic's today: the machine's (UTC) date is a day ahead of a clinic west of it every evening,
        # and a form dated tomorrow is shown again with "This date is in the future", saving nothing
        "entry_day": entry_clinic.today().isoformat(),
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
    entry = {"taken_on": data["entry_day"], "method": "paper", **PHQ9}
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
    name, method, path, body, headers, floor = scenarios(data)[scenario_index]
    saves = method == "POST" and floor is not None  # answers with a redirect; a form shown again saved nothing
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
        if response.status >= 400 or (saves and response.status != 302):
            errors[response.status] += 1
        i += 1
    conn.close()
    return latencies, errors


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
    """Rows of the table (the last round), and the web workers' memory in MB after each scenario.
    A scenario's floor is measured again just before it and its ratio taken to that: this kind of
    machine changed speed by half within minutes, and a floor measured at the start of a round said
    more about the moment than about the scenario."""
    memory = []
    names = [scenario[0] for scenario in scenarios(data)]
    with multiprocessing.Pool(CLIENTS) as pool:
        for round_number in range(ROUNDS):
            rows, after = [], []
            first = round_number * FORMS_PER_CLIENT
            for n, (name, *_rest, floor) in enumerate(scenarios(data)):
                beside = measure(pool, CLIENTS, names.index(floor), data, first)[2] if floor else None
                count, errors, rps, q = measure(pool, CLIENTS, n, data, first)
                ratio = f"{rps / beside:.2f}" if floor else "1.00"
                shown = f"{beside:.0f}" if floor else "-"
                rows.append((name, CLIENTS, count, errors, rps, q[49] * 1000, q[94] * 1000, q[98] * 1000, ratio, shown))
                after.append(rss_kb(web_pids) / 1024)
            memory.append(after)
        for n, name in enumerate(names):
            if name in WAITED_FOR:
                count, errors, rps, q = measure(pool, 1, n, data, 0)
                rows.append((name, 1, count, errors, rps, q[49] * 1000, q[94] * 1000, q[98] * 1000, "-", "-"))
    return rows, memory
