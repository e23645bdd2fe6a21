"""The pages under load: the table of scenarios and its targets, and the memory soak."""

import multiprocessing
import os
import signal
import time

from django.db import connection

from bench.memory import each_mb, rss_kb

from . import CLIENTS, ROUNDS, SOAK_SECONDS, SOAK_SLICE
from .clients import load, prepare, run_client, scenarios
from .dispatch import care_gap_query
from .servers import children, gunicorn, wait_http

SOAKED = (
    "mother opens a question",
    "mother saves an answer",
    "staff enters a screening",
    "clinician worklist",
    "mother's page",
    "reports page",
)  # every scenario but the floors and the submit (its forms run out)


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


# The goals (issues 19 and 32): (scenario, clients, measure, limit). A ratio is to the floor of the same run.
TARGETS = [
    ("mother submits her form", CLIENTS, "ratio", 0.5),
    ("staff enters a screening", CLIENTS, "ratio", 0.5),
    ("clinician worklist", CLIENTS, "p95", 100),
    ("clinician worklist", 1, "p95", 50),
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
        "Goals (issues 19 and 32), checked against this run:",
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


def serve_and_load(beside=None):
    """The table of scenarios and the web workers' memory, as lines of the results file; `beside`
    starts something that runs with the load and returns a function that waits for its lines."""
    data = prepare()
    gaps = care_gap_query()
    connection.close()
    waiting_for = beside() if beside else list
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
        "| scenario | clients | requests | errors | req/s | p50 ms | p95 ms | p99 ms | ratio to floor "
        "| floor just before, req/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *[
            f"| {n} | {k} | {c} | {e} | {r:.0f} | {p50:.1f} | {p95:.1f} | {p99:.1f} | {ratio} | {beside} |"
            for n, k, c, e, r, p50, p95, p99, ratio, beside in rows
        ],
        "",
        f"Web workers' memory (both together): {web_before / 1024:.0f} MB at start; after each scenario:",
        *[f"- round {k + 1}: " + ", ".join(f"{mb:.0f}" for mb in after) + " MB" for k, after in enumerate(memory)],
        *target_lines(rows, worker_mb),
        *waiting_for(),
        "",
    ]
