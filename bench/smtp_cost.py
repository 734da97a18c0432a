"""CPU and time per e-mail sent: one connection per message against connections kept open.

Not a test. Starts the local stack's mailbox (``devstack.mailbox``) and nothing else:

    python -m bench.smtp_cost -n 1000

Sends a customer's acknowledgement ``n`` times through ``activities.email.SmtpSender``, on uvloop as the
worker does, eight at a time as the worker's deliveries are, first with ``SMTP_CONNECTIONS=0`` (a new
connection for each message) and then with the default (connections kept open); and prints, per message,
the CPU of the sender (this process) and of the mailbox, and the wall time. Plain SMTP on loopback: a
server with TLS and login would make each new connection dearer still.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from email.message import Message

import uvloop

from activities.email import SmtpSender, build_message
from activities.templating import render
from bench.stack import cpu_seconds
from devstack.processes import free_port
from infra.delivery_settings import DeliverySettings
from tests.delivery.test_templating import context
from workflows.events import NotificationKind, RecipientKind
from workflows.models import Language

AT_ONCE = 8  # the worker's default WORKER_MAX_CONCURRENT_ACTIVITIES


def acknowledgement() -> Message:
    kind, recipient = NotificationKind.ACKNOWLEDGEMENT, RecipientKind.CUSTOMER
    rendered = render(recipient, kind, Language.FR, context(recipient, kind))
    return build_message(
        sender="Jamla24 <no-reply@jamla24.test>",
        to="salma@example.ma",
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        message_id="<d-1.1.acknowledgement.customer.ab12@jamla24.test>",
        language="fr",
        date=datetime.now(UTC),
    )


async def send_all(settings: DeliverySettings, message: Message, n: int) -> None:
    sender = SmtpSender(settings)
    queue = iter(range(n))

    async def one_lane() -> None:
        for _ in queue:
            await sender.send(message)

    await asyncio.gather(*(one_lane() for _ in range(AT_ONCE)))
    await sender.close()


def wait_for(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the mailbox did not listen on port {port}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="messages per way of sending")
    args = parser.parse_args()
    message = acknowledgement()
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        mailbox = subprocess.Popen(
            [sys.executable, "-m", "devstack.mailbox", "--port", str(port), "--dir", folder],
            stdout=subprocess.DEVNULL,
        )
        try:
            wait_for(port)
            base = DeliverySettings(smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none")
            uvloop.run(send_all(base, message, AT_ONCE))  # warm: imports, first connections, caches
            print(f"{args.n} messages, {AT_ONCE} at a time; per message:")
            ways = (("a connection per message", 0), ("connections kept open", base.smtp_connections))
            for label, connections in ways:
                settings = base.model_copy(update={"smtp_connections": connections})
                cpu, mailbox_cpu, wall = time.process_time(), cpu_seconds(mailbox.pid), time.monotonic()
                uvloop.run(send_all(settings, message, args.n))
                cpu = (time.process_time() - cpu) / args.n * 1000
                mailbox_cpu = (cpu_seconds(mailbox.pid) - mailbox_cpu) / args.n * 1000
                wall = (time.monotonic() - wall) / args.n * 1000
                print(
                    f"  {label:26} sender {cpu:5.2f} ms CPU   mailbox {mailbox_cpu:5.2f} ms CPU   "
                    f"wall {wall:5.2f} ms"
                )
        finally:
            mailbox.terminate()
            mailbox.wait()


if __name__ == "__main__":
    main()
