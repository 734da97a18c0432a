"""``/webhooks/whatsapp``: the Cloud API's subscription handshake and its status callbacks. No API key:
Meta proves itself with the verify token (GET) and the app secret's signature (POST)."""

from __future__ import annotations

import json
from functools import cache
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse

from api import whatsapp_status
from api.deps import ClientDep, PoolDep, TaskQueueDep
from infra.delivery_settings import WhatsAppWebhookSettings
from workflows.late_refusal import WhatsAppFailedWorkflow, start_options

router = APIRouter(tags=["webhooks"])


@cache
def webhook_settings() -> WhatsAppWebhookSettings:
    """The environment's webhook settings (tests override this dependency)."""
    return WhatsAppWebhookSettings()


SettingsDep = Annotated[WhatsAppWebhookSettings, Depends(webhook_settings)]


@router.get(
    "/webhooks/whatsapp", response_class=PlainTextResponse, summary="WhatsApp: subscription handshake"
)
async def verify(
    settings: SettingsDep,
    mode: Annotated[str, Query(alias="hub.mode")] = "",
    token: Annotated[str, Query(alias="hub.verify_token")] = "",
    challenge: Annotated[str, Query(alias="hub.challenge")] = "",
) -> str:
    """Answer the challenge when the verify token is ours (``WHATSAPP_VERIFY_TOKEN``); 403 otherwise."""
    expected = settings.whatsapp_verify_token
    if mode != "subscribe" or expected is None or token != expected.get_secret_value():
        raise HTTPException(403, "verification refused")
    return challenge


@router.post("/webhooks/whatsapp", summary="WhatsApp: message statuses")
async def statuses(
    request: Request, settings: SettingsDep, pool: PoolDep, client: ClientDep, task_queue: TaskQueueDep
) -> dict[str, int]:
    """Record the statuses of a POST signed with ``WHATSAPP_APP_SECRET``; 403 for any other. A message
    reported failed is sent by the customer's next channel."""
    if settings.whatsapp_app_secret is None:
        raise HTTPException(503, "WHATSAPP_APP_SECRET is not set")
    body = await request.body()
    secret = settings.whatsapp_app_secret.get_secret_value()
    if not whatsapp_status.signed(secret, body, request.headers.get(whatsapp_status.SIGNATURE_HEADER)):
        raise HTTPException(403, "bad signature")
    try:
        payload = json.loads(body)
    except ValueError:
        raise HTTPException(400, "not JSON") from None
    reported = whatsapp_status.statuses(payload)
    recorded = await whatsapp_status.record(pool, reported)
    # Before answering: if Temporal is down, the 503 makes Meta send the webhook again.
    for message_id, notification_id in await whatsapp_status.failed_messages(pool, reported):
        options = start_options(notification_id)
        await client.start_workflow(WhatsAppFailedWorkflow.run, message_id, task_queue=task_queue, **options)
    return {"recorded": recorded}
