"""Process plumbing shared by the worker, the API and the local stack: settings, connections, migrations."""
