"""Encryption of secrets at rest (client secrets, tokens, passwords of actions).

Fernet keys come from ``SECRETS_ENCRYPTION_KEYS`` (comma-separated, newest first, for rotation) or
are derived from ``SECRET_KEY``. Values are decrypted only at the moment they are used.
"""

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@cache
def _fernet() -> MultiFernet:
    keys = settings.SECRETS_ENCRYPTION_KEYS or [
        base64.urlsafe_b64encode(hashlib.sha256(f"junction-secrets:{settings.SECRET_KEY}".encode()).digest()).decode()
    ]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("A stored secret cannot be decrypted: was the encryption key changed?") from exc


class EncryptedSecret(str):
    """A decrypted secret whose repr never shows it, so it cannot leak into logs or tracebacks."""

    def __repr__(self) -> str:
        return "EncryptedSecret('••••')"


class EncryptedTextField(models.TextField):
    """Stores its value Fernet-encrypted; reads give the clear value, or '' when unset."""

    def from_db_value(self, value, expression, connection):
        return EncryptedSecret(decrypt(value)) if value else ""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else ""
