"""Resident memory of processes, read from /proc: for the harness and for the probe inside gunicorn."""

from pathlib import Path


def rss_kb(pids):
    """The resident memory of these processes together, in kB (a process gone counts nothing)."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def each_mb(pids):
    """Each process's resident memory, in MB."""
    return [rss_kb([pid]) / 1024 for pid in pids]
