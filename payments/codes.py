"""Gift card codes: made at random, shown grouped, kept only as a keyed hash."""

from __future__ import annotations

import secrets

from django.utils.crypto import salted_hmac

# Unambiguous on paper and on a screen: no I/1, no O/0.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16
# Derives the key of `code_hash` from SECRET_KEY for that use alone.
_CODE_SALT = "payments.gift_cards.code"


def new_code() -> str:
    """A fresh code, from the operating system's randomness."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """The code as typed, in the form it was made: capitals, no dashes or spaces."""
    return "".join(character for character in text.upper() if character.isalnum())


def format_code(code: str) -> str:
    """`ABCDEFGHJKLMNPQR` as people read it: `ABCD-EFGH-JKLM-NPQR`."""
    code = normalise_code(code)
    return "-".join(code[start : start + 4] for start in range(0, len(code), 4))


def code_hash(code: str) -> str:
    """What the database keeps of a code: its keyed hash, never the code."""
    return salted_hmac(_CODE_SALT, normalise_code(code), algorithm="sha256").hexdigest()
