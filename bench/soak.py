"""make soak: `make run`'s own processes (SQLite, the embedded broker, one worker, beat, the web
server) for SOAK_MINUTES (default 30) under steady use, then a count of every message.

Every 10 seconds front-desk staff send a mother an emailed link; every minute a clinician enters a
screening with a self-harm answer, and acknowledges the alert once it is delivered. Beat's
dispatcher and alert sweep run every minute throughout. It passes when no process died, every
message went out exactly once (each link twice in the mail files: text and HTML), and every alert
was delivered once. Figures go to bench/results/soak-<date>.md."""

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MINUTES = float(os.environ.get("SOAK_MINUTES", "30"))
MAIL = ROOT / ".broker" / "soak-mail"
LOG = ROOT / ".broker" / "soak.log"
TICK = 10

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.update(EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", EMAIL_FILE_PATH=str(MAIL))
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from common.tasks import enqueue_on_commit  # noqa: E402
from referrals import services  # noqa: E402
from referrals.models import Alert  # noqa: E402
from screening import instruments, invitations  # noqa: E402
from screening.models import Delivery, Invitation, Membership, Method, Mother  # noqa: E402
from screening.services import record_screening  # noqa: E402


def start():
    shutil.rmtree(MAIL, ignore_errors=True)
    MAIL.mkdir(parents=True)
    return subprocess.Popen(
        [str(ROOT / "scripts" / "run-dev.sh")],
        cwd=ROOT,
        stdout=LOG.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def processes(group):
    found = subprocess.run(["pgrep", "-g", str(group), "-a"], capture_output=True, text=True).stdout
    return sorted(line.split(" ", 1)[0] for line in found.splitlines() if "celery" in line or "runserver" in line)


def staff(role):
    return Membership.objects.select_related("user", "clinic").filter(role=role).first()


def send_link(mother, desk):
    held = invitations.open_invitation(mother, instruments.PHQ9.code)
    with transaction.atomic():
        if held is not None:
            invitations.cancel(held, desk.user)
        invitation = invitations.create_invitation(
            mother=mother, instrument=instruments.PHQ9, created_by=desk.user, channels=["email", "link"]
        )
        enqueue_on_commit("screening.tasks.send_invitation", invitation.pk, clinic=invitation.clinic_id)
    return invitation


def disclose(mother, clinician):
    answers = [1, 1, 1, 1, 1, 1, 1, 1, 2]  # PHQ-9 item 9 answered: the urgent alert
    with transaction.atomic():
        record_screening(
            mother=mother,
            instrument=instruments.PHQ9,
            answers=answers,
            taken_on=mother.clinic.today(),
            method=Method.IN_PERSON,
            entered_by=clinician.user,
        )


def acknowledge_delivered(clinician):
    for alert in Alert.objects.filter(acknowledged_at__isnull=True, delivered_at__isnull=False):
        services.acknowledge(alert, actor=clinician.user, action="called", note="soak")


def main():
    desk, clinician = staff("front_desk"), staff("clinician")
    mothers = list(Mother.objects.filter(clinic=desk.clinic, email_consent=True).exclude(email=""))
    started_at = timezone.now()
    run = start()
    time.sleep(8)
    first = processes(run.pid)
    sent, disclosed, tick = [], 0, 0
    deadline = time.monotonic() + MINUTES * 60
    rng = random.Random(14)
    while time.monotonic() < deadline and run.poll() is None:
        sent.append(send_link(rng.choice(mothers), desk).pk)
        if tick % 6 == 0:
            disclose(rng.choice(mothers), clinician)
            disclosed += 1
        acknowledge_delivered(clinician)
        tick += 1
        time.sleep(TICK)
    survived = run.poll() is None and processes(run.pid) == first
    ours = Delivery.objects.filter(invitation__pk__in=sent)
    alerts = Alert.objects.filter(created_at__gte=started_at)
    settle = time.monotonic() + 150
    while time.monotonic() < settle and (ours.exclude(status="sent").exists() or alerts.filter(delivered_at=None)):
        time.sleep(5)
    if run.poll() is None:
        os.killpg(run.pid, signal.SIGINT)
        run.wait(timeout=30)
    mail = "".join(path.read_text() for path in MAIL.iterdir())
    links = [invitations.link_for(i) for i in Invitation.objects.filter(pk__in=sent)]
    twice = sum(mail.count(link) == 2 for link in links)
    alerts_once = sum(
        a.deliveries.filter(kind="alert", status="sent", attempts=1).exists()
        and mail.count(f"/alerts/{a.code}/") == 2 * (1 + a.escalations)
        for a in alerts
    )
    log = LOG.read_text()
    failures = log.count("Traceback") + log.count("raised unexpected")
    ok = survived and twice == len(links) and alerts_once == alerts.count() == disclosed and not failures
    lines = [
        f"# make soak, {date.today()}",
        "",
        f"`make soak` (SOAK_MINUTES={MINUTES:g}): `make run`'s processes on SQLite and the embedded broker "
        f"({os.environ.get('CELERY_BROKER_URL') or 'sqla+sqlite, .broker/broker.sqlite3'}).",
        f"- processes alive throughout, none restarted: {'yes' if survived else 'NO'} ({len(first)} processes)",
        f"- links sent: {len(links)}; each in the mail exactly once (text and HTML): {twice}",
        f"- deliveries sent: {ours.filter(status='sent').count()} of {ours.count()}, "
        f"tried more than once: {ours.filter(attempts__gt=1).count()}",
        f"- self-harm alerts: {alerts.count()} raised, {alerts_once} delivered exactly once",
        f"- tracebacks or failed tasks in the processes' log: {failures}",
        f"- result: {'PASS' if ok else 'FAIL'}",
    ]
    out = ROOT / "bench" / "results" / f"soak-{date.today()}.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    from django_scopes import scopes_disabled

    with scopes_disabled():  # a script acts for every clinic
        sys.exit(main())
