"""``python -m devstack`` comes up, stops cleanly on Ctrl-C, and comes back up on the same data."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import re
import signal
import sys
from email.message import EmailMessage
from pathlib import Path

import httpx
from temporalio.client import Client, WorkflowExecutionStatus

from devstack.processes import Child, free_port

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT = 40.0  # seconds; a first start creates the PostgreSQL cluster
STOP_TIMEOUT = 30.0
WORKERS = 2


def devstack(data_dir: Path, log_file: Path, ports: dict[str, int]) -> Child:
    # The embedded PostgreSQL, and the stack's own payload key (not the tests').
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "PAYLOAD_KEYS")}
    env |= {"DEVSTACK_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", "WORKERS": str(WORKERS)}
    env |= {name: str(port) for name, port in ports.items()}
    return Child("devstack", [sys.executable, "-m", "devstack"], env=env, cwd=ROOT, log_file=log_file)


async def wait_until_up(stack: Child, ports: dict[str, int]) -> Client:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + READY_TIMEOUT
    async with httpx.AsyncClient() as http:
        while True:
            assert stack.returncode is None, f"devstack exited early:\n{stack.log_tail()}"
            assert loop.time() < deadline, f"devstack not up in {READY_TIMEOUT} s:\n{stack.log_tail()}"
            try:
                response = await http.get(f"http://127.0.0.1:{ports['API_PORT']}/healthz")
                if response.json() == {"status": "ok"}:
                    return await Client.connect(f"127.0.0.1:{ports['TEMPORAL_PORT']}")
            except (httpx.HTTPError, RuntimeError):
                pass
            await asyncio.sleep(0.2)


async def interrupt(stack: Child, log_file: Path, data_dir: Path) -> None:
    """Ctrl-C: the stack exits with 0 and leaves no process behind."""
    stack.process.send_signal(signal.SIGINT)
    code = await asyncio.wait_for(stack.wait(), STOP_TIMEOUT)
    output = await asyncio.to_thread(log_file.read_text)
    assert code == 0, output
    pids = [int(pid) for pid in re.findall(r"started \(pid (\d+)\)", output)]
    assert len(pids) == 3 + WORKERS, output  # temporal, mailbox, the workers, api
    for pid in pids:
        # Each child leads its own process group: an empty group means it and its children are gone.
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            continue
        raise AssertionError(f"process group {pid} survived the devstack:\n{output}")
    assert not (data_dir / "postgres" / "postmaster.pid").exists(), "PostgreSQL is still running"


async def test_devstack_starts_stops_and_restarts_on_the_same_data(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    names = ("API_PORT", "TEMPORAL_PORT", "TEMPORAL_UI_PORT", "MAILBOX_PORT", "WORKER_METRICS_PORT")
    ports = {name: free_port() for name in names}

    first_log = tmp_path / "first.log"
    async with devstack(data_dir, first_log, ports) as stack:
        client = await wait_until_up(stack, ports)
        # Nobody polls this queue: the workflow stays running, like a dispute waiting on a timer.
        await client.start_workflow("NoSuchWorkflow", id="devstack-restart-check", task_queue="nobody")
        dispute_id = await an_email_lands_in_the_mail_folder(data_dir, ports)
        key_file = data_dir / "payload-keys"
        assert key_file.stat().st_mode & 0o777 == 0o600  # made on the first start, for its owner only
        first_key = key_file.read_text()
        await the_local_ui_decodes_through_the_api(stack, ports)
        async with httpx.AsyncClient() as http:  # each worker's Prometheus endpoint, and the API's
            workers = [
                (await http.get(f"http://127.0.0.1:{ports['WORKER_METRICS_PORT'] + i}/metrics")).text
                for i in range(WORKERS)
            ]
            api_metrics = await http.get(f"http://127.0.0.1:{ports['API_PORT']}/metrics")
        assert all("temporal_worker_task_slots" in metrics for metrics in workers)
        assert sum("disputes_opened{" in metrics for metrics in workers) == 1  # the one that opened it
        assert 'api_requests_total{method="POST",route="/disputes",status="201"} 1.0' in api_metrics.text
        await interrupt(stack, first_log, data_dir)

    second_log = tmp_path / "second.log"
    async with devstack(data_dir, second_log, ports) as stack:
        client = await wait_until_up(stack, ports)
        description = await client.get_workflow_handle("devstack-restart-check").describe()
        assert description.status == WorkflowExecutionStatus.RUNNING
        assert "none pending" in await asyncio.to_thread(second_log.read_text)  # the schema was kept
        # The same key: what the first run stored in Temporal still decrypts.
        assert key_file.read_text() == first_key
        assert await read_from_the_workflow(data_dir, ports, dispute_id) == "yasmine@example.ma"
        await interrupt(stack, second_log, data_dir)


async def read_from_the_workflow(data_dir: Path, ports: dict[str, int], dispute_id: str) -> str:
    """The dispute's customer e-mail as the workflow answers it (a worker replays its history), not from
    the read model, which answers while the restarted workers are not yet up."""
    headers = {"X-API-Key": local_keys(data_dir)["OPERATOR_KEY"]}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports['API_PORT']}", headers=headers) as http:
        for _ in range(100):
            view = await http.get(f"/disputes/{dispute_id}")
            assert view.status_code == 200, view.text
            if view.json()["source"] == "workflow":
                return str(view.json()["customer"]["email"])
            await asyncio.sleep(0.2)
    raise AssertionError(f"no worker answered for dispute {dispute_id}")


def local_keys(data_dir: Path) -> dict[str, str]:
    return dict(
        line.removeprefix("export ").split("=", 1)
        for line in (data_dir / "local-keys.env").read_text().splitlines()
    )


async def the_local_ui_decodes_through_the_api(stack: Child, ports: dict[str, int]) -> None:
    """The dev server's UI is told where to decode, and the API decodes for that UI's pages."""
    output = await asyncio.to_thread(stack.log_file.read_text) if stack.log_file else ""
    (temporal_pid,) = re.findall(r"temporal started \(pid (\d+)\)", output)
    command = (await asyncio.to_thread(Path(f"/proc/{temporal_pid}/cmdline").read_bytes)).split(b"\0")
    endpoint = f"http://localhost:{ports['API_PORT']}/codec"
    assert command[command.index(b"--ui-codec-endpoint") + 1].decode() == endpoint
    body = {
        "payloads": [{"metadata": {"encoding": "anNvbi9wbGFpbg=="}, "data": "IkhpIg=="}]
    }  # json/plain "Hi"
    origin = f"http://localhost:{ports['TEMPORAL_UI_PORT']}"
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"{endpoint}/decode", json=body, headers={"Origin": origin, "X-Namespace": "default"}
        )
    assert answer.status_code == 200, answer.text
    assert answer.headers["access-control-allow-origin"] == origin


async def an_email_lands_in_the_mail_folder(data_dir: Path, ports: dict[str, int]) -> str:
    """A dispute opened with the printed intake key: its acknowledgement is a file a person can read."""
    keys = await asyncio.to_thread(local_keys, data_dir)
    body = {
        "customer": {"id": "C-1", "name": "Yasmine", "email": "yasmine@example.ma", "language": "fr"},
        "order_id": "O-1",
        "seller_id": "S-1001",
        "channel": "chat",
        "category": "not_delivered",
        "description": "Parcel not delivered.",
    }
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports['API_PORT']}") as http:
        response = await http.post("/disputes", json=body, headers={"X-API-Key": keys["INTAKE_KEY"]})
    assert response.status_code == 201, response.text
    dispute_id, reference = response.json()["dispute_id"], response.json()["reference"]
    for _ in range(150):
        mails = list((data_dir / "mail").glob("*.eml"))
        texts = [await asyncio.to_thread(m.read_text) for m in mails]
        found = [text for text in texts if dispute_id in text and "yasmine@example.ma" in text]
        if found:
            await its_link_opens_the_disputes_page(found[0], reference, ports)
            return str(dispute_id)
        await asyncio.sleep(0.1)
    raise AssertionError(f"no acknowledgement for {dispute_id} in {data_dir / 'mail'}")


async def its_link_opens_the_disputes_page(eml: str, reference: str, ports: dict[str, int]) -> None:
    """The acknowledgement carries the customer's link, on the local API's address, and it works."""
    message = email.message_from_string(eml, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    base = f"http://localhost:{ports['API_PORT']}/c/"
    (link,) = [line for line in body.get_content().splitlines() if line.startswith(base)]
    async with httpx.AsyncClient() as http:
        page = await http.get(link.replace("localhost", "127.0.0.1"))
    assert page.status_code == 200 and reference in page.text
