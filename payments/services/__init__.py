"""Every write of money, one module per concern; each public service is one transaction.

- `ledger`: the one writer of ledger rows (`Entry`), used by the others.
- `gift_cards`: gift cards sold at the desk or online, and spent on visits.
- `checkout`: what the desk takes for a visit in cash or by card.

The names callers use are re-exported here.
"""

from payments.services.checkout import take_desk_payment
from payments.services.gift_cards import (
    complete_gift_card_purchase,
    fail_gift_card_purchase,
    limit_code_tries,
    sell_gift_card_at_desk,
    spend_gift_card,
    start_gift_card_purchase,
)
from payments.services.ledger import record_entry

__all__ = [
    "complete_gift_card_purchase",
    "fail_gift_card_purchase",
    "limit_code_tries",
    "record_entry",
    "sell_gift_card_at_desk",
    "spend_gift_card",
    "start_gift_card_purchase",
    "take_desk_payment",
]
