"""``python -m devstack``: the whole service on this machine, until Ctrl-C."""

import asyncio
import sys

from devstack.stack import main

sys.exit(asyncio.run(main()))
