"""Dispute references: what they are made of, what their check symbol catches, what a person may type."""

from __future__ import annotations

import random
import re

import pytest

from api.references import ALPHABET, PREFIX, InvalidReference, candidate, check_symbol, generate, parse

SHAPE = re.compile(rf"^J24-[{ALPHABET}]{{8}}$")


def sample(count: int = 300) -> list[str]:
    """Valid references: the extremes of the alphabet, and random ones (a fixed seed, so the same ones)."""
    rng = random.Random(1042)
    bodies = ["0000000", "ZZZZZZZ", "0Z0Z0Z0", "7KX4M2Q"]
    bodies += ["".join(rng.choice(ALPHABET) for _ in range(7)) for _ in range(count)]
    return [f"{PREFIX}{body}{check_symbol(body)}" for body in bodies]


def test_the_alphabet_is_crockfords_without_the_letters_that_pass_for_digits() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 32
    assert set(ALPHABET) == set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    assert not set(ALPHABET) & set("ILOU")


def test_a_new_reference_is_the_prefix_and_eight_symbols_that_check() -> None:
    made = [generate() for _ in range(2000)]
    assert all(SHAPE.match(reference) for reference in made)
    assert all(parse(reference) == reference for reference in made)
    assert len(set(made)) == len(made)
    # Random: every symbol shows up in the seven random places.
    assert {symbol for reference in made for symbol in reference[4:11]} == set(ALPHABET)


def test_the_check_symbol_refuses_every_single_wrong_symbol() -> None:
    tried = 0
    for reference in sample():
        for place in range(len(PREFIX), len(reference)):
            for wrong in ALPHABET.replace(reference[place], ""):
                typo = reference[:place] + wrong + reference[place + 1 :]
                with pytest.raises(InvalidReference, match="does not check"):
                    parse(typo)
                tried += 1
    assert tried == len(sample()) * 8 * 31


def test_the_check_symbol_refuses_every_swap_of_two_neighbours() -> None:
    tried = 0
    for reference in sample():
        symbols = reference[len(PREFIX) :]
        for place in range(len(symbols) - 1):
            left, right = symbols[place], symbols[place + 1]
            if left == right:
                continue
            swapped = symbols[:place] + right + left + symbols[place + 2 :]
            with pytest.raises(InvalidReference, match="does not check"):
                parse(PREFIX + swapped)
            tried += 1
    assert tried > len(sample()) * 6  # most neighbours differ


def test_the_check_symbol_also_refuses_swaps_further_apart() -> None:
    for reference in sample(50):
        symbols = list(reference[len(PREFIX) :])
        for i in range(8):
            for j in range(i + 2, 8):
                if symbols[i] != symbols[j]:
                    swapped = symbols.copy()
                    swapped[i], swapped[j] = swapped[j], swapped[i]
                    with pytest.raises(InvalidReference):
                        parse(PREFIX + "".join(swapped))


@pytest.mark.parametrize(
    "typed",
    [
        "J24-7KX4M2QJ",
        "j24-7kx4m2qj",
        "J247KX4M2QJ",
        "j247kx4m2qj",
        "7KX4M2QJ",
        "7kx4m2qj",
        " J24 - 7KX4 M2QJ ",
        "j24-7kx4-m2qj",
    ],
)
def test_a_reference_is_read_whatever_its_case_prefix_dashes_and_spaces(typed: str) -> None:
    assert parse(typed) == "J24-7KX4M2QJ"


def test_the_letters_that_pass_for_digits_are_read_as_those_digits() -> None:
    body = "10L0O1I"  # typed for 1010011
    reference = f"J24-1010011{check_symbol('1010011')}"
    assert parse(f"J24-{body}{reference[-1]}") == reference
    assert parse(f"j24-{body.lower()}{reference[-1].lower()}") == reference


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("J24-7KX4M2QH", id="wrong check symbol"),
        pytest.param("J24-K7X4M2QJ", id="neighbours swapped"),
        pytest.param("J24-7KX4M2Q", id="one symbol short"),
        pytest.param("J24-7KX4M2QJJ", id="one symbol too many"),
        pytest.param("J24-7KX4U2QJ", id="a U"),
        pytest.param("J24-7KX4_2QJ", id="not a symbol"),
        pytest.param("7KX4M2QH", id="without prefix, wrong check symbol"),
    ],
)
def test_a_reference_that_does_not_check_is_refused_without_repeating_it(typed: str) -> None:
    with pytest.raises(InvalidReference) as refused:
        parse(typed)
    assert typed.strip() not in str(refused.value) and "7KX4" not in str(refused.value)


def test_a_dispute_id_is_not_shaped_like_a_reference() -> None:
    assert candidate("3f1c0d9e2b7a4c5d8e6f1a2b3c4d5e6f") is None
    assert candidate("d-1042") is None
    assert candidate("not an id") is None
    with pytest.raises(InvalidReference, match="J24- followed by 8 characters"):
        candidate("J24-1042")
