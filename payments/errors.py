"""Why a payment service refused: each reason with a stable code for programs."""

from django.utils.translation import gettext_lazy as _

from studio.errors import StudioError


class PaymentsError(StudioError):
    code = "payments_error"
    status_code = 422
    default_message = _("The payment could not be recorded.")


class NotAwaitingPayment(PaymentsError):
    """A payment or a gift card offered for a visit that waits for no payment online."""

    code = "not_awaiting_payment"
    status_code = 409
    default_message = _("This booking waits for no payment.")


class FeeError(PaymentsError):
    code = "fee_error"
    status_code = 422
    default_message = _("The fee or refund could not be made.")


class NotNoShow(FeeError):
    code = "not_no_show"
    default_message = _("Mark the appointment a no-show before charging its fee.")


class NoFee(FeeError):
    code = "no_fee"
    default_message = _("The payment policy of this massage has no such fee.")


class AlreadyCharged(FeeError):
    code = "fee_already_charged"
    status_code = 409
    default_message = _("The fee for this visit is already charged.")


class NoSavedCard(FeeError):
    code = "no_saved_card"
    default_message = _("The client has no card saved: take the fee at the desk.")


class NotRefundable(FeeError):
    code = "not_refundable"
    default_message = _("Only money paid for a visit, online or at the desk, is refunded here.")


class RefundTooLarge(FeeError):
    code = "refund_too_large"
    status_code = 400
    field = "amount"
    default_message = _("That is more than is left to refund.")


class UnknownGiftCard(PaymentsError):
    """A code that is no gift card's: counted against the tries of codes (400)."""

    code = "gift_card_unknown"
    status_code = 400
    field = "code"
    default_message = _("There is no gift card with this code. Please check it and try again.")


class GiftCardUnpaid(PaymentsError):
    code = "gift_card_unpaid"
    status_code = 409
    field = "code"
    default_message = _("This gift card has not been paid for yet.")


class GiftCardExpired(PaymentsError):
    code = "gift_card_expired"
    status_code = 409
    field = "code"
    default_message = _("This gift card has expired.")


class GiftCardEmpty(PaymentsError):
    code = "gift_card_empty"
    status_code = 409
    field = "code"
    default_message = _("This gift card has been spent in full.")


class GiftCardTooLittle(PaymentsError):
    code = "gift_card_too_little"
    status_code = 409
    field = "amount"
    default_message = _("The amount is more than the gift card's balance.")


class WrongCurrency(PaymentsError):
    code = "wrong_currency"
    status_code = 409
    field = "amount"
    default_message = _("The gift card is in another currency than the visit.")


class NothingDue(PaymentsError):
    code = "nothing_due"
    status_code = 409
    field = "amount"
    default_message = _("Nothing is due for this visit.")


class MoreThanDue(PaymentsError):
    code = "more_than_due"
    status_code = 400
    field = "amount"
    default_message = _("The amount is more than what is due for this visit.")


class InvalidAmount(PaymentsError):
    code = "invalid_amount"
    status_code = 400
    field = "amount"
    default_message = _("Give an amount above zero.")


class InvalidMethod(PaymentsError):
    code = "invalid_method"
    status_code = 400
    field = "method"
    default_message = _("Choose cash or card on the terminal.")


class NotPayable(PaymentsError):
    """A gift card bought online whose payment is not (or no longer) one to complete."""

    code = "not_payable"
    status_code = 409
    default_message = _("This payment cannot be completed.")


class PackageError(PaymentsError):
    code = "package_error"
    status_code = 422
    default_message = _("The package cannot be used for this.")


class PackageExpired(PackageError):
    code = "package_expired"
    default_message = _("This package has expired.")


class NoSessionsLeft(PackageError):
    code = "package_used_up"
    status_code = 409
    default_message = _("This package has no sessions left.")


class PackageNotPaid(PackageError):
    code = "package_not_paid"
    default_message = _("This package is not paid yet.")


class TooFewSessions(PackageError):
    code = "package_too_few_sessions"
    status_code = 409
    default_message = _("This package has fewer sessions left than the course has.")


class OtherOffering(PackageError):
    code = "package_other_offering"
    default_message = _("This package is for another massage.")


class OtherClient(PackageError):
    code = "package_other_client"
    default_message = _("This package belongs to another client.")


class AlreadyRedeemed(PackageError):
    code = "package_already_redeemed"
    status_code = 409
    default_message = _("A session of this package already pays for this visit.")


class NotForSale(PackageError):
    code = "package_not_for_sale"
    default_message = _("This package is not sold any more.")
