"""Secrets that must be recovered (an app's signing secret), encrypted at rest.

AES-256-GCM under a key derived from the installation secret for this one purpose
(:meth:`IdentityService.derive`), a fresh 96-bit nonce per seal. A box is text:
``v1.`` and the URL-safe base64 of nonce and ciphertext. The installation secret never
leaves its file, so a copy of the database alone reveals no signing secret.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = "v1."
_NONCE_BYTES = 12


class SecretBoxError(ValueError):
    """A box that does not open under this installation's key (another installation's, or
    altered)."""


class SecretBox:
    """Seals and opens short secrets with one key."""

    def __init__(self, key_hex: str) -> None:
        self._aead = AESGCM(bytes.fromhex(key_hex)[:32])

    def seal(self, secret: str, context: str) -> str:
        """The box for ``secret``, bound to ``context`` (an app id): it opens only with it."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, secret.encode(), context.encode())
        return _VERSION + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, box: str, context: str) -> str:
        """The secret in a box sealed with ``context``; raises :class:`SecretBoxError`."""
        if not box.startswith(_VERSION):
            raise SecretBoxError("not a sealed secret")
        try:
            raw = base64.urlsafe_b64decode(box[len(_VERSION) :])
            opened = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode())
        except (ValueError, InvalidTag):
            raise SecretBoxError("the sealed secret does not open with this key") from None
        return opened.decode()
