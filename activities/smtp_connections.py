"""SMTP connections kept open between messages.

A connection, its greeting, EHLO, TLS and login cost more than the message sent on it, for the worker and
for the mail server alike. Idle connections wait here, the most recent first, and each goes back only
after a message it carried was taken in full; anything else that went wrong on it closes it.

A connection the server closed while it was idle is found out before the message's content goes out (at
``MAIL``): the message then goes on a new connection. Once ``DATA`` has begun, a failure is raised and the
message is never sent again here; the outbox's retry sends it with the same Message-ID.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from typing import Literal

import aiosmtplib
from aiosmtplib.typing import Default

from infra.delivery_settings import DeliverySettings

_CLOSING = 421  # "service not available, closing transmission channel": an idle server hanging up


class _Smtp(aiosmtplib.SMTP):
    """Knows whether the current message's content has begun to go out."""

    data_begun = False

    async def data(
        self,
        message: str | bytes,
        /,
        *,
        timeout: float | Literal[Default.token] | None = Default.token,  # noqa: ASYNC109 (aiosmtplib's)
    ) -> aiosmtplib.SMTPResponse:
        self.data_begun = True
        return await super().data(message, timeout=timeout)


@dataclass
class _Idle:
    smtp: _Smtp
    sent: int  # messages this connection has carried
    since: float  # when it went idle (the clock's seconds)


class SmtpConnections:
    """Sends each message on an idle connection to the settings' server, or on a new one.

    Keeps at most ``smtp_connections`` idle, none idle longer than ``smtp_idle_timeout``, and closes a
    connection once it has carried ``smtp_messages_per_connection`` messages (servers limit them).
    """

    def __init__(
        self,
        settings: DeliverySettings,
        local_hostname: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._local_hostname = local_hostname
        self._clock = clock
        self._idle: deque[_Idle] = deque()  # the oldest on the left
        self._closing: set[asyncio.Task[None]] = set()

    async def send(self, message: Message) -> None:
        """Send ``message``; raise what aiosmtplib raised if it was not taken."""
        reused = self._take()
        if reused is not None:
            try:
                await self._transact(reused.smtp, message)
            except (aiosmtplib.SMTPException, OSError) as error:
                if reused.smtp.data_begun or not _hung_up(error):
                    raise
            else:
                self._release(reused.smtp, reused.sent + 1)
                return
        smtp = await self._open()
        await self._transact(smtp, message)
        self._release(smtp, 1)

    async def close(self) -> None:
        """Say goodbye on every idle connection (a stopping worker)."""
        while self._idle:
            self._retire(self._idle.pop().smtp)
        if self._closing:
            await asyncio.wait(self._closing)

    def _take(self) -> _Idle | None:
        """The most recently used idle connection still open and fresh enough; closes the stale ones."""
        limit = self._settings.smtp_idle_timeout
        while self._idle and self._clock() - self._idle[0].since > limit:
            self._retire(self._idle.popleft().smtp)
        while self._idle:
            idle = self._idle.pop()
            if idle.smtp.is_connected:
                return idle
            idle.smtp.close()
        return None

    async def _open(self) -> _Smtp:
        s = self._settings
        smtp = _Smtp(
            hostname=s.smtp_host,
            port=s.port,
            username=s.smtp_username,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            use_tls=s.smtp_tls == "tls",
            # False, not None: None would upgrade opportunistically, which "none" rules out.
            start_tls=s.smtp_tls == "starttls",
            timeout=s.smtp_timeout,
            local_hostname=self._local_hostname,
        )
        try:
            await smtp.connect()
        except BaseException:
            smtp.close()
            raise
        return smtp

    async def _transact(self, smtp: _Smtp, message: Message) -> None:
        smtp.data_begun = False
        try:
            await smtp.send_message(message)
        except BaseException:
            # Its state is unknown (half a transaction, a timeout mid-answer): never reused.
            smtp.close()
            raise

    def _release(self, smtp: _Smtp, sent: int) -> None:
        s = self._settings
        if sent >= s.smtp_messages_per_connection or len(self._idle) >= s.smtp_connections:
            self._retire(smtp)
        else:
            self._idle.append(_Idle(smtp, sent, self._clock()))

    def _retire(self, smtp: _Smtp) -> None:
        """QUIT, off the send's path: the message is taken, and a slow goodbye must not make its send
        look failed (its retry would send it twice)."""
        if not smtp.is_connected:
            smtp.close()
            return
        task = asyncio.create_task(_quit(smtp))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)


def _hung_up(error: BaseException) -> bool:
    """The server had closed the idle connection: nothing of this message went out."""
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return error.code == _CLOSING
    return isinstance(error, ConnectionError)


async def _quit(smtp: aiosmtplib.SMTP) -> None:
    try:
        await smtp.quit()
    except (aiosmtplib.SMTPException, OSError):
        pass  # gone already: nothing left to say goodbye to
    finally:
        smtp.close()
