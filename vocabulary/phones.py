"""Phone numbers as the order API keeps them, and their masking (stdlib only).

Kept forms (:func:`normalise_phone`): a mobile as its 11 digits (``+86`` dropped); a landline
with its area code as the caller wrote it, with or without one dash (``0914-2030566``).

>>> normalise_phone("+86 138-0000-1234"), normalise_phone("０９１４—２０３０５６６")
('13800001234', '0914-2030566')
>>> mask_phone("13800001234"), mask_phone("0914-2030566")
('138****1234', '0914-***0566')
>>> mask_phones_in_text("电话13800001234，座机0914-2030566")
'电话138****1234，座机0914-2030566'

The bot's reading of phone numbers in free text (libphonenumber, Chinese digit words) is
``bot/screening/contact.py``'s; it is not here because this package stays stdlib-only.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "MOBILE_IN_TEXT",
    "LANDLINE_IN_TEXT",
    "normalise_phone",
    "mask_phone",
    "mask_phones_in_text",
]

_MOBILE = re.compile(r"(?:\+?86)?(1[3-9][0-9]{9})")
_LANDLINE = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}")
_SEPARATORS = re.compile(r"[\s\-－—()（）]")
_SPACES = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")
# a bare 11-digit mobile in a text, in three groups for masking the middle four
_MOBILE_RUN = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")

# Phone numbers as they are written in a text (for redaction; compile with re.ASCII so \d is 0-9):
# a mobile, optionally +86 and single dashes or spaces between 3-4-4 groups; a landline with its area code.
MOBILE_IN_TEXT = r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)"
LANDLINE_IN_TEXT = r"(?<!\d)0\d{2,3}[- ]?\d{7,8}(?!\d)"


def normalise_phone(value: str) -> str | None:
    """The kept form of a phone number given as a whole value, else None (not a number the API takes).

    Full-width digits are read as ASCII; spaces, dashes and brackets between a mobile's digits are
    dropped; a landline needs its area code and keeps at most one dash after it.
    """
    value = unicodedata.normalize("NFKC", value)  # full-width digits → ASCII
    mobile = _MOBILE.fullmatch(_SEPARATORS.sub("", value))
    if mobile:
        return mobile.group(1)
    landline = _SPACES.sub("", value).replace("—", "-")
    if _LANDLINE.fullmatch(landline):
        return landline
    return None


def mask_phone(phone: str | None) -> str | None:
    """A kept phone number with all but its last four digits hidden (a landline keeps its area code).

    ``13800001234`` → ``138****1234``; ``0914-2030566`` → ``0914-***0566``; empty stays empty.
    """
    if not phone:
        return phone
    if len(phone) == 11 and phone.isdigit():
        return f"{phone[:3]}****{phone[-4:]}"
    # landline: keep the area code and the last four digits
    head, sep, number = phone.rpartition("-")
    if sep:
        return f"{head}-{_DIGIT.sub('*', number[:-4])}{number[-4:]}"
    return _DIGIT.sub("*", phone[:-4]) + phone[-4:]


def mask_phones_in_text(text: str) -> str:
    """``text`` with the middle four digits of every bare 11-digit mobile number hidden."""
    return _MOBILE_RUN.sub(r"\1****\3", text)
