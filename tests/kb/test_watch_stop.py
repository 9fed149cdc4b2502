"""Stopping the bot never waits out a KB reload: a first encoding can take minutes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.bot.support import REPO

# The watcher starts a first (deferred) encoding with an encoder that never finishes, then the
# process is told to stop, as SIGTERM tells the bot.
SCRIPT = textwrap.dedent(
    """
    import asyncio, sys, threading
    import kb.service
    from kb.service import KnowledgeBase
    from tests.kb.encoders import WordsEncoder

    started = threading.Event()

    class Endless(WordsEncoder):
        def encode(self, texts):
            started.set()
            threading.Event().wait()  # a first encoding that outlasts any stop

    kb.service.ENCODE_BEFORE_SERVING = 0
    base = KnowledgeBase(sys.argv[1], encoder=Endless(), serve_first=True)

    async def main():
        watching = asyncio.create_task(base.watch(0.1))
        while not started.is_set():
            await asyncio.sleep(0.05)
        watching.cancel()
        print("stopped", flush=True)

    asyncio.run(main())
    """
)


def test_a_stop_during_a_first_encoding_ends_the_process(sample_kb: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(sample_kb)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,  # the old behaviour: waiting for ever
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "stopped"
