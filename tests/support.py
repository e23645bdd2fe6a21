"""Helpers the worker processes started by tests import (tests/workers.py)."""

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend


class SlowFileBackend(EmailBackend):
    """Writes a marker, waits, then writes the messages: a test can kill the worker while a send
    is in flight (after the marker, before the message exists), never in between. With
    SLOW_EMAIL_AFTER set, the server "accepts" first (the message is written), then the marker,
    then the wait: a kill then falls between the server's acceptance and the worker's commit."""

    def send_messages(self, email_messages):
        markers = Path(os.environ["SLOW_EMAIL_MARKERS"])
        markers.mkdir(parents=True, exist_ok=True)
        accepted_first = bool(os.environ.get("SLOW_EMAIL_AFTER"))
        sent = super().send_messages(email_messages) if accepted_first else 0
        (markers / uuid.uuid4().hex).touch()
        time.sleep(float(os.environ.get("SLOW_EMAIL_SECONDS", "0.5")))
        return sent if accepted_first else super().send_messages(email_messages)
