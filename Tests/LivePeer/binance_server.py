"""A loopback stand-in for Binance, for the live feed's end-to-end test: the same protocols
(WebSocket combined streams over TLS, REST over HTTPS), real recorded messages.

    wss://127.0.0.1:<ws_port>/stream?streams=...   replays the recording's stream messages
    https://127.0.0.1:<rest_port>/api/v3/depth     a snapshot of the replayed book *now*
    https://127.0.0.1:<rest_port>/api/v3/exchangeInfo   from a recorded exchangeInfo

The server keeps its own book (the recording's REST snapshot, then every diff it has sent), so
a client that reconnects mid-stream gets a snapshot that bridges the stream where it resumes,
as on the real venue. It pings the client every --ping-interval seconds and counts the pongs,
closes the first connection (code 1001, "going away") after --disconnect-after messages, and can
leave one depth update out of the stream (--drop-depth N) to make a gap.

Prints one JSON line with the ports when ready, and one JSON line with counters when every
message has been sent; then idles until killed.
"""
import argparse
import asyncio
import gzip
import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import websockets


def read_recording(paths):
    """The stream messages (receive time in ns, raw JSON text) and the first REST snapshot, in
    receive order."""
    messages, snapshot = [], None
    for path in paths:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt") as lines:
            for line in lines:
                stamp, payload = line.split(" ", 1)
                payload = payload.strip()
                if payload.startswith('{"lastUpdateId"'):
                    snapshot = snapshot or json.loads(payload)
                else:
                    messages.append((int(stamp), payload))
    return messages, snapshot


class Book:
    """The venue's book as the stream has moved it: absolute quantities, "0" deletes."""

    def __init__(self, snapshot):
        self.lock = threading.Lock()
        self.update_id = snapshot["lastUpdateId"]
        self.sides = {"bids": {p: q for p, q in snapshot["bids"]}, "asks": {p: q for p, q in snapshot["asks"]}}

    def apply(self, data):
        with self.lock:
            if data["u"] <= self.update_id:
                return
            for key, side in (("b", "bids"), ("a", "asks")):
                for price, quantity in data[key]:
                    if float(quantity) == 0:
                        self.sides[side].pop(price, None)
                    else:
                        self.sides[side][price] = quantity
            self.update_id = data["u"]

    def snapshot(self, limit):
        with self.lock:
            bids = sorted(self.sides["bids"].items(), key=lambda level: -float(level[0]))[:limit]
            asks = sorted(self.sides["asks"].items(), key=lambda level: float(level[0]))[:limit]
            return {"lastUpdateId": self.update_id, "bids": [list(l) for l in bids], "asks": [list(l) for l in asks]}


