"""The token of a private link (a mother's questionnaire, a provider's referral), written once.

A token is derived, when needed, from the row's random nonce and the server's SECRET_KEY
(HMAC-SHA256, 192 bits); the database keeps only its SHA-256, so a copy of the database opens no
link, and reminders can repeat the same link. A rotated key stays in SECRET_KEY_FALLBACKS until the
links made with it have expired."""

import base64
import hashlib
import hmac
import secrets

from django.conf import settings

LONGEST = 64  # a longer "token" is refused before any lookup


def new_nonce():
    return secrets.token_hex(16)


def derive(purpose, row, key=None):
    message = f"{purpose}:{row.code}:{row.nonce}".encode()
    digest = hmac.new((key or settings.SECRET_KEY).encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def digest(token):
    """What is stored, and looked up, for a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_for(purpose, row):
    """The row's token: after a SECRET_KEY rotation, the one derived from the key it was made with,
    so the link its holder already has keeps working; from a key no longer kept, a new, dead link."""
    if row.token_hash:
        for key in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
            token = derive(purpose, row, key)
            if digest(token) == row.token_hash:
                return token
    return derive(purpose, row)


def seal(purpose, row):
    """Gives a new row its nonce and the digest of its token."""
    row.nonce = new_nonce()
    row.token_hash = digest(derive(purpose, row))
    return row
