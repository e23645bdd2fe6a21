"""The processes measured: gunicorn with two sync workers, Celery workers, and their children."""

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

from . import (
    PORT,
    ROOT,
)


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
