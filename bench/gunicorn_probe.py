"""gunicorn settings for `BENCH_MEMORY_PROBE=1 BENCH_PARTS=soak make bench`: every EVERY requests
each web worker writes its resident memory, Python's live objects by type (after a collection) and
the biggest growth since its first reading to bench/results/probe-<pid>.log, to tell a leak (live
objects growing) from the allocator's high-water mark (memory growing with no more objects)."""

import collections
import gc
import os
from pathlib import Path

from bench.memory import rss_kb

EVERY = int(os.environ.get("BENCH_PROBE_EVERY", "2000"))
_seen = {"requests": 0, "first": None}


def post_request(worker, req, environ, resp):
    _seen["requests"] += 1
    if _seen["requests"] % EVERY:
        return
    gc.collect()
    counts = collections.Counter(type(o).__name__ for o in gc.get_objects())
    first = _seen["first"] = _seen["first"] or counts
    growth = (counts - first).most_common(6)
    resident = rss_kb([os.getpid()]) / 1024
    line = f"{_seen['requests']} requests: {resident:.1f} MB, {sum(counts.values())} objects, growth {growth}\n"
    with open(Path(__file__).parent / "results" / f"probe-{os.getpid()}.log", "a") as log:
        log.write(line)
