"""Process plumbing shared by the worker and the API: settings, connections, migrations, logs.

It imports neither the API nor the local stack (``devstack``), which builds on it.
"""
