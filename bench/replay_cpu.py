"""CPU per workflow run in the sandbox: the worker's runner versus the SDK's default, and no sandbox.

Not a test. Needs nothing running:

    python -m bench.replay_cpu -n 50

Each replay of a recorded history builds a fresh sandbox, as a worker does for every new dispute and
for every dispute its cache let go. It prints the process CPU time per replay, for the opening of a
dispute alone and for a whole investigated dispute: with the SDK's default sandbox, with models and pure
modules passed through, with the worker's runner (passed through, and payloads encoded without asking
the sandbox for their context), and with no sandbox at all (the floor). The histories are
encrypted (``v8``, under the tests' key), so decrypting their payloads is counted, as in a worker.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from tests.payload_keys import TEST_DATA_CONVERTER
from worker import WORKFLOW_RUNNER, WORKFLOWS, cache_bytecode, workflow_runner

HISTORIES = Path(__file__).resolve().parents[1] / "tests" / "histories"
SCENARIOS = {
    "opening only": "v8-resolved_at_first_contact",
    "investigated and resolved": "v8-investigated_and_resolved",
}


async def cpu_per_replay(replayer: Replayer, history: WorkflowHistory, n: int) -> float:
    """CPU ms per run: ``n`` replays on one worker, each run in a sandbox of its own."""

    async def copies() -> AsyncIterator[WorkflowHistory]:
        for _ in range(n):
            yield history

    await replayer.replay_workflow(history)  # warm: imports outside the sandbox happen once per process
    start = time.process_time()
    await replayer.replay_workflows(copies())
    return (time.process_time() - start) / n * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=50, help="replays per scenario and runner")
    args = parser.parse_args()
    cache_bytecode()  # as the worker does
    runners = {
        "default": SandboxedWorkflowRunner(),
        "passed through": WORKFLOW_RUNNER,
        # and payloads encoded without asking the sandbox for their context: the worker's runner
        "worker's": workflow_runner(True, TEST_DATA_CONVERTER),
        "no sandbox": UnsandboxedWorkflowRunner(),  # the floor: what the sandbox itself costs
    }
    print(f"CPU ms per replay (n={args.n}):")
    for label, name in SCENARIOS.items():
        history = WorkflowHistory.from_json(name, (HISTORIES / f"{name}.json").read_text())
        figures = {}
        for runner_label, runner in runners.items():
            replayer = Replayer(
                workflows=WORKFLOWS, data_converter=TEST_DATA_CONVERTER, workflow_runner=runner
            )
            figures[runner_label] = await cpu_per_replay(replayer, history, args.n)
        default, passed, ours, floor = figures.values()
        print(
            f"  {label:<26} {len(history.events):>4} events: SDK default sandbox {default:6.1f} ms, "
            f"passed through {passed:6.1f} ms, the worker's {ours:6.1f} ms ({default / ours:.1f}x less), "
            f"no sandbox {floor:6.1f} ms"
        )


if __name__ == "__main__":
    asyncio.run(main())
