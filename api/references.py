"""Dispute references a person can read out on the phone and type back: ``J24-7KX4M2QH``.

After the ``J24-`` prefix come eight symbols: seven random ones, then a check symbol.

The symbols are Crockford's base 32, the ten digits and 22 letters:

- I, L and O are left out: written or said, they pass for 1 and 0 ("o" for zero is how many people read
  a zero out). Typed anyway, they are read as those digits (``parse``), as Crockford does.
- U is left out, as Crockford does, so that random references do not spell words; said, it is also
  easily taken for "you" or, in French, for "ou".
- Case never matters: a customer says "k", not "capital K".
- Letters that sound alike on a poor line stay (B, D, P, T, V; M and N; F and S; G and J in French).
  Without them about twenty symbols remain, and references would need a ninth; instead the check symbol
  catches the misheard one, so a reference read back wrong is refused, never taken for another dispute.

The check symbol makes the weighted sum of all eight symbols zero in GF(32), the field of 32 elements:
symbol k from the right weighs 2**k there (the Damm scheme's quasigroup ``2x + y``). Every weight differs
from the others and from zero, so any one wrong symbol and any two symbols swapped (neighbours or not)
change the sum and are refused. The check symbol is one of the 32, where Crockford's own mod-37 check
needs five more (``*~$=U``) that no one can say on the phone.

A reference is not a secret, nor personal data: it names a dispute, as its id does.
"""

from __future__ import annotations

import secrets

PREFIX = "J24-"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BODY_LENGTH = 7  # random symbols; with the check symbol, 8
LENGTH = BODY_LENGTH + 1

_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}
# What a person may type for a symbol besides itself: lower case, and the letters read as digits.
_TYPED = {symbol.lower(): symbol for symbol in ALPHABET} | {
    letter: digit for letters, digit in (("Oo", "0"), ("IiLl", "1")) for letter in letters
}
_IGNORED = frozenset(" -")
_POLYNOMIAL = 0b100101  # x^5 + x^2 + 1: primitive, so 2 has order 31 and the eight weights differ

FORMAT = f"{PREFIX} followed by {LENGTH} characters: digits, and letters other than I, L, O and U"


class InvalidReference(ValueError):
    """Why a text is not a valid reference. The message never repeats the text."""


def _times_two(value: int) -> int:
    value <<= 1
    return value ^ _POLYNOMIAL if value & 0b100000 else value


def _weighted_sum(symbols: str) -> int:
    """Horner's rule in GF(32): symbol k from the right has weight 2**k."""
    total = 0
    for symbol in symbols:
        total = _times_two(total) ^ _VALUE[symbol]
    return total


def check_symbol(body: str) -> str:
    """The symbol that completes ``body`` (canonical symbols) into a valid reference."""
    return ALPHABET[_times_two(_weighted_sum(body))]


def is_valid(symbols: str) -> bool:
    """Whether canonical ``symbols`` (body and check symbol) add up."""
    return _weighted_sum(symbols) == 0


def generate() -> str:
    """A new random reference, ``J24-`` and eight symbols, unpredictable (``secrets``)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return f"{PREFIX}{body}{check_symbol(body)}"


def candidate(text: str) -> str | None:
    """The eight symbols of ``text`` if it is shaped like a reference, right check symbol or not; else
    None (an id, say). Raises ``InvalidReference`` for a ``J24-`` text that cannot be one.

    Spaces and dashes are ignored, case too, and the prefix is optional: ``J24-7KX4M2QH``,
    ``j24 7kx4 m2qh``, ``J247KX4M2QH`` and ``7KX4M2QH`` are the same reference.
    """
    squeezed = "".join(char for char in text if char not in _IGNORED)
    prefixed = squeezed[:3].upper() == PREFIX[:3] and len(squeezed) != LENGTH
    body = squeezed[3:] if prefixed else squeezed
    symbols = "".join(_TYPED.get(char, char) for char in body)
    if len(symbols) == LENGTH and all(symbol in _VALUE for symbol in symbols):
        return symbols
    if prefixed:
        raise InvalidReference(f"not a dispute reference: a reference is {FORMAT}")
    return None


def parse(text: str) -> str:
    """The canonical form (``J24-7KX4M2QH``) of a reference as a person typed it.

    ``InvalidReference`` if it is not shaped like one, or its check symbol does not match (a symbol
    wrong or two swapped).
    """
    symbols = candidate(text)
    if symbols is None:
        raise InvalidReference(f"not a dispute reference: a reference is {FORMAT}")
    if not is_valid(symbols):
        raise InvalidReference(
            "this dispute reference does not check: a character is wrong or two are swapped; ask for it again"
        )
    return f"{PREFIX}{symbols}"
