"""The API's metrics (``GET /metrics``, no key) and its JSON log lines: route templates, never ids or PII
in labels; the dispute id in a log line's own field."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from devstack.processes import Child, free_port
from infra.logs import JsonFormatter
from tests.e2e.api.conftest import Keys
from tests.e2e.api.helpers import act, auth, intake_body, open_dispute
from tests.e2e.conftest import NAMESPACE, ROOT

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(http: httpx.AsyncClient) -> tuple[str, Samples]:
    response = await http.get("/metrics")  # no key: Prometheus scrapers carry none
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return response.text, samples


def requests(samples: Samples, method: str, route: str, status: int) -> float:
    labels = (("method", method), ("route", route), ("status", str(status)))
    return samples.get(("api_requests_total", labels), 0.0)


async def test_requests_are_counted_and_timed_by_route_template(http: httpx.AsyncClient, keys: Keys) -> None:
    _, before = await scrape(http)
    dispute_id = (await open_dispute(http, keys))["dispute_id"]
    assert (await http.get(f"/disputes/{dispute_id}", headers=auth(keys.agent1))).status_code == 200
    assert (await http.get(f"/disputes/{dispute_id}", headers=auth(keys.other_seller))).status_code == 403
    assert (await http.get("/no-such-thing/D-123")).status_code == 404
    text, after = await scrape(http)

    def counted(method: str, route: str, status: int) -> float:
        return requests(after, method, route, status) - requests(before, method, route, status)

    assert counted("POST", "/disputes", 201) == 1
    assert counted("GET", "/disputes/{dispute_id}", 200) == 1
    assert counted("GET", "/disputes/{dispute_id}", 403) == 1
    assert counted("GET", "<unmatched>", 404) == 1
    latency = ("api_request_duration_seconds_count", (("method", "GET"), ("route", "/disputes/{dispute_id}")))
    assert after[latency] - before.get(latency, 0.0) == 2
    assert "api_request_duration_seconds_bucket" in text and "process_cpu_seconds_total" in text
    # Labels hold templates only: no id, no raw path, no key, nothing of the customer.
    for leak in (dispute_id, "no-such-thing", keys.agent1, keys.other_seller_id, "Amina"):
        assert leak not in text


async def test_an_action_logs_one_json_line_with_the_dispute_id_and_no_pii(
    http: httpx.AsyncClient, keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="api.access")
    body = intake_body(keys)
    opened = await http.post("/disputes", json=body, headers=auth(keys.intake))
    assert opened.status_code == 201, opened.text
    dispute_id = opened.json()["dispute_id"]
    reason = "Le client exige une enquête: colis 55120 perdu."
    escalated = await act(http, keys.agent1, dispute_id, "escalate", {"reason": reason})
    assert escalated.status_code == 200, escalated.text

    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "api.access"]
    by_route = {line["http_route"]: line for line in lines}
    assert by_route["/disputes"] | {"time": "", "duration_ms": 0, "message": ""} == {
        "time": "",
        "level": "info",
        "logger": "api.access",
        "message": "",
        "dispute_id": dispute_id,  # the id it opened, from its Location
        "http_method": "POST",
        "http_route": "/disputes",
        "http_status": 201,
        "duration_ms": 0,
    }
    action = by_route["/disputes/{dispute_id}/escalate"]
    assert (action["dispute_id"], action["http_method"], action["http_status"]) == (dispute_id, "POST", 200)
    assert action["message"].startswith("POST /disputes/{dispute_id}/escalate 200 ")
    assert isinstance(action["duration_ms"], float)
    # Nothing of the request bodies: the customer's name, e-mail, phone, the agent's reason, the key.
    written = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    customer = body["customer"]
    for leak in (customer["name"], customer["email"], "39 42 01 42", "+212539420142", reason, keys.agent1):
        assert leak not in written


async def test_the_served_api_writes_json_lines(
    temporal_dev_server: str, database_url: str, worker: Child, keys: Keys, tmp_path: Path
) -> None:
    """``uvicorn api.app:app`` as deployed: from the app's start, every line on stderr is JSON."""
    port = free_port()
    env = os.environ | {
        "TEMPORAL_ADDRESS": temporal_dev_server,
        "TEMPORAL_NAMESPACE": NAMESPACE,
        "DATABASE_URL": database_url,
        "PYTHONUNBUFFERED": "1",
    }
    argv = [sys.executable, "-m", "uvicorn", "api.app:app", "--host", "127.0.0.1", "--port", str(port)]
    log_file = tmp_path / "api.log"
    async with (
        Child("api", argv, env=env, cwd=ROOT, log_file=log_file) as api,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http,
    ):
        for _ in range(150):
            assert api.returncode is None, api.log_tail()
            try:
                if (await http.get("/healthz")).status_code == 200:
                    break
            except httpx.TransportError:
                await asyncio.sleep(0.1)
        dispute_id = (await open_dispute(http, keys))["dispute_id"]
        assert (
            await http.get(f"/disputes/{dispute_id}?x=secret", headers=auth(keys.agent1))
        ).status_code == 200
        assert await api.stop() in (0, -signal.SIGTERM), api.log_tail()
    text = await asyncio.to_thread(log_file.read_text)
    # uvicorn writes its first two lines before the app's lifespan configures logging.
    app_lines = text.split("Waiting for application startup.\n", 1)[1].splitlines()
    lines = [json.loads(line) for line in app_lines if line.strip()]
    messages = [line["message"] for line in lines]
    assert "Application startup complete." in messages and "Application shutdown complete." in messages
    assert all(line["dispute_id"] == dispute_id for line in lines if line["logger"] == "api")
    requests = [line for line in lines if line["logger"] == "api.access"]
    assert [(r["http_method"], r["http_route"], r.get("dispute_id")) for r in requests] == [
        ("POST", "/disputes", dispute_id),
        ("GET", "/disputes/{dispute_id}", dispute_id),
    ]  # /healthz is debug-level; uvicorn's own access lines (raw path, query, address) are gone
    assert "secret" not in text and "Amina" not in text and 'HTTP/1.1"' not in text
