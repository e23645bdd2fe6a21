"""Real Celery worker processes for tests: same code, same broker (Redis), the test database."""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
DEAD_BROKER = "redis://127.0.0.1:9/0"


def wait_for(condition, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def use_broker(url):
    """Points this process's publishers at another broker, dropping kombu's cached connections:
    DEAD_BROKER is how tests take the broker away from the web process."""
    from kombu import pools

    from common.tasks import broker_is_back
    from config.celery import app

    broker_is_back()
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_write_url = url


def _database_url():
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


class Workers:
    def __init__(self, folder, slow_email=None, accepted_first=False):
        self.folder = Path(folder)
        self.mail = self.folder / "mail"
        self.markers = self.folder / "sending"
        self.slow_email = slow_email
        self.accepted_first = accepted_first
        self.processes = []

    def env(self):
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL=_database_url(),
            CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(self.mail),
            SMS_BACKEND="screening.sms.ConsoleBackend",
            SITE_URL=settings.SITE_URL,
        )
        if self.slow_email is not None:
            env.update(
                EMAIL_BACKEND="tests.support.SlowFileBackend",
                SLOW_EMAIL_SECONDS=str(self.slow_email),
                SLOW_EMAIL_MARKERS=str(self.markers),
                SLOW_EMAIL_AFTER="1" if self.accepted_first else "",
            )
        return env

    def start(self, name):
        log = self.folder / f"{name}.log"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                f"--hostname={name}@test",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        deadline = time.monotonic() + 30
        while "ready." not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker {name} did not start:\n{log.read_text()}")
            time.sleep(0.1)
        return process

    def log(self, name):
        return (self.folder / f"{name}.log").read_text()

    def kill(self, process):
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def sends_started(self):
        return len(list(self.markers.iterdir())) if self.markers.exists() else 0

    def sent(self):
        """Every email the workers sent, as text."""
        if not self.mail.exists():
            return ""
        return "".join(path.read_text() for path in sorted(self.mail.iterdir()))


@contextmanager
def celery_workers(folder, names=("w1",), slow_email=None, accepted_first=False):
    from config.celery import app

    with app.connection_for_write() as conn:
        for queue in app.conf.task_queues:  # the default and the bulk sending queue
            conn.default_channel.queue_purge(queue.name)
    workers = Workers(folder, slow_email=slow_email, accepted_first=accepted_first)
    try:
        for name in names:
            workers.start(name)
        yield workers
    finally:
        for process in workers.processes:
            workers.kill(process)
