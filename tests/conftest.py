from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from screening import instruments, submissions
from screening.models import Clinic, Infant, Membership, Method, Mother, Role, User
from screening.services import record_screening

PASSWORD = "a-long-test-password-2026"


def clinic_today():
    """Today as the test clinics (all in the default zone) see it: a test that took the server's
    UTC date failed every evening in New York, when UTC has already moved on."""
    return timezone.localdate(timezone=ZoneInfo(Clinic._meta.get_field("time_zone").default))


def make_staff(username, clinic, role):
    user = User.objects.create_user(username, f"{username}@example.org", PASSWORD)
    Membership.objects.create(user=user, clinic=clinic, role=role)
    return user


@pytest.fixture(autouse=True, scope="session")
def tests_act_for_every_clinic():
    """Tests set up and check rows of several clinics; each request still runs in the scope the
    middleware gives it, so views are held to their clinic as in production."""
    with scopes_disabled():
        yield


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate-limit counters live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Runs what the block queues for after commit (her schedule settling, deliveries) when it ends,
    as the real commit would: a test's own transaction never commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def clinic_a(db):
    return Clinic.objects.create(name="Clinic A")


@pytest.fixture
def clinic_b(db):
    return Clinic.objects.create(name="Clinic B")


@pytest.fixture
def clinician(clinic_a):
    return make_staff("alice", clinic_a, Role.CLINICIAN)


@pytest.fixture
def front_desk(clinic_a):
    return make_staff("bob", clinic_a, Role.FRONT_DESK)


@pytest.fixture
def clinic_admin(clinic_a):
    return make_staff("ada", clinic_a, Role.CLINIC_ADMIN)


@pytest.fixture
def outsider(clinic_b):
    """A clinician of clinic B."""
    return make_staff("charlie", clinic_b, Role.CLINICIAN)


@pytest.fixture
def outsider_admin(clinic_b):
    """An admin of clinic B: every admin power, at the other clinic."""
    return make_staff("dana", clinic_b, Role.CLINIC_ADMIN)


@pytest.fixture
def login():
    def client_for(user):
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return client_for


def make_mother(clinic, created_by, record_number="A-100", delivered_days_ago=42, **fields):
    today = clinic_today()
    delivery = today - timedelta(days=delivered_days_ago) if delivered_days_ago is not None else None
    values = dict(
        given_name="Maria",
        family_name="Lopez",
        date_of_birth=date(1994, 5, 17),
        record_number=record_number,
        email="maria@example.org",
        email_consent=True,
        due_date=delivery or today + timedelta(days=60),
        delivery_date=delivery,
    )
    values.update(fields)
    mother = Mother.objects.create(clinic=clinic, created_by=created_by, **values)
    if delivery:
        Infant.objects.create(mother=mother, date_of_birth=delivery, given_name="Leo")
    return mother


@pytest.fixture
def mother(clinic_a, front_desk):
    return make_mother(clinic_a, front_desk)


def mother_form(mother, infant=None, **changes):
    """The mother's edit form as staff would post it, unchanged but for `changes` (infant_ keys go to
    her one infant's row)."""
    data = {
        "given_name": mother.given_name,
        "family_name": mother.family_name,
        "date_of_birth": mother.date_of_birth.isoformat(),
        "record_number": mother.record_number,
        "preferred_language": mother.preferred_language,
        "status": "pregnant" if mother.is_pregnant else "delivered",
        "delivery_date": mother.delivery_date.isoformat() if mother.delivery_date else "",
        "due_date": mother.due_date.isoformat() if mother.due_date else "",
        "infants-TOTAL_FORMS": "1" if infant else "0",
        "infants-INITIAL_FORMS": "1" if infant else "0",
    }
    if infant:
        data.update({"infants-0-id": str(infant.pk), "infants-0-date_of_birth": infant.date_of_birth.isoformat()})
    for name, value in changes.items():
        data[f"infants-0-{name[7:]}" if name.startswith("infant_") else name] = value
    return data


def enter_epds(mother, answers, by, taken_on=None):
    return record_screening(
        mother=mother,
        instrument=instruments.EPDS,
        answers=answers,
        taken_on=taken_on or clinic_today(),
        method=Method.PAPER,
        entered_by=by,
    )


