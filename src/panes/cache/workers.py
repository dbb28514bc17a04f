"""What a worker process can tell about the server it runs in: whether it is one of several.

Several workers of one server each sign with their own secret unless ``PANES_SECRET`` is set,
and each keep their own cache: both need to know. ``panes start`` says it in the environment;
other servers (uvicorn, gunicorn, granian) are recognised by their usual settings.
"""

from __future__ import annotations

import os

#: The worker count ``panes start`` hands its workers.
ENV_WORKERS = "PANES_WORKERS"


def several_workers() -> bool:
    """Whether this process is one of several workers, as far as can be told from outside:
    the worker count the usual servers read from the environment or their command line."""
    for name in (ENV_WORKERS, "WEB_CONCURRENCY", "GRANIAN_WORKERS"):
        if os.environ.get(name, "").isdigit() and int(os.environ[name]) > 1:
            return True
    return _parent_workers() > 1


def _parent_workers() -> int:
    """``--workers N`` / ``-w N`` on the command line of this process or its parent."""
    for pid in (os.getpid(), os.getppid()):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        for i, arg in enumerate(argv):
            value = None
            if arg in ("--workers", "-w") and i + 1 < len(argv):
                value = argv[i + 1]
            elif arg.startswith("--workers="):
                value = arg.partition("=")[2]
            if value is not None and value.isdigit():
                return int(value)
    return 1
