"""What booking tells the apps that build on it, without knowing them.

Dependencies point one way (DESIGN.md): payments builds on booking, and
booking never imports payments. When a visit is cancelled, whatever a
later app owes the client for it (a refund, a late-cancellation fee)
follows from this signal, sent once the cancellation has committed.
Receivers only enqueue their own work; the rules stay in their services.
"""

from django.dispatch import Signal

# Sent after the commit of a cancellation by a client, staff or an
# integration (not an expired hold), with `visit_id`.
visit_cancelled = Signal()
