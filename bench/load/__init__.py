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
BENCH_SOAK_SECONDS, default 600, of mixed load with the web workers' memory read every 30 s;
"beside" runs the load part with the dispatcher in a process of its own at the same time, the
machine shared as it is in a clinic's busy hour).

The dispatcher run turns scheduled follow-ups into invitations, so each run on the same data finds
fewer scheduled rows; `make bench-data` after `dropdb ppd_bench` starts again."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

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
