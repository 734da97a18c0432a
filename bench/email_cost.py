"""CPU per e-mail: building a notification's message and flattening it to the bytes SMTP sends.

Not a test. Needs nothing running:

    python -m bench.email_cost -n 500

For the customer's acknowledgement and the seller's complaint notice in each language, it prints the
milliseconds of CPU to build the message (``activities.email.build_message``) and to flatten it as
aiosmtplib does before it sends: to an ASCII address (the older message classes) and to an address outside
ASCII (the modern ``EmailMessage``, which SMTPUTF8 needs), so the two builders compare on the same text.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

from aiosmtplib.email import flatten_message

from activities.email import build_message
from activities.templating import Rendered, render
from tests.delivery.test_templating import context
from workflows.events import NotificationKind, RecipientKind
from workflows.models import Language

MESSAGES = [
    (RecipientKind.CUSTOMER, NotificationKind.ACKNOWLEDGEMENT),
    (RecipientKind.SELLER, NotificationKind.COMPLAINT_NOTICE),
]
ADDRESSES = {"ASCII address": "salma@example.ma", "address outside ASCII": "سلمى@example.ma"}


def cpu_ms(step: Callable[[], object], n: int) -> float:
    start = time.process_time()
    for _ in range(n):
        step()
    return (time.process_time() - start) / n * 1000


def costs(rendered: Rendered, to: str, language: Language, n: int) -> tuple[float, float]:
    """CPU ms to build the message, and to flatten it."""
    build = partial(
        build_message,
        sender="Jamla24 <no-reply@jamla24.test>",
        to=to,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        message_id="<d-1.1.acknowledgement.customer.ab12@jamla24.test>",
        language=language.value,
        date=datetime.now(UTC),
    )
    message = build()
    return cpu_ms(build, n), cpu_ms(partial(flatten_message, message, utf8=True), n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=500, help="messages per line")
    args = parser.parse_args()
    print(f"CPU ms per message (n={args.n}): build + flatten")
    for recipient, kind in MESSAGES:
        for language in Language:
            rendered = render(recipient, kind, language, context(recipient, kind))
            figures = []
            for label, to in ADDRESSES.items():
                built, flat = costs(rendered, to, language, args.n)
                figures.append(f"{label} {built:5.2f} + {flat:5.2f} ms")
            print(f"  {kind.value:18} {language.value}   " + "   ".join(figures))


if __name__ == "__main__":
    main()
