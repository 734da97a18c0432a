"""The local stack's phone inbox takes what the real senders send and keeps it as readable files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from activities.channels import Refused, Unavailable
from activities.phone import ShortMessage, SmsSender, WhatsAppSender
from devstack import phone_inbox
from infra.delivery_settings import DeliverySettings
from workflows.models import Language


async def test_whatsapp_and_sms_are_kept_as_files(tmp_path: Path) -> None:
    server = await phone_inbox.serve(tmp_path, port=0)
    port = server.sockets[0].getsockname()[1]
    settings = DeliverySettings(**phone_inbox.settings(port))  # type: ignore[arg-type]
    message = ShortMessage("acknowledgement", Language.FR, "J24-7KX4M2QJ", "https://www.jamla24.ma/aide")
    try:
        message_id = await WhatsAppSender(settings).send("+212612345678", message, "jamla24-1-whatsapp")
        await SmsSender(settings).send("+212612345678", message, "jamla24-1-sms")
    finally:
        server.close()
        await server.wait_closed()

    [whatsapp] = (tmp_path / "whatsapp").glob("*.json")
    kept = json.loads(whatsapp.read_text(encoding="utf-8"))
    assert kept["body"]["template"]["name"] == "acknowledgement"
    assert kept["answered"]["messages"][0]["id"] == message_id
    [sms] = (tmp_path / "sms").glob("*.json")
    assert "J24-7KX4M2QJ" in json.loads(sms.read_text(encoding="utf-8"))["body"]["text"]


async def test_the_inbox_refuses_what_the_real_services_would(tmp_path: Path) -> None:
    server = await phone_inbox.serve(tmp_path, port=0)
    port = server.sockets[0].getsockname()[1]
    settings = DeliverySettings(**phone_inbox.settings(port) | {"WHATSAPP_TOKEN": "stale"})  # type: ignore[arg-type]
    unapproved = ShortMessage("no_such_template", Language.FR, "J24-7KX4M2QJ", "https://www.jamla24.ma/aide")
    try:
        with pytest.raises(Unavailable, match="whatsapp HTTP 401"):  # a token to renew: tried again later
            await WhatsAppSender(settings).send("+212612345678", unapproved, "jamla24-2-whatsapp")
        good_token = DeliverySettings(**phone_inbox.settings(port))  # type: ignore[arg-type]
        with pytest.raises(Refused, match="whatsapp HTTP 404") as refused:
            await WhatsAppSender(good_token).send("+212612345678", unapproved, "jamla24-2-whatsapp")
        assert "132001" in refused.value.detail
    finally:
        server.close()
        await server.wait_closed()

    assert not (tmp_path / "whatsapp").exists()  # nothing refused is kept as sent
