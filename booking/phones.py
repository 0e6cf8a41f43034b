"""The one check of a phone number, for the API, the website and the admin.

A number is read with Google's libphonenumber rules (`phonenumbers`):
with a leading + in any country's format, without one as dialled in the
studio's region (STUDIO_PHONE_REGION). It is stored in E.164
(`+493012345678`), the form SMS gateways take, so a reminder reaches the
number whatever way it was typed.
"""

from __future__ import annotations

from typing import Any

import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

INVALID_PHONE = _(
    "Enter a phone number we can call, such as 030 1234567 or +49 30 1234567 "
    "(from abroad with + and the country code)."
)

# Longer than any real number written out with spaces and punctuation;
# libphonenumber refuses longer input anyway.
MAX_PHONE_LENGTH = 32
_PHONE_CHARACTERS = set("0123456789+ ()./-")


def normalise_phone(value: str) -> str:
    """The number in E.164, or ValidationError (code `invalid`) if it is not a real one.

    Numbers without + are read as dialled in STUDIO_PHONE_REGION.
    """
    text = value.strip()
    # Digits and the punctuation people write numbers with; libphonenumber
    # would otherwise read past words ("030 1234567 after 5 pm").
    if not text or len(text) > MAX_PHONE_LENGTH or not set(text) <= _PHONE_CHARACTERS:
        raise ValidationError(INVALID_PHONE, code="invalid")
    try:
        number = phonenumbers.parse(text, settings.STUDIO_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(INVALID_PHONE, code="invalid") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(INVALID_PHONE, code="invalid")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def readable_phone(value: str) -> str:
    """A stored number as people read it out: in the studio's region as dialled
    there (`030 1234567`), from elsewhere with its country code (`+44 20 7946 0958`).

    Anything that is not a number libphonenumber reads is given back as it is.
    """
    try:
        number = phonenumbers.parse(value, settings.STUDIO_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return value
    if phonenumbers.region_code_for_number(number) == settings.STUDIO_PHONE_REGION:
        return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))


class PhoneField(forms.CharField):
    """A form field that accepts what `normalise_phone` accepts and cleans to E.164."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", MAX_PHONE_LENGTH)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = str(super().to_python(value))
        return normalise_phone(text) if text else text
