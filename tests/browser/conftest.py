import os
from urllib.parse import urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


class Visit:
    """Watches a page: every request must stay on the app's origin, every page must pass axe."""

    def __init__(self, page, origin):
        self.page, self.origin = page, origin
        self.foreign, self.violations = [], []
        page.on("request", self._request)

    def _request(self, request):
        url = urlparse(request.url)
        if url.scheme in ("data", "blob", "about"):
            return
        if f"{url.scheme}://{url.netloc}" != self.origin:
            self.foreign.append(request.url)

    def check_accessibility(self):
        results = Axe().run(self.page)
        if results.violations_count:
            self.violations.append((self.page.url, results.generate_report()))

    def assert_clean(self):
        assert not self.foreign, f"requests to other origins: {self.foreign}"
        assert not self.violations, "\n\n".join(f"{url}\n{report}" for url, report in self.violations)


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture
def visit(page, live_server):
    page.set_default_timeout(10_000)
    return Visit(page, live_server.url)


@pytest.fixture
def emailed_link(transactional_db, mother, clinician, clinic_a):
    """The link of an EPDS invitation, as the email she received carries it."""
    import re

    from django.core import mail

    from screening import instruments, invitations

    clinic_a.epds_online_permission = True
    clinic_a.save()
    invitation = invitations.create_invitation(
        mother=mother, instrument=instruments.EPDS, created_by=clinician, channels=["email", "link"]
    )
    mail.outbox.clear()
    invitations.send_invitation(invitation.pk)
    (message,) = mail.outbox
    return re.search(r"https?://\S+/q/[A-Za-z0-9_-]+/", message.body).group(0)


from ..referrals.test_reports import data  # noqa: E402, F401 - the reports' hand-built data, for the browser too
