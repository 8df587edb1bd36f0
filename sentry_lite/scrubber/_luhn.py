# Payment card numbers: the issuer prefixes and lengths, and the Luhn check.

from __future__ import annotations

__all__ = ["is_card_number"]

# (first digits, lowest, highest, allowed lengths) of the major card networks.
_RANGES: tuple[tuple[int, int, int, frozenset[int]], ...] = (
    (1, 4, 4, frozenset({13, 16, 19})),  # Visa
    (2, 51, 55, frozenset({16})),  # Mastercard
    (4, 2221, 2720, frozenset({16})),  # Mastercard 2-series
    (2, 34, 34, frozenset({15})),  # American Express
    (2, 37, 37, frozenset({15})),
    (4, 6011, 6011, frozenset({16, 17, 18, 19})),  # Discover
    (3, 644, 649, frozenset({16, 17, 18, 19})),
    (2, 65, 65, frozenset({16, 17, 18, 19})),
    (4, 3528, 3589, frozenset({16, 17, 18, 19})),  # JCB
    (3, 300, 305, frozenset({14, 15, 16, 17, 18, 19})),  # Diners Club
    (2, 36, 36, frozenset({14, 15, 16, 17, 18, 19})),
    (2, 38, 39, frozenset({16, 17, 18, 19})),
    (2, 62, 62, frozenset({16, 17, 18, 19})),  # UnionPay
)


def is_card_number(digits: str) -> bool:
    # True when ``digits`` (ASCII digits only) has a card network's prefix and
    # length and passes the Luhn check.
    length = len(digits)
    if length < 13 or digits[0] not in "23456":
        return False
    heads = (0, int(digits[0]), int(digits[:2]), int(digits[:3]), int(digits[:4]))
    if not any(
        length in lengths and low <= heads[size] <= high for size, low, high, lengths in _RANGES
    ):
        return False
    if digits.count(digits[-1]) == length:
        return False
    return _luhn_valid(digits)


def _luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = ord(char) - 48
        if index % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0
