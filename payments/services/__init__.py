"""Every write of money, one module per concern; each public service is one transaction.

- `ledger`: the one writer of ledger rows (`Entry`), used by the others.
- `fees`: what a cancellation or a no-show costs, and refunds.

The names callers use are re-exported here.
"""

from payments.services.fees import (
    charge_no_show_fee,
    refund,
    refundable,
    settle_cancellation,
    settle_missed_cancellations,
    take_fee_at_desk,
)
from payments.services.ledger import record_entry

__all__ = [
    "charge_no_show_fee",
    "record_entry",
    "refund",
    "refundable",
    "settle_cancellation",
    "settle_missed_cancellations",
    "take_fee_at_desk",
]
