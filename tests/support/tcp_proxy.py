"""A small TCP proxy of our own for fault tests: put it between services and the broker or the database,
then add delay, reset every connection, or pause the traffic.

It runs in a subprocess (`python -m tests.support.tcp_proxy LISTEN_PORT TARGET_HOST TARGET_PORT`, asyncio), so
an eventlet-patched test process does not carry it, and it is controlled by lines on its stdin, each answered
with one line on its stdout:

    delay SECONDS   every chunk is forwarded SECONDS after it arrived (latency, not a bandwidth cap)
    reset           every open connection is closed with a TCP RST (SO_LINGER 0), both sides
    pause           nothing is forwarded and new connections wait (a partition without RSTs)
    resume          forwarding goes on; what was held is delivered
    stats           "ok connections=<open> accepted=<total> resets=<connections reset so far>"

    proxy = TcpProxy(target_port=5672).start()   # proxy.port is where clients connect
    proxy.reset(); proxy.delay(0.05); proxy.pause(); proxy.resume(); proxy.stop()
"""
from __future__ import annotations

import asyncio
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

CHUNK = 65536


class _Proxy:
    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.delay = 0.0
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.connections: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self.accepted = 0
        self.resets = 0

    async def handle(self, client_reader, client_writer):
        self.accepted += 1
        await self.flowing.wait()
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            _abort(client_writer)
            return
        pair = (client_writer, upstream_writer)
        self.connections.add(pair)
        try:
            await asyncio.gather(self.pump(client_reader, upstream_writer), self.pump(upstream_reader, client_writer))
        finally:
            self.connections.discard(pair)
            for writer in pair:
                writer.close()

    async def pump(self, reader, writer):
        """Read chunks as they come; a second task writes each `delay` seconds after its arrival."""
        queue: asyncio.Queue = asyncio.Queue()

        async def write():
            while True:
                item = await queue.get()
                if item is None:
                    break
                due, data = item
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                await self.flowing.wait()
                writer.write(data)
                await writer.drain()
            if writer.can_write_eof():
                writer.write_eof()

        writing = asyncio.ensure_future(write())
        try:
            while True:
                await self.flowing.wait()
                data = await reader.read(CHUNK)
                if not data:
                    break
                queue.put_nowait((time.monotonic() + self.delay, data))
            queue.put_nowait(None)
            await writing
        except (OSError, asyncio.CancelledError):
            writing.cancel()
            _abort(writer)

    def reset(self) -> int:
        pairs = list(self.connections)
        for pair in pairs:
            for writer in pair:
                _abort(writer)
        self.resets += len(pairs)
        return len(pairs)

    def command(self, line: str) -> str:
        words = line.split()
        if not words:
            return "error empty command"
        if words[0] == "delay" and len(words) == 2:
            self.delay = max(0.0, float(words[1]))
            return "ok"
        if words[0] == "reset":
            return f"ok {self.reset()}"
        if words[0] == "pause":
            self.flowing.clear()
            return "ok"
        if words[0] == "resume":
            self.flowing.set()
            return "ok"
        if words[0] == "stats":
            return f"ok connections={len(self.connections)} accepted={self.accepted} resets={self.resets}"
        return f"error unknown command {words[0]!r}"


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close with RST: SO_LINGER on, timeout 0."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    transport = writer.transport
    if not transport.is_closing():
        transport.abort()


async def _serve(listen_port: int, target_host: str, target_port: int) -> None:
    proxy = _Proxy(target_host, target_port)
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", listen_port)
    loop = asyncio.get_running_loop()
    done = asyncio.Event()

    def read_commands():
        for line in sys.stdin:
            future = asyncio.run_coroutine_threadsafe(_run(proxy.command, line), loop)
            print(future.result(), flush=True)
        loop.call_soon_threadsafe(done.set)  # stdin closed: the controlling process has gone

    port = server.sockets[0].getsockname()[1]
    print(f"listening {port}", flush=True)
    threading.Thread(target=read_commands, daemon=True).start()
    await done.wait()
    server.close()
    proxy.reset()


async def _run(function, line):
    return function(line)


class TcpProxy:
    """The controlling side: starts the proxy subprocess and sends it commands."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1", listen_port: int = 0):
        self.target = (target_host, target_port)
        self.listen_port = listen_port
        self.popen: subprocess.Popen | None = None
        self.port: int | None = None
        self._lock = threading.Lock()

    def start(self) -> "TcpProxy":
        root = Path(__file__).resolve().parents[2]
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "tests.support.tcp_proxy", str(self.listen_port), self.target[0],
             str(self.target[1])], cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        first = self.popen.stdout.readline().split()
        if first[:1] != ["listening"]:
            self.stop()
            raise RuntimeError(f"tcp proxy did not start: {first}")
        self.port = int(first[1])
        return self

    def send(self, command: str) -> str:
        with self._lock:
            self.popen.stdin.write(command + "\n")
            self.popen.stdin.flush()
            answer = self.popen.stdout.readline().strip()
        if not answer.startswith("ok"):
            raise RuntimeError(f"tcp proxy refused {command!r}: {answer}")
        return answer

    def delay(self, seconds: float) -> None:
        self.send(f"delay {seconds}")

    def reset(self) -> int:
        return int(self.send("reset").split()[1])

    def pause(self) -> None:
        self.send("pause")

    def resume(self) -> None:
        self.send("resume")

    def stats(self) -> dict:
        return dict(item.split("=") for item in self.send("stats").split()[1:])

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        try:
            self.popen.stdin.close()
            self.popen.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.popen.kill()
            self.popen.wait(timeout=5)


if __name__ == "__main__":
    asyncio.run(_serve(int(sys.argv[1]), sys.argv[2], int(sys.argv[3])))
