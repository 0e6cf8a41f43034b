"""The embedded default: nothing is paid online.

A booking whose policy asks for a deposit is confirmed at once, and the
deposit is taken at the studio like the rest of the price; no fee can
be charged to a card (there is none saved), so staff take it at the
desk. The start command needs no gateway.
"""

from payments.backends.base import BaseBackend


class PayAtStudioBackend(BaseBackend):
    name = "studio"
    takes_online = False