@pytest.fixture
def screening(mother, front_desk):
    return enter_epds(mother, [1, 1, 1, 2, 2, 2, 2, 2, 2, 2], front_desk)


@pytest.fixture
def broker():
    """A real broker for the test: eager mode off, an empty queue, the broker restored afterwards."""
    from django.conf import settings

    from config.celery import app

    from .workers import use_broker

    app.conf.task_always_eager = False
    with app.connection_for_write() as conn:
        for queue in app.conf.task_queues:  # the default and the bulk sending queue
            conn.default_channel.queue_purge(queue.name)
    yield
    use_broker(settings.CELERY_BROKER_URL)
    app.conf.task_always_eager = True


PERSONAS = ("anonymous", "front_desk", "clinician", "clinic_admin", "outsider")
CLINIC_A_MARKS = ("Clinic A", "alice", "Lopez")  # its name, a colleague's username, a mother's surname


@pytest.fixture
def personas(front_desk, clinician, clinic_admin, outsider, outsider_admin):
    return {
        "anonymous": None,
        "front_desk": front_desk,
        "clinician": clinician,
        "clinic_admin": clinic_admin,
        "outsider": outsider,
        "outsider_admin": outsider_admin,
    }


def outsider_admin_outcome(url, expected):
    """Every matrix also runs as an admin of clinic B, whose outcome follows from the row: her own
    clinic's admin pages open (and must show nothing of clinic A); a clinic A record (a URL with
    its code) is "not found" even where clinic B's clinician is refused for her role."""
    import re

    by = dict(zip(PERSONAS, expected, strict=True))
    if by["outsider"] == 403 and by["clinic_admin"] == 200:
        names_a_record = re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", url)
        return 404 if names_a_record else 200
    return by["outsider"]


def assert_outcomes(login, personas, table):
    """Each row is (name, method, url, one outcome per persona in PERSONAS order). An outcome is a
    status code, "login" (redirected to log in), "ok-or-redirect" (200 or 302) or None (not tried)."""
    from django.urls import reverse

    failures = []
    for name, method, url, *expected in table:
        rows = [*zip(PERSONAS, expected, strict=True), ("outsider_admin", outsider_admin_outcome(url, expected))]
        for persona, outcome in rows:
            if outcome is None:
                continue
            response = getattr(login(personas[persona]), method)(url)
            status = response.status_code
            if persona == "outsider_admin" and status == 200:
                body = response.content.decode()
                leaked = [mark for mark in CLINIC_A_MARKS if mark in body]
                if leaked:
                    failures.append(f"{name} as outsider_admin shows clinic A: {leaked}")
            if outcome == "login":
                ok = status == 302 and response.url.startswith(reverse("login"))
            elif outcome == "ok-or-redirect":
                ok = status in (200, 302)
            else:
                ok = status == outcome
            if not ok:
                failures.append(f"{name} as {persona}: {status}, expected {outcome}")
    assert not failures, "\n".join(failures)


def second_factor(client, user):
    """Signs `user` in with a confirmed authenticator device, as if she had typed its code (for
    tests of pages behind two-factor sign-in, which superusers always need)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def machinery_running(db):
    """Beat's sweeps and the dispatcher have just run: `care_gaps` and /healthz/ judge the mothers
    alone (a fresh test database has never heard a heartbeat, which they report as silence)."""
    from referrals import heartbeat

    for part in heartbeat.PARTS:
        heartbeat.beat(part)


@pytest.fixture
def silent_port():
    """A real socket on loopback that accepts every connection and never sends a byte: a stalled
    Redis, or a proxy in front of one. Yields its port."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held, stop = [], threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


@pytest.fixture
def refused_port():
    """A loopback port nothing listens on: every connection is refused at once."""
    import socket

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def send_messages(now=None, **filters):
    """What the outbox's sender does after commit, for tests whose transaction never commits: sends
    every message due now (of those matching `filters`); returns how many went."""
    from screening import outbox
    from screening.models import Delivery

    now = now or timezone.now()
    return outbox.send(Delivery.objects.due(now).filter(**filters).values_list("pk", flat=True), now)


def send_form(invitation, language="en"):
    """Her form sent (the request) and scored (the worker, after commit): her screening."""
    submissions.accept(invitation, language)
    return submissions.score(invitation.pk)
