"""Validators shared by several apps (Tunisian phone numbers, etc.)."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def normalize_tunisian_phone(value):
    """Return the E.164 form of a Tunisian number ("+216XXXXXXXX"), or raise ValidationError.

    Accepts local forms ("98 123 456", "71123456") and international ones ("+216 98 123 456",
    "00216...").
    """
    raw = (value or "").strip()
    if not raw:
        return ""
    if len(raw) > 32:
        raise ValidationError(_("Numéro de téléphone trop long."), code="invalid_phone")
    try:
        number = phonenumbers.parse(raw, "TN")
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("Numéro de téléphone invalide : saisissez un numéro tunisien (8 chiffres)."),
            code="invalid_phone",
        ) from None
    if number.country_code != 216 or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("Numéro de téléphone invalide : saisissez un numéro tunisien (8 chiffres)."),
            code="invalid_phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_tunisian_phone(value):
    normalize_tunisian_phone(value)


def format_phone(value):
    """How a phone number reads on a page: '+21671334455' → '71 334 455' (a Tunisian number in
    its national form, the way people say it), a foreign one in international form; anything
    unreadable as it was stored."""
    raw = (value or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, "TN")
    except phonenumbers.NumberParseException:
        return raw
    if number.country_code == 216:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
