"""Text messages through a small backend interface: the console now, a real provider later
(set SMS_BACKEND to its dotted path; it needs only send(to, body))."""

import sys

from django.conf import settings
from django.utils.module_loading import import_string

outbox = []  # filled by the locmem backend in tests


class ConsoleBackend:
    def send(self, to, body):
        sys.stdout.write(f"SMS to {to}: {body}\n")
        sys.stdout.flush()


class LocmemBackend:
    def send(self, to, body):
        outbox.append({"to": to, "body": body})


def send(to, body):
    import_string(settings.SMS_BACKEND)().send(to, body)
