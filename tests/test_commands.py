import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from referrals.models import Alert, Provider, Referral
from screening.models import Clinic, Membership, Mother, Screening, User

from .conftest import clinic_today, enter_epds


def test_rescore_check_passes_when_every_stored_result_matches(screening, capsys):
    call_command("rescore", "--check")
    assert "1 screenings re-scored, 0 differ." in capsys.readouterr().out


def test_rescore_check_lists_a_screening_whose_stored_result_differs(mother, front_desk, capsys):
    good = enter_epds(mother, [0, 0, 3, 0, 3, 3, 3, 3, 3, 3], front_desk)
    bad = enter_epds(mother, [1, 1, 1, 2, 2, 2, 2, 2, 2, 2], front_desk)
    Screening.objects.filter(pk=bad.pk).update(total=3, risk_level="low")
    with pytest.raises(CommandError) as error:
        call_command("rescore", "--check")
    assert error.value.returncode == 1
    out = capsys.readouterr().out
    assert str(bad.code) in out and str(good.code) not in out
    assert "total stored 3, scores 12" in out and "risk_level stored 'low'" in out


def test_demo_data_loads_twice_without_changing_anything(db):
    call_command("load_demo")
    models = (Clinic, User, Membership, Mother, Screening, Provider, Referral, Alert)
    counts = [Model.objects.count() for Model in models]
    call_command("load_demo")
    assert [Model.objects.count() for Model in models] == counts
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert statuses == {"requested", "accepted", "in-progress", "completed", "rejected"}
    assert Alert.objects.count() == Screening.objects.filter(self_harm=True).count() > 0
    assert counts[0] == 2 and 55 <= counts[3] <= 65
    levels = set(Screening.objects.values_list("risk_level", flat=True))
    assert levels == {"low", "possible", "probable", "high", "urgent"}
    assert Screening.objects.filter(self_harm=True).exists()
    assert (
        Mother.objects.filter(delivery_date__isnull=True).exists()
        and Mother.objects.filter(delivery_date__isnull=False).exists()
    )
    for username, clinic, role in [
        ("admin", "Riverside", "clinic_admin"),
        ("clinician2", "Hillview", "clinician"),
        ("frontdesk", "Riverside", "front_desk"),
    ]:
        membership = Membership.objects.get(user__username=username)
        assert membership.clinic.name.startswith(clinic) and membership.role == role
        assert membership.user.check_password("demo-pass-2026")
    assert User.objects.get(username="root").is_superuser
    call_command("rescore", "--check")


def test_the_demo_reports_look_like_a_clinic_s(db):
    """An admin trying `make run` sees measures a clinic could have: every one with mothers in
    its denominator and some met, and time to referral measured in days after the screen."""
    from datetime import timedelta

    from referrals.reports import measures, tables, timeliness
    from referrals.reports.base import Filters
    from screening.tenancy import clinic_scope

    call_command("load_demo")
    clinic = Clinic.objects.get(name="Riverside Family Clinic")
    today = clinic_today()
    period = tables.prepare(Filters([clinic.pk], today - timedelta(days=365), today))
    with clinic_scope(clinic.pk):
        counted = measures.counts(period)
        to_referral = dict((row[0], row[2:]) for row in timeliness.timeliness(period).rows)
    for slug, (met, of) in counted.items():
        assert 0 < met <= of, f"{slug}: {met}/{of}"
    median_to_referral, _p90 = to_referral["Days from positive screen to referral"]
    assert median_to_referral > 0


def test_make_run_serves_on_the_port_asked_for(tmp_path):
    """`make run PORT=8001` (scripts/run-dev.sh with PORT): the app, its worker and its beat start,
    and the app answers on that port. Run on a scratch SQLite database and broker."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CELERY_BROKER_URL": f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=root, env=env, check=True, capture_output=True
    )
    served = subprocess.Popen(
        ["scripts/run-dev.sh"],
        cwd=root,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline, page = time.monotonic() + 30, None
        while page is None and time.monotonic() < deadline:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2).read().decode()
            except OSError:
                time.sleep(0.3)
        assert page is not None and "Log in" in page, f"nothing served on port {port}"
    finally:
        os.killpg(served.pid, signal.SIGTERM)
        served.wait(timeout=20)
