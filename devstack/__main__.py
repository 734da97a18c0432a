"""``python -m devstack``: the whole service on this machine, until Ctrl-C.

``python -m devstack keys ...``: the API's key commands against its database (``devstack.keys``).
"""

import asyncio
import sys

from devstack import keys, stack

if sys.argv[1:2] == ["keys"]:
    sys.exit(keys.main(sys.argv[2:]))
sys.exit(asyncio.run(stack.main()))
