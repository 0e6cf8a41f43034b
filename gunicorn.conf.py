"""gunicorn's settings for the studio: the Dockerfile and docker-compose.yml run it with `-c`.

The access log must never show a guest's manage token. Its format
writes the path (`%(U)s`) where gunicorn's default writes the whole
request line (`%(r)s`, query included), and every value it writes is
scrubbed of tokens as well, for the links sent before the token moved
out of the path (see studio.log_redaction).
"""

import gc
from typing import Any

from gunicorn.glogging import Logger

from studio.log_redaction import redact_tokens

access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(f)s" "%(a)s"'


# gunicorn 27 ships no type information: its Logger is Any to mypy.
class TokenFreeLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger, with tokens scrubbed from every value of an access log line."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {
            name: redact_tokens(value) if isinstance(value, str) else value
            for name, value in atoms.items()
        }


logger_class = TokenFreeLogger


def post_worker_init(worker: Any) -> None:
    """Keep the objects every request needs out of the garbage collector's full walks.

    A loaded worker holds some 100,000 long-lived objects (Django, the
    URL resolvers, the catalogue's translations). A request that builds
    a month of slots promotes enough objects to set off a full
    collection every few requests, and each one walked all of them:
    tens of milliseconds added to the unlucky request. Frozen, they are
    left out of every collection from now on.
    """
    gc.collect()
    gc.freeze()
