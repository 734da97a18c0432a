"""The local mailbox of ``make run``: every message it gets is a readable ``.eml`` file."""

from __future__ import annotations

import asyncio
import email
import email.policy
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

from activities.email import SmtpSender, build_message
from devstack.mailbox import serve
from devstack.processes import free_port
from infra.delivery_settings import DeliverySettings

MESSAGE_ID = "<d-1.1.acknowledgement.customer.ab12@jamla24.test>"


async def send(port: int, to: str = "salma@example.ma") -> None:
    message = build_message(
        sender="Jamla24 <no-reply@jamla24.test>",
        to=to,
        subject="[Jamla24 #d-1] Nous avons bien reçu votre réclamation",
        text="Bonjour Salma,",
        html="<p>Bonjour Salma,</p>",
        message_id=MESSAGE_ID,
        language="fr",
        date=datetime(2025, 4, 3, 10, 0, tzinfo=UTC),
    )
    settings = DeliverySettings(smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none", smtp_timeout=5)
    await SmtpSender(settings).send(message)


async def test_each_message_is_kept_as_a_file_named_by_time_and_message_id(tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    server = await serve(folder, port=0)
    try:
        port = server.sockets[0].getsockname()[1]
        await send(port)
        await send(port)  # a resend: a second file, same Message-ID
    finally:
        server.close()
        await server.wait_closed()

    files = sorted(folder.glob("*.eml"))
    assert len(files) == 2
    assert all(f.name.endswith("-d-1.1.acknowledgement.customer.ab12@jamla24.test.eml") for f in files)
    kept = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert kept["X-Envelope-To"] == "salma@example.ma"
    assert kept["Subject"] == "[Jamla24 #d-1] Nous avons bien reçu votre réclamation"
    body = kept.get_body(preferencelist=("plain",))
    assert body is not None and body.get_content().strip() == "Bonjour Salma,"


async def test_the_command_serves_until_told_to_stop(tmp_path: Path) -> None:
    port, folder = free_port(), tmp_path / "mail"
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "devstack.mailbox", "--port", str(port), "--dir", str(folder),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert child.stdout is not None
        banner = await asyncio.wait_for(child.stdout.readline(), timeout=20)
        assert f"SMTP on 127.0.0.1:{port}" in banner.decode()
        await send(port)
        assert len(list(folder.glob("*.eml"))) == 1
    finally:
        child.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(child.wait(), timeout=20)
    assert code == 0
