"""JSON lines between a client driver and the test, shared by the Python drivers.

A driver prints one JSON object per line on stdout:

- ``{"event": {...}}`` for every RTM event the client hands to the application, as it
  handed it (acknowledgements included, where the client passes them on);
- ``{"status": NAME, ...}`` for the client's own life cycle (``connected``, ``open``,
  ``close``, ``error``, ``stopped``);
- ``{"done": COMMAND}`` once a command has been carried out (``{"failed": COMMAND,
  "detail": ...}`` if it raised).

It reads one JSON object per line on stdin: ``{"send": {...}}`` (the client's raw send),
``{"send_message": {"channel": ..., "text": ...}}`` (the client's own message helper, where
it has one), ``{"stop": true}``; end of input means stop too. Logging goes to stderr.

Runs under every venv's interpreter (Python 3.11), so it uses the standard library only.
"""

import json
import os
import sys
import threading

_write_lock = threading.Lock()


def emit(**fields):
    """Write one JSON line to stdout, whole, from any thread."""
    line = json.dumps(fields, default=repr)
    with _write_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def setting(name):
    """A required setting from the environment the test gives the driver."""
    value = os.environ.get(name)
    if not value:
        sys.exit(f"{name} is not set")
    return value


def read_commands(handle):
    """Call ``handle(command)`` for each stdin line on a daemon thread; EOF is a stop."""

    def run():
        for line in sys.stdin:
            if line.strip():
                handle(json.loads(line))
        handle({"stop": True})

    thread = threading.Thread(target=run, name="commands", daemon=True)
    thread.start()
    return thread


def command_name(command):
    """The command's verb: its only key."""
    return next(iter(command))
