"""Customer contact details as the API accepts them: phone numbers become E.164, e-mails are checked.

A refusal says what is wrong without quoting the value back: an error is no place for contact details.
"""

from __future__ import annotations

from typing import Annotated

import phonenumbers
from pydantic import AfterValidator, Field
from pydantic.networks import validate_email
from pydantic_core import PydanticCustomError

from api.text import Text

DEFAULT_REGION = "MA"  # a number without a country code is Moroccan: "05 39 42 01 42"


def e164(number: str) -> str:
    """The number in E.164 (``+212539420142``); ValueError with a reason if it is not a valid number."""
    try:
        parsed = phonenumbers.parse(number, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError(
            "not a valid phone number; give it with its country code (+212 5 39 42 01 42) "
            "or in Moroccan national form (05 39 42 01 42)"
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def email(address: str) -> str:
    """The address, normalised as pydantic's ``EmailStr`` does; ValueError if it is not one.

    email-validator's reasons quote parts of the address (its domain, the characters it refuses), so
    the refusal is a general one.
    """
    try:
        return validate_email(address)[1]
    except PydanticCustomError:
        raise ValueError("not a valid e-mail address; write it as name@example.ma") from None


Phone = Annotated[
    Text,
    Field(min_length=3, max_length=40, examples=["05 39 42 01 42", "+212 6 12 34 56 78"]),
    AfterValidator(e164),
]
Email = Annotated[
    Text,
    Field(max_length=254, examples=["amina@example.ma"], json_schema_extra={"format": "email"}),
    AfterValidator(email),
]
