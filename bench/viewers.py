"""Bare WebSocket viewers for the benchmarks, and the small sums they share.

A full WebSocket client library is itself the bottleneck past about 1,000 viewers, so a viewer
is an asyncio protocol that parses frames and takes the time as bytes arrive.
"""

from __future__ import annotations

import asyncio
import base64
import os
import time
from pathlib import Path

CONNECT_CONCURRENCY = 100


class Viewer(asyncio.Protocol):
    """A WebSocket client that records (seq, arrival time) per text frame, when it opened and
    when its first text frame came, and nothing more."""

    def __init__(self, host: str, path: str, origin: str) -> None:
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nOrigin: {origin}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        self.opened: asyncio.Future = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.buffer = bytearray()
        self.upgraded = False
        self.receipts: list[tuple[int, float]] = []
        self.frame_size = 0
        self.transport: asyncio.Transport | None = None
        # perf_counter() times of the 101 answer and of the first text frame, of any type.
        self.opened_at: float | None = None
        self.first_frame_at: float | None = None
        # Set to a list to keep every text frame whose payload holds `keep_marker`, with its
        # arrival time (bench/poll_storm.py reads the counts in them afterwards).
        self.kept: list[tuple[bytes, float]] | None = None
        self.keep_marker = b""

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("closed during the handshake"))
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        buffer = self.buffer
        buffer += data
        if not self.upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buffer.startswith(b"HTTP/1.1 101"):
                self.opened.set_exception(ConnectionError(bytes(buffer[:60])))
                self.transport.close()
                return
            del buffer[: end + 4]
            self.upgraded = True
            self.opened_at = now
            self.opened.set_result(None)
        while len(buffer) >= 2:
            length, offset = buffer[1] & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    return
                length, offset = int.from_bytes(buffer[2:4], "big"), 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                length, offset = int.from_bytes(buffer[2:10], "big"), 10
            if len(buffer) < offset + length:
                return
            opcode = buffer[0] & 0x0F
            if opcode == 0x1:
                if self.first_frame_at is None:
                    self.first_frame_at = now
                at = buffer.find(b'"seq":', offset, offset + length)
                if at >= 0:
                    start = at + 6
                    stop = start
                    while 48 <= buffer[stop] <= 57:
                        stop += 1
                    self.receipts.append((int(buffer[start:stop]), now))
                    self.frame_size = length
                if (
                    self.kept is not None
                    and buffer.find(self.keep_marker, offset, offset + 40) >= 0
                ):
                    self.kept.append((bytes(buffer[offset : offset + length]), now))
            elif opcode == 0x9:  # ping: pong with the same payload, masked with a zero key
                payload = bytes(buffer[offset : offset + length])
                self.transport.write(bytes([0x8A, 0x80 | length]) + b"\0\0\0\0" + payload)
            elif opcode == 0x8:
                self.transport.close()
            del buffer[: offset + length]

    def close(self) -> None:
        if self.transport and not self.transport.is_closing():
            self.transport.write(b"\x88\x82\0\0\0\0\x03\xe8")  # close 1000, masked
            self.transport.close()


async def open_viewers(port: int, path: str, count: int) -> list[Viewer]:
    loop = asyncio.get_running_loop()
    limit = asyncio.Semaphore(CONNECT_CONCURRENCY)
    origin = f"http://127.0.0.1:{port}"

    async def one() -> Viewer:
        async with limit:
            for attempt in range(5):
                try:
                    _, viewer = await loop.create_connection(
                        lambda: Viewer(f"127.0.0.1:{port}", path, origin), "127.0.0.1", port
                    )
                    await asyncio.wait_for(viewer.opened, 30)
                    return viewer
                except (OSError, ConnectionError, TimeoutError):
                    await asyncio.sleep(0.2 * (attempt + 1))
            raise ConnectionError(f"could not open a viewer on port {port}")

    return list(await asyncio.gather(*(one() for _ in range(count))))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, max(0, int(len(values) * share + 0.5) - 1))]
