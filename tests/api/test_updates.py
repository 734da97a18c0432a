"""One mapping of an update's outcome for every route: a refusal is a 409, no worker in time a 503."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from fastapi import HTTPException
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.exceptions import ApplicationError

from api import updates
from workflows.options import ACTION_REFUSED


async def _answer(error: BaseException, what: str = "action") -> HTTPException:
    with pytest.raises(HTTPException) as caught:
        async with updates.answered(what):
            raise error
    return caught.value


async def test_no_answer_from_the_server_in_time_is_503_with_retry_after() -> None:
    answer = await _answer(WorkflowUpdateRPCTimeoutOrCancelledError(), what="change")
    assert (answer.status_code, answer.headers) == (503, {"Retry-After": "5"})
    assert "No worker took the change within 10 s" in answer.detail
    assert "same Idempotency-Key" in answer.detail


async def test_a_call_outlasting_the_action_timeout_is_a_503(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(updates, "ACTION_TIMEOUT", timedelta(milliseconds=50))
    with pytest.raises(HTTPException) as caught:
        async with updates.answered("action"):
            await asyncio.sleep(5)
    assert caught.value.status_code == 503


async def test_the_workflows_refusal_is_409_with_its_reason_and_other_failures_stay_errors() -> None:
    refused = WorkflowUpdateFailedError(ApplicationError("Tier 1 may not act now.", type=ACTION_REFUSED))
    answer = await _answer(refused)
    assert (answer.status_code, answer.detail) == (409, "Tier 1 may not act now.")
    broken = WorkflowUpdateFailedError(ApplicationError("a bug", type="ValueError"))
    with pytest.raises(WorkflowUpdateFailedError):
        async with updates.answered("action"):
            raise broken
