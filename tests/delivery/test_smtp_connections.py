"""SMTP connections kept open between messages, against a real aiosmtpd server: reused, never a message
sent twice, closed when stale, full or no longer wanted."""

from __future__ import annotations

import asyncio

import pytest

from activities.channels import Refused, Unavailable
from activities.email import SmtpSender
from infra.delivery_settings import DeliverySettings
from tests.delivery.servers import SmtpSink
from tests.delivery.test_email import message


async def test_messages_one_after_another_share_one_connection(
    smtp: SmtpSink, settings: DeliverySettings
) -> None:
    sender = SmtpSender(settings)
    for _ in range(3):
        await sender.send(message())

    assert len(smtp.mails) == 3
    assert smtp.connections == 1


async def test_messages_at_once_each_have_a_connection_of_their_own_and_keep_it(
    smtp: SmtpSink, settings: DeliverySettings
) -> None:
    sender = SmtpSender(settings)
    await asyncio.gather(*(sender.send(message()) for _ in range(3)))
    await asyncio.gather(*(sender.send(message()) for _ in range(3)))

    assert len(smtp.mails) == 6
    assert smtp.connections == 3


async def test_a_connection_the_server_closed_while_idle_is_left_and_the_message_sent(
    smtp: SmtpSink, settings: DeliverySettings
) -> None:
    sender = SmtpSender(settings)
    await sender.send(message())
    smtp.hang_up()
    await asyncio.sleep(0.05)  # the client hears the connection go
    await sender.send(message())

    assert len(smtp.mails) == 2
    assert smtp.connections == 2


async def test_a_server_that_hangs_up_at_mail_gets_the_message_once_on_a_new_connection(
    smtp: SmtpSink, settings: DeliverySettings
) -> None:
    sender = SmtpSender(settings)
    await sender.send(message())
    smtp.hang_up_at.add("MAIL")  # 421 as the idle connection is taken again: nothing of it went out
    await sender.send(message("karim@example.ma"))

    assert [mail.rcpt_tos for mail in smtp.mails] == [["salma@example.ma"], ["karim@example.ma"]]
    assert smtp.connections == 2


async def test_a_connection_lost_once_the_content_went_is_not_sent_again_here(
    smtp: SmtpSink, settings: DeliverySettings
) -> None:
    sender = SmtpSender(settings)
    await sender.send(message())
    smtp.hang_up_at.add("DATA")  # it has the message, and hangs up before it answers
    with pytest.raises(Unavailable):
        await sender.send(message("karim@example.ma"))

    # The outbox's retry resends it with the same Message-ID; this send did not.
    assert [mail.rcpt_tos for mail in smtp.mails] == [["salma@example.ma"], ["karim@example.ma"]]
    await sender.send(message("amina@example.ma"))
    assert len(smtp.mails) == 3
    assert smtp.connections == 2


async def test_a_refusal_closes_its_connection_and_the_next_message_goes(
    smtp: SmtpSink, settings: DeliverySettings
) -> None:
    smtp.refuse.add("gone@example.ma")
    sender = SmtpSender(settings)
    with pytest.raises(Refused):
        await sender.send(message("gone@example.ma"))
    await sender.send(message())

    assert [mail.rcpt_tos for mail in smtp.mails] == [["salma@example.ma"]]
    assert smtp.connections == 2


async def test_a_connection_carries_at_most_its_limit_of_messages(
    smtp: SmtpSink, settings: DeliverySettings
) -> None:
    sender = SmtpSender(settings.model_copy(update={"smtp_messages_per_connection": 2}))
    for _ in range(5):
        await sender.send(message())

    assert len(smtp.mails) == 5
    assert smtp.connections == 3
    async with asyncio.timeout(5):
        await smtp.said_goodbye(2)
    assert smtp.goodbyes == 2


async def test_a_connection_idle_longer_than_allowed_is_closed_not_reused(
    smtp: SmtpSink, settings: DeliverySettings
) -> None:
    sender = SmtpSender(settings.model_copy(update={"smtp_idle_timeout": 0.05}))
    await sender.send(message())
    await asyncio.sleep(0.1)
    await sender.send(message())

    assert smtp.connections == 2
    async with asyncio.timeout(5):
        await smtp.said_goodbye(1)
    assert smtp.goodbyes == 1


async def test_with_no_idle_connections_allowed_each_message_has_its_own(
    smtp: SmtpSink, settings: DeliverySettings
) -> None:
    sender = SmtpSender(settings.model_copy(update={"smtp_connections": 0}))
    await sender.send(message())
    await sender.send(message())

    assert smtp.connections == 2


async def test_closing_says_goodbye_on_the_idle_connections(
    smtp: SmtpSink, settings: DeliverySettings
) -> None:
    sender = SmtpSender(settings)
    await asyncio.gather(sender.send(message()), sender.send(message()))
    await sender.close()

    assert smtp.goodbyes == 2
    await sender.send(message())  # a sender closed early still sends, on a new connection
    assert smtp.connections == 3
