"""Every write of money, one module per concern; each public service is one transaction.

- `ledger`: the one writer of ledger rows (`Entry`), used by the others.
- `packages`: packages sold, redeemed visit by visit, sessions given back.

The names callers use are re-exported here.
"""

from payments.services.ledger import record_entry
from payments.services.packages import (
    complete_package_purchase,
    give_back_session,
    redeem_session,
    sell_package_at_desk,
    start_package_purchase,
)

__all__ = [
    "complete_package_purchase",
    "give_back_session",
    "record_entry",
    "redeem_session",
    "sell_package_at_desk",
    "start_package_purchase",
]