class MarketReplay:
    """A recording served as Binance serves the market: the stream on a WebSocket connection,
    snapshots and exchangeInfo over HTTPS (a thread of its own). `on_message(envelope)` is
    called for every message as it is sent (a venue matching orders against the same market).
    `speed`: 0 as fast as the client reads, else that many times the recorded pace."""

    def __init__(self, recordings, exchange_info, context, speed=0.0, disconnect_after=0, ping_interval=0.2,
                 drop_depth=0, on_message=None):
        self.messages, recorded_snapshot = read_recording(recordings)
        self.book = Book(recorded_snapshot)
        with open(exchange_info) as source:
            text = source.readline()
            self.exchange_info = text[text.index("{"):].strip()
        self.counters = {"connections": 0, "sent": 0, "pongs": 0, "snapshots": 0, "exchange_info": 0,
                         "dropped": 0}
        self.speed, self.disconnect_after, self.ping_interval = speed, disconnect_after, ping_interval
        self.drop_depth, self.on_message = drop_depth, on_message
        self.depth_seen = 0
        self.next = 0
        self.last_sent_ns = 0  # perf_counter_ns just before the last message was written
        self.last_sent_wall_ns = 0  # the same moment in CLOCK_REALTIME, as the tools stamp theirs
        self.last_send_ns = 0  # how long writing it took (TLS and the socket, in this process)
        self.finished = asyncio.Event()
        replay = self

        class REST(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlparse(self.path)
                if url.path == "/api/v3/depth":
                    query = parse_qs(url.query)
                    body = json.dumps(replay.book.snapshot(int(query.get("limit", ["1000"])[0]))).encode()
                    replay.counters["snapshots"] += 1
                elif url.path == "/api/v3/exchangeInfo":
                    body = replay.exchange_info.encode()
                    replay.counters["exchange_info"] += 1
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *arguments):
                pass

        self.rest = ThreadingHTTPServer(("127.0.0.1", 0), REST)
        self.rest.socket = context.wrap_socket(self.rest.socket, server_side=True)
        threading.Thread(target=self.rest.serve_forever, daemon=True).start()

    @property
    def rest_port(self):
        return self.rest.server_address[1]

    async def pinger(self, connection):
        while True:
            await asyncio.sleep(self.ping_interval)
            waiter = await connection.ping()
            await asyncio.wait_for(waiter, timeout=5)
            self.counters["pongs"] += 1

    async def stream(self, connection):
        """One client's stream, from where the last connection left off."""
        self.counters["connections"] += 1
        first = self.counters["connections"] == 1
        pings = asyncio.ensure_future(self.pinger(connection))
        sent_here = 0
        loop = asyncio.get_running_loop()
        try:
            while self.next < len(self.messages):
                if first and self.disconnect_after and sent_here >= self.disconnect_after:
                    await connection.close(code=1001, reason="going away")
                    return
                stamp, text = self.messages[self.next]
                if self.speed > 0:
                    if sent_here == 0:
                        origin = (loop.time(), stamp)
                    wait = origin[0] + (stamp - origin[1]) / 1e9 / self.speed - loop.time()
                    if wait > 0:
                        await asyncio.sleep(wait)
                envelope = json.loads(text)
                is_depth = envelope["data"].get("e") == "depthUpdate"
                if is_depth:
                    self.depth_seen += 1
                if is_depth and self.depth_seen == self.drop_depth:
                    self.counters["dropped"] += 1  # the book still moves: only the message is lost
                else:
                    self.last_sent_wall_ns = time.time_ns()
                    self.last_sent_ns = time.perf_counter_ns()
                    await connection.send(text)
                    self.last_send_ns = time.perf_counter_ns() - self.last_sent_ns
                if is_depth:
                    self.book.apply(envelope["data"])
                if self.on_message:
                    await self.on_message(envelope)
                self.next += 1
                sent_here += 1
                self.counters["sent"] += 1
                if self.speed == 0 and sent_here % 64 == 0:
                    await asyncio.sleep(0.001)
            if not self.finished.is_set():
                self.finished.set()
                print(json.dumps({"done": True, **self.counters}), flush=True)
            await connection.wait_closed()
        except websockets.ConnectionClosed:
            pass  # the client went away (a feed stopped); the next connection resumes the stream
        finally:
            pings.cancel()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--recording", nargs="+", required=True)
    parser.add_argument("--exchange-info", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--disconnect-after", type=int, default=0)
    parser.add_argument("--ping-interval", type=float, default=0.2)
    parser.add_argument("--drop-depth", type=int, default=0,
                        help="never send the Nth depth update (a gap in the venue's stream)")
    args = parser.parse_args()

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)

    async def serve():
        replay = MarketReplay(args.recording, args.exchange_info, context, disconnect_after=args.disconnect_after,
                              ping_interval=args.ping_interval, drop_depth=args.drop_depth)
        async with websockets.serve(replay.stream, "127.0.0.1", 0, ssl=context, ping_interval=None,
                                    max_size=None) as server:
            ws_port = server.sockets[0].getsockname()[1]
            print(json.dumps({"ws_port": ws_port, "rest_port": replay.rest_port}), flush=True)
            await asyncio.Future()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
