"""Every write of money, one module per concern; each public service is one transaction.

- `ledger`: the one writer of ledger rows (`Entry`), used by the others.
- `online`: paying for a visit online: the hold, the gateway's payment,
  its webhook, the refund of a payment that came too late.
- `fees`: what a cancellation or a no-show costs, and refunds.
- `packages`: packages sold, redeemed visit by visit, sessions given back.
- `gift_cards`: gift cards sold at the desk or online, and spent on visits.
- `checkout`: what the desk takes for a visit in cash or by card.

The names callers use are re-exported here.
"""

from payments.services.checkout import take_desk_payment
from payments.services.fees import (
    charge_no_show_fee,
    refund,
    refundable,
    settle_cancellation,
    settle_missed_cancellations,
    take_fee_at_desk,
)
from payments.services.gift_cards import (
    complete_gift_card_purchase,
    fail_gift_card_purchase,
    limit_code_tries,
    sell_gift_card_at_desk,
    spend_gift_card,
    start_gift_card_purchase,
)
from payments.services.ledger import record_entry
from payments.services.online import (
    cancel_released_payments,
    handle_webhook,
    pay_with_card,
    payment_for_visit,
    payment_hold_until,
    refund_unplaced_payment,
    start_visit_payment,
)
from payments.services.packages import (
    complete_package_purchase,
    give_back_session,
    redeem_session,
    sell_package_at_desk,
    start_package_purchase,
)

__all__ = [
    "cancel_released_payments",
    "charge_no_show_fee",
    "complete_gift_card_purchase",
    "complete_package_purchase",
    "fail_gift_card_purchase",
    "give_back_session",
    "handle_webhook",
    "limit_code_tries",
    "pay_with_card",
    "payment_for_visit",
    "payment_hold_until",
    "record_entry",
    "redeem_session",
    "refund",
    "refund_unplaced_payment",
    "refundable",
    "sell_gift_card_at_desk",
    "sell_package_at_desk",
    "settle_cancellation",
    "settle_missed_cancellations",
    "spend_gift_card",
    "start_gift_card_purchase",
    "start_package_purchase",
    "start_visit_payment",
    "take_desk_payment",
    "take_fee_at_desk",
]
