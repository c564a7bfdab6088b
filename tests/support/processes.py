"""switchy commands run as separate processes, read line by line."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path


class Switchy:
    """One ``python -m switchy ...`` process; ``expect`` reads its output up to a line."""

    def __init__(self, *args: str, cwd: Path | None = None) -> None:
        self.args = args
        self.cwd = cwd
        self.process: asyncio.subprocess.Process | None = None
        self.lines: list[str] = []
        self._drain: asyncio.Task[None] | None = None

    async def start(self) -> Switchy:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        if self.cwd is not None:  # its modules importable (a dialplan's Python functions)
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(self.cwd), env.get("PYTHONPATH")]))
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "switchy", *self.args, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, env=env, cwd=self.cwd)
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def expect(self, text: str, timeout: float = 30) -> str:
        """The first line (read from now on or before) containing ``text``."""
        assert self.process is not None and self.process.stdout is not None
        for line in self.lines:
            if text in line:
                return line
        async with asyncio.timeout(timeout):
            while True:
                raw = await self.process.stdout.readline()
                if not raw:
                    raise AssertionError(f"exited before printing {text!r}:\n" + "".join(self.lines[-40:]))
                line = raw.decode(errors="replace")
                self.lines.append(line)
                if text in line:
                    return line

    def drain(self) -> None:
        """Keep reading its output in the background (so it never blocks on a full pipe)."""
        assert self.process is not None and self.process.stdout is not None
        stdout = self.process.stdout

        async def read() -> None:
            while raw := await stdout.readline():
                self.lines.append(raw.decode(errors="replace"))

        self._drain = asyncio.get_running_loop().create_task(read())

    async def wait(self, timeout: float = 30) -> int:
        """Its exit status, once it exited and all its output was read."""
        assert self.process is not None and self.process.stdout is not None
        async with asyncio.timeout(timeout):
            if self._drain is not None:
                await self._drain
            else:
                rest = await self.process.stdout.read()
                self.lines += rest.decode(errors="replace").splitlines(keepends=True)
            return await self.process.wait()

    def signal(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(sig)

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.kill()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.process.wait(), 10)

    @property
    def output(self) -> str:
        return "".join(self.lines)


def write_dialplan(directory: Path, text: str, name: str = "plan.swr") -> Path:
    path = directory / name
    path.write_text(text)
    return path
