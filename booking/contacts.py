"""Names and e-mail addresses as messages carry them.

A name is one line: a line break in it would end an e-mail header, and
lets what follows pose as a header of its own. An address is built
with the name quoted (RFC 5322), so a comma, a semicolon, angle
brackets, quotes or letters beyond ASCII in a name reach the mailbox
instead of making the SMTP backend refuse the address; a domain beyond
ASCII (`exämple.de`), which the e-mail check takes, is written in its
ASCII form (IDNA), as mail servers take it.
"""

from __future__ import annotations

import re
from email.utils import formataddr

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.encoding import punycode

_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")


def single_line(name: str) -> str:
    """The name on one line: each run of line breaks becomes a space, ends trimmed."""
    return " ".join(_LINE_BREAKS.sub(" ", name).split())


def is_email(value: str) -> bool:
    """Whether the value is one e-mail address, by the check the booking forms make."""
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def mailbox(*, name: str, email: str) -> str:
    """`"Name" <email>` with the name quoted or encoded as the header needs it."""
    local, _, domain = email.rpartition("@")
    if local and not domain.isascii():
        # formataddr takes ASCII addresses only, and refuses the rest.
        email = f"{local}@{punycode(domain)}"
    return formataddr((single_line(name), email))
