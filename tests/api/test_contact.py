"""Phone numbers become E.164; Moroccan national forms are understood."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.contact import e164
from api.schemas import CustomerIn


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("05 39 42 01 42", "+212539420142"),
        ("0539420142", "+212539420142"),
        ("06-12-34-56-78", "+212612345678"),
        ("+212 6 12 34 56 78", "+212612345678"),
        ("00212612345678", "+212612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
    ],
)
def test_phone_numbers_are_stored_as_e164(given: str, stored: str) -> None:
    assert e164(given) == stored


@pytest.mark.parametrize("given", ["12345", "call me", "+212 12", "05 39"])
def test_invalid_phone_numbers_are_refused(given: str) -> None:
    with pytest.raises(ValueError, match="phone number"):
        e164(given)


def test_a_customer_is_normalised_and_must_be_reachable() -> None:
    customer = CustomerIn(id="C-1", name="  Amina ", phone="05 39 42 01 42", email="Amina@Example.MA")
    assert (customer.name, customer.phone) == ("Amina", "+212539420142")
    assert customer.email is not None and customer.email.endswith("@example.ma")
    with pytest.raises(ValidationError, match="e-mail address or a phone number"):
        CustomerIn(id="C-1", name="Amina")
    with pytest.raises(ValidationError, match="email"):
        CustomerIn(id="C-1", name="Amina", email="amina@")
