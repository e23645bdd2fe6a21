"""`python -m bench.generate`: the network at the size asked for, then its report facts."""

import argparse
import sys
import time

from django.db import connection
from django_scopes import scopes_disabled

from bench import generate as network
from referrals import worklist_store, worklist_triggers
from referrals.models import WorklistStale
from referrals.reports import triggers
from referrals.reports.models import StaleMonth
from referrals.tasks import refresh_report_facts

from .copying import TABLES


def main():
    parser = argparse.ArgumentParser(description=network.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clinics", type=int, default=50)
    parser.add_argument("--mothers", type=int, default=110_000)  # 100,000 due at once, but those with an open alert
    parser.add_argument("--screenings", type=int, default=1_000_000)
    parser.add_argument("--referrals", type=int, default=200_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench data goes into PostgreSQL: set DATABASE_URL")
    started = network.generate(args.clinics, args.mothers, args.screenings, args.referrals)
    if started is not None:  # committed: the state autovacuum keeps a live database in
        with connection.cursor() as cursor:
            # every COPY marked its mothers and months stale again (marks repeat, one per statement):
            # once each says the same, and the refreshes below need not step over 1.6 million
            cursor.execute(f"DELETE FROM {WorklistStale._meta.db_table}")
            cursor.execute(worklist_triggers.MARK_EVERY_MOTHER)
            cursor.execute(f"DELETE FROM {StaleMonth._meta.db_table}")
        triggers.mark_every_month_stale()
        with connection.cursor() as cursor:
            for table in [*TABLES, WorklistStale._meta.db_table, StaleMonth._meta.db_table]:
                cursor.execute(f"VACUUM ANALYZE {table}")
        print(f"loaded in {time.monotonic() - started:.0f} s")
        # what beat does in a running install within minutes: without it the first bench's reports
        # compute every figure directly, which is not the page a clinic admin waits for
        computed = time.monotonic()
        refresh_report_facts()
        print(f"report facts computed in {time.monotonic() - computed:.0f} s")
        # beat's refresh-worklists, then what autovacuum would have done by now (it is off on this
        # workplace's PostgreSQL: `SHOW autovacuum`): the load marked every mother stale once per
        # row written about her, leaving a million dead marks for a clinic's first page to step
        # over, and the facts just computed have no statistics for the reports' plans
        refreshed = time.monotonic()
        entries = worklist_store.refresh()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(
            f"worklists stored for {entries:,} mothers, then the database vacuumed, in "
            f"{time.monotonic() - refreshed:.0f} s"
        )


if __name__ == "__main__":
    with scopes_disabled():  # a script acts for every clinic
        main()
