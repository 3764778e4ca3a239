"""argon2id password hashing (argon2-cffi), run off the event loop: hashing a password takes
tens of milliseconds and 64 MiB by design, which must not stall other requests."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from slackline.domain.signin import check_password

# The library's RFC 9106 "second recommended" profile: argon2id, t=3, m=64 MiB, p=4. The
# object holds only these parameters, no live state.
_HASHER = PasswordHasher()


async def hash_password(password: str) -> str:
    """The encoded argon2id hash (salt and parameters included) of a password that may be
    set; raises :class:`~slackline.domain.signin.PasswordError` otherwise."""
    return await asyncio.to_thread(_HASHER.hash, check_password(password))


async def verify_password(encoded: str, password: str) -> bool:
    """Whether ``password`` matches the encoded hash (the library compares in constant time);
    False for a malformed hash."""

    def verify() -> bool:
        try:
            return _HASHER.verify(encoded, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)
