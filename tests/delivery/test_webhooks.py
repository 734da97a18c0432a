"""Signed webhooks, against real HTTP receivers that check each request as a seller portal would: a
signature with the receiver's own secret over the method, path, delivery id, timestamp and body; a
timestamp within the window; a delivery id not processed yet."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from pathlib import Path
from typing import Any

import pytest

from activities.channels import Refused, Unavailable
from activities.webhooks import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    HttpWebhookSender,
    Verdict,
    Verifier,
    encode,
    sign,
)
from devstack.processes import free_port
from tests.delivery.conftest import SECRET
from tests.delivery.servers import HttpReceiver

EVENT = {"id": "d-1.1.complaint_notice.seller.ab12@jamla24.test", "type": "seller.complaint_notice"}
SENDER = HttpWebhookSender(timeout=5)


async def test_the_receiver_verifies_what_we_send(receiver: HttpReceiver) -> None:
    await SENDER.post(receiver.url("/seller"), EVENT, "delivery-1", [SECRET])

    [request] = receiver.requests
    assert request.verdict == Verdict.ACCEPTED
    assert request.headers[DELIVERY_HEADER.lower()] == "delivery-1"
    assert request.headers["content-type"] == "application/json"
    assert receiver.event(0) == EVENT
    timestamp = request.headers[TIMESTAMP_HEADER.lower()]
    assert abs(int(timestamp) - time.time()) < 60

    # The same request, tampered with in transit, no longer verifies (a receiver of its own: nothing seen).
    def check(headers: dict[str, str], body: bytes = request.body, secret: str = SECRET) -> Verdict:
        return Verifier([secret]).check("POST", "/seller", request.headers | headers, body)

    assert check({}) == Verdict.ACCEPTED
    assert check({}, request.body.replace(b"complaint_notice", b"seller_strike")) == Verdict.FORGED
    assert check({TIMESTAMP_HEADER.lower(): str(int(timestamp) + 1)}) == Verdict.FORGED
    assert check({DELIVERY_HEADER.lower(): "delivery-2"}) == Verdict.FORGED
    assert check({}, secret="another-secret") == Verdict.FORGED


async def test_a_forged_request_is_turned_away(receiver: HttpReceiver) -> None:
    with pytest.raises(Unavailable):  # 401: our secret and theirs disagree, fixed in the settings
        await SENDER.post(receiver.url("/seller"), EVENT, "delivery-2", ["not-the-secret"])
    assert [r.verdict for r in receiver.requests] == [Verdict.FORGED]
    assert receiver.processed() == []


async def test_an_event_signed_for_one_receiver_fails_at_another() -> None:
    async with HttpReceiver("", by_path={"/portal": ["portal-secret"], "/souk-nour": ["souk-secret"]}) as two:
        await SENDER.post(two.url("/portal"), EVENT, "d-portal", ["portal-secret"])
        with pytest.raises(Unavailable):
            await SENDER.post(two.url("/souk-nour"), EVENT, "d-souk", ["portal-secret"])
    assert [(r.path, r.verdict) for r in two.requests] == [
        ("/portal", Verdict.ACCEPTED), ("/souk-nour", Verdict.FORGED),
    ]  # fmt: skip
    assert two.processed("/souk-nour") == []


async def test_the_signature_covers_the_method_and_the_path(receiver: HttpReceiver) -> None:
    """Even under one secret, a request taken to another path (or replayed as another method) fails."""
    await SENDER.post(receiver.url("/seller?shop=1"), EVENT, "delivery-3", [SECRET])
    [request] = receiver.requests
    assert (request.path, request.verdict) == ("/seller?shop=1", Verdict.ACCEPTED)
    for method, path in (("POST", "/alerts"), ("POST", "/seller"), ("PUT", "/seller?shop=1")):
        assert Verifier([SECRET]).check(method, path, request.headers, request.body) == Verdict.FORGED


async def test_a_replayed_delivery_is_dropped_within_the_window_and_refused_after_it(
    receiver: HttpReceiver,
) -> None:
    await SENDER.post(receiver.url("/seller"), EVENT, "delivery-4", [SECRET])
    # The same delivery again (an attacker's replay, or our own resend of a message it has): taken, dropped.
    await SENDER.post(receiver.url("/seller"), EVENT, "delivery-4", [SECRET])
    assert [r.verdict for r in receiver.requests] == [Verdict.ACCEPTED, Verdict.REPLAYED]
    assert receiver.processed() == [EVENT]

    # The first request captured and sent again ten minutes later: stale, refused.
    first = receiver.requests[0]
    verifier = receiver.verifier("/seller")
    later = Verifier(verifier.secrets, clock=lambda: time.time() + 600)
    assert later.check("POST", "/seller", first.headers, first.body) == Verdict.STALE
    receiver.clock = lambda: time.time() + 600  # a receiver whose clock is ahead: the sender's is stale
    with pytest.raises(Unavailable):
        await SENDER.post(receiver.url("/alerts"), EVENT, "delivery-5", [SECRET])
    assert receiver.requests[-1].verdict == Verdict.STALE


async def test_while_a_secret_is_rotated_both_sign_and_a_receiver_holding_either_accepts() -> None:
    async with HttpReceiver("", by_path={"/old": ["s1"], "/new": ["s2"], "/other": ["s3"]}) as receivers:
        for path in ("/old", "/new"):
            await SENDER.post(receivers.url(path), EVENT, f"d{path}", ["s2", "s1"])  # the current first
        with pytest.raises(Unavailable):
            await SENDER.post(receivers.url("/other"), EVENT, "d-other", ["s2", "s1"])
    assert [r.verdict for r in receivers.requests] == [Verdict.ACCEPTED, Verdict.ACCEPTED, Verdict.FORGED]
    assert len(receivers.requests[0].headers[SIGNATURE_HEADER.lower()].split(",")) == 2


def test_the_signature_is_hmac_sha256_over_the_documented_lines() -> None:
    body = encode({"b": 1, "a": "é"})
    assert body == '{"a":"é","b":1}'.encode()
    signature = sign(SECRET, "1750000000", "d-9", "post", "/hooks?x=1", body)
    # Any receiver can recompute it from the README's recipe.
    signed = b"v1\n1750000000\nd-9\nPOST\n/hooks?x=1\n" + body
    assert signature == "v1=" + hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    headers = {
        TIMESTAMP_HEADER.lower(): "1750000000",
        DELIVERY_HEADER.lower(): "d-9",
        SIGNATURE_HEADER.lower(): signature,
    }
    at = Verifier([SECRET], clock=lambda: 1_750_000_000 + 299)
    assert at.check("POST", "/hooks?x=1", headers, body) == Verdict.ACCEPTED
    late = Verifier([SECRET], clock=lambda: 1_750_000_301)
    assert late.check("POST", "/hooks?x=1", headers, body) == Verdict.STALE  # a replay, too late
    future = Verifier([SECRET], clock=lambda: 1_750_000_000 - 301)
    assert future.check("POST", "/hooks?x=1", headers, body) == Verdict.STALE
    bad_time = headers | {TIMESTAMP_HEADER.lower(): "yesterday"}
    assert at.check("POST", "/hooks?x=1", bad_time, body) == Verdict.FORGED
    bare = headers | {SIGNATURE_HEADER.lower(): signature.removeprefix("v1=")}
    assert at.check("POST", "/hooks?x=1", bare, body) == Verdict.FORGED


async def test_no_secret_no_webhook() -> None:
    with pytest.raises(Refused, match="no secret"):
        await SENDER.post("http://127.0.0.1:9/x", EVENT, "d-6", [])


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
        await SENDER.post(receiver.url("/alerts"), EVENT, "delivery-3", [SECRET])
    assert str(status) in str(raised.value)


async def test_a_receiver_that_is_down_is_retried() -> None:
    with pytest.raises(Unavailable):
        await SENDER.post(f"http://127.0.0.1:{free_port()}/x", EVENT, "d-4", [SECRET])


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
            await HttpWebhookSender(timeout=1).post(f"http://127.0.0.1:{port}/x", EVENT, "d-5", [SECRET])
    finally:
        server.close()
        await server.wait_closed()


def readme_recipe() -> dict[str, Any]:
    """The README's receiver, as a reader would paste it (``handle`` is theirs to write)."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("### Webhooks") :]
    code = section[section.index("```python\n") + len("```python\n") :]
    namespace: dict[str, Any] = {"handled": []}
    exec(code[: code.index("```")] + "\ndef handle(event):\n    handled.append(event)\n", namespace)
    return namespace


