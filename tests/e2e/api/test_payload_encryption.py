"""Customer data never reaches Temporal in clear: not in a dispute's history, its description, a list, a
query's answer, nor the server's database file; operators read it through the codec endpoint.

A dispute is opened and worked through the API, on the real worker and dev server, with a marker in
each of the customer's name, e-mail address and phone number, the complaint, an answer and findings.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
from google.protobuf import json_format
from google.protobuf.message import Message
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.query.v1 import WorkflowQuery
from temporalio.api.workflowservice.v1 import (
    DescribeWorkflowExecutionRequest,
    ListWorkflowExecutionsRequest,
    QueryWorkflowRequest,
)
from temporalio.client import Client

from devstack.temporal_dev import TemporalDevServer
from tests.e2e.api.conftest import Keys
from tests.e2e.api.helpers import act, auth, intake_body
from tests.e2e.conftest import NAMESPACE

Json = dict[str, Any]


def markers() -> dict[str, str]:
    """Distinctive strings, one for each piece of customer data, new for each run."""
    run = uuid.uuid4().hex[:6]
    digits = f"{int(run, 16) % 10**6:06d}"
    return {
        "name": f"Nawal Kzq{run}",
        "email": f"kzq{run}@example.ma",
        "phone": f"6619{digits[:5]}",  # the number's national digits, as the workflow keeps them (E.164)
        "description": f"Kzq{run}-complaint parcel crushed",
        "answer": f"Kzq{run}-answer photo sent",
        "findings": f"Kzq{run}-findings carrier dropped it",
    }


def readable(value: Any) -> str:
    """Every string in a JSON document, and every payload's ``data`` base64-decoded: all a reader sees."""
    if isinstance(value, dict):
        parts = [readable(item) for item in value.values()]
        if isinstance(value.get("data"), str):
            parts.append(base64.b64decode(value["data"]).decode(errors="replace"))
        return "\n".join(parts)
    if isinstance(value, list):
        return "\n".join(readable(item) for item in value)
    return str(value)


def as_json(message: Message) -> Json:
    found: Json = json_format.MessageToDict(message)
    return found


def payloads_in(value: Any) -> list[Json]:
    """Every payload (``{"metadata": ..., "data": ...}``) in a JSON document."""
    if isinstance(value, dict):
        found = [value] if isinstance(value.get("metadata"), dict) and "encoding" in value["metadata"] else []
        return found + [p for item in value.values() for p in payloads_in(item)]
    if isinstance(value, list):
        return [p for item in value for p in payloads_in(item)]
    return []


def absent(marks: dict[str, str], text: str, where: str) -> None:
    for what, mark in marks.items():
        assert mark not in text, f"the customer's {what} shows in {where}"


async def work_through(http: httpx.AsyncClient, keys: Keys, marks: dict[str, str]) -> str:
    """A dispute opened, refused an action, questioned, answered, given findings: its id."""
    customer = {"id": "C-kzq", "name": marks["name"], "email": marks["email"], "phone": f"0{marks['phone']}"}
    body = intake_body(keys, customer=customer | {"language": "fr"}, description=marks["description"])
    response = await http.post("/disputes", json=body, headers=auth(keys.intake))
    assert response.status_code == 201, response.text
    dispute_id: str = response.json()["dispute_id"]

    # A refusal still answers 409 with the workflow's reason, although failures' messages are encrypted.
    response = await act(http, keys.agent1, dispute_id, "information-requests", {"questions": ["Photo?"]})
    assert response.status_code == 409, response.text
    assert "agent of tier 2, resolution team, or above" in response.json()["detail"]

    steps: list[tuple[str, str, Json]] = [
        (keys.agent2, "information-requests", {"questions": ["A photo of the box?"]}),
        (keys.intake, "information", {"answer": marks["answer"]}),
        (keys.agent2, "findings", {"findings": marks["findings"]}),
    ]
    for token, action, payload in steps:
        response = await act(http, token, dispute_id, action, payload)
        assert response.status_code == 200, response.text
    return dispute_id


async def test_customer_data_is_encrypted_everywhere_temporal_keeps_it(
    http: httpx.AsyncClient, keys: Keys, temporal_client: Client, temporal_dev: TemporalDevServer
) -> None:
    marks = markers()
    dispute_id = await work_through(http, keys, marks)
    workflow_id = f"dispute-{dispute_id}"
    execution = WorkflowExecution(workflow_id=workflow_id)
    service = temporal_client.workflow_service

    # The history as the server hands it out (`temporal workflow show`, Temporal UI): payloads encrypted.
    history = json.loads((await temporal_client.get_workflow_handle(workflow_id).fetch_history()).to_json())
    absent(marks, readable(history), "the history")
    encodings = {base64.b64decode(p["metadata"]["encoding"]) for p in payloads_in(history)}
    assert encodings == {b"binary/encrypted", b"json/plain"}  # the readable summaries are JSON
    # ... and what shows without the codec is the summaries, ids and states only.
    clear = [p for p in payloads_in(history) if base64.b64decode(p["metadata"]["encoding"]) == b"json/plain"]
    assert any(dispute_id in base64.b64decode(p["data"]).decode() for p in clear)

    # Describe, list and a query's answer (`temporal workflow describe`, `list`, `query`).
    description = await service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(namespace=NAMESPACE, execution=execution)
    )
    listed = await service.list_workflow_executions(
        ListWorkflowExecutionsRequest(namespace=NAMESPACE, query=f"WorkflowId = '{workflow_id}'")
    )
    answer = await service.query_workflow(
        QueryWorkflowRequest(
            namespace=NAMESPACE, execution=execution, query=WorkflowQuery(query_type="state")
        )
    )
    for where, message in (("describe", description), ("list", listed), ("a query's answer", answer)):
        absent(marks, readable(as_json(message)), where)
    assert dispute_id in readable(as_json(description))  # the check reads what is there

    # The server's database file, every byte of it (and of its write-ahead log).
    files = temporal_dev.db_file.parent.glob("temporal.db*")
    stored = b"".join(await asyncio.gather(*(asyncio.to_thread(Path.read_bytes, f) for f in files)))
    assert workflow_id.encode() in stored  # the check reads what is there
    for what, mark in marks.items():
        assert mark.encode() not in stored, f"the customer's {what} is in temporal.db"

    # An operator decodes them all through the codec endpoint, as Temporal UI and the CLI do.
    response = await http.post(
        "/codec/decode",
        json={"payloads": payloads_in(history)},
        headers=auth(keys.operator) | {"X-Namespace": NAMESPACE},
    )
    assert response.status_code == 200, response.text
    decoded = readable(response.json())
    for what, mark in marks.items():
        assert mark in decoded, f"the customer's {what} does not decode"
