"""`python -m kb check|ask|chat|query|eval|gaps`."""

import os
import signal

from kb.cli import main

try:
    code = main()
except KeyboardInterrupt:
    # Ctrl+C (a first encoding of the articles takes a minute): no traceback, and ended by
    # SIGINT all the same, so that a script running the command stops too.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGINT)
    code = 128 + signal.SIGINT  # where a signal does not end the process at once
raise SystemExit(code)
