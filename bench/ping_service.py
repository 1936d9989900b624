"""The bare nameko RPC service of bench/latency.py's baseline: one round trip, no work."""
from nameko.rpc import rpc


class PingService:
    name = "bench_ping"

    @rpc
    def ping(self):
        return "pong"
