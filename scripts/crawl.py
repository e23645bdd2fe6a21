"""Crawls the app on `make run`'s settings (SQLite, the demo data) as every persona and prints every
page or CSV that answered 5xx. Exit status 1 if any did.

    python scripts/crawl.py [folder]   # the database and broker files go in folder (a temp dir)

Each persona follows every same-site link from its start pages (GET only; log-out, the admin's
delete pages and static files aside), up to PAGES_PER_PERSONA pages; a mother follows her own
questionnaire link."""

import os
import re
import sys
import tempfile
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PAGES_PER_PERSONA = 600
SKIP = re.compile(r"^/(static/|logout|admin/logout|admin/.*/delete/|i18n/)")
PERSONAS = ["admin", "clinician", "frontdesk", "admin2", "clinician2", "frontdesk2", "root"]
START = ["/", "/reports/", "/reports/?clinic=all", "/reports/?print=1", "/reports/?clinic=all&print=1"]


def configure(folder):
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"sqlite:///{folder / 'crawl.sqlite3'}",
        CELERY_BROKER_URL=f"sqla+sqlite:///{folder / 'broker.sqlite3'}",
        DJANGO_DEBUG="true",
    )
    for name in ("DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_TASK_ALWAYS_EAGER"):
        os.environ.pop(name, None)
    sys.path.insert(0, str(ROOT))
    import logging

    import django

    django.setup()
    logging.disable(logging.ERROR)  # the crawl reports each 5xx itself; 403s and 404s are expected
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=open(os.devnull, "w"))


def links(html, base):
    for href in re.findall(r'href="([^"#]+)', html):
        url = urljoin(base, href.replace("&amp;", "&"))
        parts = urlsplit(url)
        if parts.netloc in ("", "testserver") and parts.path.startswith("/") and not SKIP.match(parts.path):
            yield parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client, start, persona):
    seen, queue, errors = set(start), deque(start), []
    while queue and len(seen) <= PAGES_PER_PERSONA:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code >= 500:
            errors.append(f"{persona}: {response.status_code} {url}")
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for link in links(response.content.decode(errors="replace"), url):
            if link not in seen:
                seen.add(link)
                queue.append(link)
    return len(seen), errors


def mother_link():
    from screening import instruments, invitations
    from screening.models import Mother

    mother = Mother.objects.filter(invitations__isnull=True).first()
    invitation = invitations.create_invitation(mother=mother, instrument=instruments.PHQ9)
    return f"/q/{invitations.token_for(invitation)}/"


def main():
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="crawl-"))
    folder.mkdir(parents=True, exist_ok=True)
    configure(folder)
    from django.contrib.auth import get_user_model
    from django.test import Client

    from screening.models import Clinic

    errors, pages = [], 0
    for persona in PERSONAS:
        client = Client(raise_request_exception=False)
        user = get_user_model().objects.get(username=persona)
        client.force_login(user)
        if user.is_superuser:  # superusers sign in with a second factor: a device, as if enrolled
            from django_otp.plugins.otp_totp.models import TOTPDevice

            device, _new = TOTPDevice.objects.get_or_create(user=user, name="crawl", defaults={"confirmed": True})
            session = client.session
            session["otp_device_id"] = device.persistent_id
            session.save()
        start = START + (["/admin/"] if persona == "root" else [])
        count, found = crawl(client, start, persona)
        pages, errors = pages + count, errors + found
    public = ["/accounts/login/", mother_link(), *(f"/help/{c.code}/" for c in Clinic.objects.all())]
    count, found = crawl(Client(raise_request_exception=False), public, "mother")
    pages, errors = pages + count, errors + found
    print(f"crawled {pages} pages and files as {len(PERSONAS) + 1} personas on SQLite: {len(errors)} server errors")
    for line in errors:
        print(" ", line)
    return 1 if errors else 0


if __name__ == "__main__":
    from django_scopes import scopes_disabled

    with scopes_disabled():  # a script acts for every clinic
        sys.exit(main())
