"""Signed webhooks, against a real HTTP receiver that checks the signature as a seller portal would."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time

import pytest

from activities.channels import Refused, Unavailable
from activities.webhooks import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    HttpWebhookSender,
    encode,
    sign,
    verify_signature,
)
from devstack.processes import free_port
from tests.delivery.conftest import SECRET
from tests.delivery.servers import HttpReceiver

EVENT = {"id": "d-1.1.complaint_notice.seller.ab12@jamla24.test", "type": "seller.complaint_notice"}


async def test_the_receiver_verifies_what_we_send(receiver: HttpReceiver) -> None:
    sender = HttpWebhookSender(SECRET, timeout=5)
    await sender.post(receiver.url("/seller"), EVENT, "delivery-1")

    [request] = receiver.requests
    assert request.verified
    assert request.headers[DELIVERY_HEADER.lower()] == "delivery-1"
    assert request.headers["content-type"] == "application/json"
    assert receiver.event(0) == EVENT
    timestamp = request.headers[TIMESTAMP_HEADER.lower()]
    assert abs(int(timestamp) - time.time()) < 60

    # The same request, tampered with in transit, no longer verifies.
    signature = request.headers[SIGNATURE_HEADER.lower()]
    tampered = request.body.replace(b"complaint_notice", b"seller_strike")
    assert not verify_signature(SECRET, timestamp, tampered, signature)
    assert not verify_signature(SECRET, str(int(timestamp) + 1), request.body, signature)
    assert not verify_signature("another-secret", timestamp, request.body, signature)
    # Replayed ten minutes later, it is stale.
    assert not verify_signature(SECRET, timestamp, request.body, signature, now=int(timestamp) + 600)


async def test_a_forged_request_is_turned_away(receiver: HttpReceiver) -> None:
    forger = HttpWebhookSender("not-the-secret", timeout=5)
    with pytest.raises(Unavailable):  # 401: our secret and theirs disagree, fixed in the settings
        await forger.post(receiver.url("/seller"), EVENT, "delivery-2")
    assert [r.verified for r in receiver.requests] == [False]


def test_signature_is_hmac_sha256_over_timestamp_and_body() -> None:
    body = encode({"b": 1, "a": "é"})
    assert body == '{"a":"é","b":1}'.encode()
    now = 1_750_000_000
    signature = sign(SECRET, str(now), body)
    # Any receiver can recompute it from the documented recipe.
    expected = hmac.new(SECRET.encode(), f"{now}.".encode() + body, hashlib.sha256).hexdigest()
    assert signature == f"sha256={expected}"
    assert verify_signature(SECRET, str(now), body, signature, now=now + 299)
    assert not verify_signature(SECRET, str(now), body, signature, now=now + 301)  # a replay, too late
    assert not verify_signature(SECRET, str(now), body, signature, now=now - 301)  # from the future
    assert not verify_signature(SECRET, "yesterday", body, signature, now=now)
    assert not verify_signature(SECRET, str(now), body, signature.replace("sha256=", ""), now=now)


@pytest.mark.parametrize(
    ("status", "failure"),
    [
        (400, Refused),
        (404, Refused),
        (410, Refused),
        (408, Unavailable),
        (429, Unavailable),
        (503, Unavailable),
    ],
)
async def test_answers_are_final_or_worth_retrying(
    receiver: HttpReceiver, status: int, failure: type[Exception]
) -> None:
    receiver.answers["/alerts"] = [status]
    with pytest.raises(failure) as raised:
        await HttpWebhookSender(SECRET, timeout=5).post(receiver.url("/alerts"), EVENT, "delivery-3")
    assert str(status) in str(raised.value)


async def test_a_receiver_that_is_down_is_retried() -> None:
    with pytest.raises(Unavailable):
        await HttpWebhookSender(SECRET, timeout=5).post(f"http://127.0.0.1:{free_port()}/x", EVENT, "d-4")


async def test_a_receiver_that_trickles_its_answer_is_cut_off_at_the_timeout() -> None:
    # Each header line comes within the timeout, the whole answer does not: the worker's shutdown
    # grace counts on the timeout bounding the whole POST.
    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\n")
        for i in range(8):
            await asyncio.sleep(0.3)
            writer.write(f"X-Slow-{i}: 1\r\n".encode())
            await writer.drain()
        writer.write(b"Content-Length: 0\r\n\r\n")
        writer.close()

    server = await asyncio.start_server(trickle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(Unavailable, match="TimeoutError"):
            await HttpWebhookSender(SECRET, timeout=1).post(f"http://127.0.0.1:{port}/x", EVENT, "d-5")
    finally:
        server.close()
        await server.wait_closed()
