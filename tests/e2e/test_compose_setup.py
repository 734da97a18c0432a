"""The compose stack's temporal-setup script, run for real with the Temporal CLI against the dev server.

Docker is not needed for this part: the script only speaks to Temporal. It must create the namespace
and our search attributes, and running it again (every ``docker compose up``) must change nothing.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import yaml
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client

from devstack.binaries import find_binary
from workflows.search_attributes import ALL

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy/temporal/setup-namespace.sh"


async def run_setup(environment: dict[str, str]) -> None:
    process = await asyncio.create_subprocess_exec(
        "sh", str(SCRIPT), env=environment,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, out.decode()


async def test_temporal_setup_creates_the_namespace_and_search_attributes(
    temporal_dev_server: str, temporal_client: Client
) -> None:
    service = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["temporal-setup"]
    namespace = f"compose-{uuid.uuid4().hex[:8]}"  # a fresh one: the session's has them already
    path = f"{Path(find_binary('temporal')).parent}{os.pathsep}{os.environ['PATH']}"
    environment = {**os.environ, **service["environment"], "PATH": path}
    environment |= {"TEMPORAL_ADDRESS": temporal_dev_server, "TEMPORAL_NAMESPACE": namespace}

    await run_setup(environment)
    await run_setup(environment)  # again, as on every start of the stack

    listed = await temporal_client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    custom = dict(listed.custom_attributes)
    assert {key.name: custom.get(key.name) for key in ALL} == {
        key.name: int(key.indexed_value_type) for key in ALL
    }