async def test_the_readmes_recipe_takes_our_events_once_and_refuses_the_rest(receiver: HttpReceiver) -> None:
    recipe = readme_recipe()
    recipe["SECRETS"] = [SECRET]
    await SENDER.post(receiver.url("/seller"), EVENT, "delivery-r", [SECRET])
    [sent] = receiver.requests
    headers = {name.title(): value for name, value in sent.headers.items()}

    def receive(headers: dict[str, str], path: str = "/seller") -> int:
        answer: int = recipe["receive"]("POST", path, headers, sent.body)
        return answer

    assert receive(headers) == 200 and recipe["handled"] == [EVENT]
    assert receive(headers) == 200 and recipe["handled"] == [EVENT]  # a copy: dropped
    assert receive(headers, "/alerts") == 401  # taken to another path
    old = str(int(time.time()) - 600)
    stale = headers | {
        "X-Jamla24-Timestamp": old,
        "X-Jamla24-Delivery": "delivery-s",
        "X-Jamla24-Signature": sign(SECRET, old, "delivery-s", "POST", "/seller", sent.body),
    }
    assert receive(stale) == 401 and recipe["handled"] == [EVENT]
    recipe["SECRETS"] = ["another-receivers-secret"]
    assert receive(headers | {"X-Jamla24-Delivery": "delivery-t"}) == 401
