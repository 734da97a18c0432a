"""The local development stack (``make run``, ``python -m devstack``) and the tooling tests share with it.

Real servers as child processes (the Temporal CLI's dev server, an embedded PostgreSQL, a mailbox that
keeps every e-mail), started and stopped in order, around the production processes. Nothing the
service runs in production imports this package; it is not part of the image.
"""
