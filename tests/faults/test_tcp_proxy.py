"""The fault suite's TCP proxy (tests/support/tcp_proxy.py) does what the scenarios rely on: it forwards, adds
delay, resets every connection with an RST, and holds traffic while paused, against a small echo server."""
import socket
import socketserver
import threading
import time

import pytest

from tests.support.tcp_proxy import TcpProxy


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while data := self.request.recv(4096):
            self.request.sendall(data)


@pytest.fixture
def proxy():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Echo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    started = TcpProxy(server.server_address[1]).start()
    yield started
    started.stop()
    server.shutdown()
    server.server_close()


def round_trip(sock, data=b"ping") -> float:
    started = time.monotonic()
    sock.sendall(data)
    assert sock.recv(4096) == data
    return time.monotonic() - started


def test_forwards_delays_resets_and_pauses(proxy):
    sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
    assert round_trip(sock) < 0.5
    proxy.delay(0.2)
    assert round_trip(sock) >= 0.4  # 0.2 s each way
    proxy.delay(0)

    proxy.pause()
    sock.sendall(b"held")
    sock.settimeout(0.5)
    with pytest.raises(socket.timeout):
        sock.recv(4096)
    proxy.resume()
    sock.settimeout(5)
    assert sock.recv(4096) == b"held"

    assert proxy.reset() == 1
    try:
        closed = sock.recv(4096) == b""
    except ConnectionResetError:
        closed = True
    assert closed, "the connection survived the reset"
    sock.close()
    assert proxy.stats()["resets"] == "1"
    fresh = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
    assert round_trip(fresh) < 0.5  # new connections go through after a reset
    fresh.close()
