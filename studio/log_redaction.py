"""Keep manage tokens out of log lines.

A guest's manage token opens their booking, so it must never be written
down where others read: not in gunicorn's access log, not in Django's
error log lines ("Not Found: /booking/manage/…"), not in runserver's
request lines. The pages' own addresses hold no token (see
`booking.guest_access`), but a link opened once carries it in the query
(`?t=`), and links sent before it moved there carry it in the path
(`/booking/manage/<id>/<token>/…`); so does the link that lets a client
write a booking's details to their record (`/booking/client-details/<token>/`);
and a therapist's calendar feed carries its secret (`/staff/feed/<token>.ics`).
`redact_tokens` blanks them all;
`RedactTokens` does it to every record that reaches a handler it sits
on (settings.LOGGING), and gunicorn.conf.py to every access log line.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

# The part after /manage/<id>/ that is not the name of a guest page.
_TOKEN_IN_PATH = re.compile(
    r"(/manage/[^/?#\s]+/)(?!(?:confirmed|cancel|reschedule)/|appointment\.ics)[^/?#&\s\"']+"
)
# The signed token of the link "Use these details for your client record"
# (booking.urls `client_details`): whoever holds it may write the booked
# name and phone to the client record.
_DETAILS_TOKEN_IN_PATH = re.compile(r"(/client-details/)[^/?#\s\"']+")
# The secret of a therapist's calendar feed (staff.clients.feed): whoever
# holds it reads their appointments.
_FEED_TOKEN_IN_PATH = re.compile(r"(/staff/feed/)[^/?#\s\"']+(?=\.ics)")
# `t=` (the e-mails' links) and `token=` as a query parameter, or at the
# start of a bare query string.
_TOKEN_IN_QUERY = re.compile(r"((?:^|[?&;])(?:t|token)=)[^&;#\s\"']*")


def redact_tokens(text: str) -> str:
    """`text` with every token in a path or a query replaced by a mark."""
    text = _TOKEN_IN_PATH.sub(rf"\g<1>{REDACTED}", text)
    text = _DETAILS_TOKEN_IN_PATH.sub(rf"\g<1>{REDACTED}", text)
    text = _FEED_TOKEN_IN_PATH.sub(rf"\g<1>{REDACTED}", text)
    return _TOKEN_IN_QUERY.sub(rf"\g<1>{REDACTED}", text)


class RedactTokens(logging.Filter):
    """Rewrite a log record so that neither its message nor its traceback shows a token."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            # The formatter keeps what is set here rather than format it again.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_tokens(record.exc_text)
        return True
