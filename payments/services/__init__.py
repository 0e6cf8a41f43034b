"""Every write of money, one module per concern; each public service is one transaction.

- `ledger`: the one writer of ledger rows (`Entry`), used by the others.

The names callers use are re-exported here.
"""

from payments.services.ledger import record_entry

__all__ = ["record_entry"]
