"""Text that Temporal shows without the codec: a dispute's summary, its timers' and activities' summaries.

Every other payload is encrypted (``infra.codec``). These are what operators read in Temporal UI and the
CLI without a key, so they hold ids and states only, never a customer's details: whoever writes one
vouches for that by wrapping it, ``PublicText("5 days: SLA breach")``.
"""

from __future__ import annotations


class PublicText(str):
    """A ``str`` (the SDK takes it wherever it takes a summary) that the data converter leaves readable.

    The converter goes by ``readable_without_codec``, not by the class: the workflow sandbox may hold a
    copy of this module, and so of the class, of its own.
    """

    __slots__ = ()
    readable_without_codec = True
