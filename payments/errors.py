"""Why a fee or a refund was refused: each reason with a stable code."""

from django.utils.translation import gettext_lazy as _

from studio.errors import StudioError


class FeeError(StudioError):
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


class InvalidAmount(FeeError):
    code = "invalid_amount"
    status_code = 400
    field = "amount"
    default_message = _("Give an amount above zero.")
