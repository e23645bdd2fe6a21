"""`python -m bench.load` (`make bench`): the parts asked for, printed and written to bench/results/."""

import os
import platform
import sys
from datetime import date

from django.db import connection
from django_scopes import scopes_disabled

from referrals.models import Referral
from screening.models import Screening

from . import CLIENTS, FOLLOW_UPS, PARTS, PORT, ROOT, ROUNDS, SECONDS
from .dispatch import dispatcher_beside, dispatcher_lines, export_lines
from .pages import serve_and_load, soak_lines
from .servers import port_taken


def main():
    if {"load", "beside", "soak"} & set(PARTS) and port_taken():
        sys.exit(f"port {PORT} is taken: stop what listens there (an earlier gunicorn?) and run again")

    lines = [
        f"# make bench, {date.today()}",
        "",
        f"Machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, PostgreSQL "
        f"{connection.cursor().connection.server_version}. Data: {Screening.objects.count():,} screenings, "
        f"{Referral.objects.count():,} referrals. Command: `make bench` (BENCH_PARTS={','.join(PARTS)}, "
        f"BENCH_SECONDS={SECONDS:g}, BENCH_CLIENTS={CLIENTS}, BENCH_ROUNDS={ROUNDS}, "
        f"BENCH_FOLLOW_UPS={FOLLOW_UPS}).",
    ]
    if "beside" in PARTS:
        lines += serve_and_load(beside=lambda: dispatcher_beside(FOLLOW_UPS))
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
    with scopes_disabled():  # a script acts for every clinic
        main()
