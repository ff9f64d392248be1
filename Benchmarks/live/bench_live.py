"""live: the trading path on the WebSocket API, end to end on loopback, with its own baselines.

    stand-in --market--> feed -> ring -> book -> ring -> signal -> ring -> exec --order.place--> stand-in

Tick-to-wire: the stand-in (Tests/LivePeer/binance_api_server.py) is both the market (the BTCUSDT
recording, TLS WebSocket streams and HTTPS snapshots, as feed --live reads Binance) and the
WebSocket API exec trades on. In lockstep (--market-lockstep-ms) it writes one market message,
then waits for an order request or 10 ms: an order in that window is the message's, and its time
is from just before the stand-in wrote the message to the stand-in reading the order's bytes off
its socket (decrypted, as they reach websockets; both perf_counter_ns in one process). What the
stand-in's Python spends after that, in websockets and asyncio before its request loop sees the
order, is printed beside it and not counted: it is the stand-in's, not the path's. Every process
is the release tool, wired as run.sh wires them (rings, --idle block, exec --venue binance-spot
with an Ed25519 session). The wire is cut where exec wrote the order (the venue journal's `t_ns`)
into the message's way to exec and the order's way back.

Beside it, from the same run: exec's internal tick-to-order (--latency: CLOCK_REALTIME at the
order minus feed's receive time of the message), and the measured TLS round trip: a Python
WebSocket client on loopback sending `time` requests to the same stand-in, one at a time. Target:
wire p50 <= 1.5 x internal p50 + the round trip's p50 (the wire adds the stand-in's write, feed's
TLS read, exec's TLS write and the stand-in's read to what exec measures).

Signing: sign-bench builds exec's order.place request on a session logged on with Ed25519 (no
signature per request) and signed by itself with an HMAC key, and times the Ed25519 signature a
session.logon costs once per connection.

    bench_live.py TOOLS_DIR BENCH_DIR SHARED_DIR [seconds]
"""
import json
import os
import re
import ssl
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pipeline"))
from bench_pipeline import finish, pipeline  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
API_KEY = "benchKey0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def tls_round_trips(port, cert, count=2000):
    """`time` requests one at a time over a TLS WebSocket to the stand-in: round trips in ns."""
    from websockets.sync.client import connect
    context = ssl.create_default_context(cafile=cert)
    samples = []
    with connect(f"wss://127.0.0.1:{port}/ws-api/v3", ssl=context) as connection:
        for index in range(count):
            start = time.perf_counter_ns()
            connection.send(json.dumps({"id": index, "method": "time"}))
            connection.recv()
            samples.append(time.perf_counter_ns() - start)
    return samples[count // 10:]  # the first tenth warms up


def wire_legs(orders, venue_journal):
    """Each order's tick-to-wire cut where exec wrote it (the venue journal's `t_ns`, stamped just
    before the write): the market message's write by the stand-in, from the message's write to
    exec's write (feed's read, the rings, signal, exec), and from exec's write to the stand-in's
    read. CLOCK_REALTIME on both sides, one machine."""
    written = {}
    with open(venue_journal) as journal:
        for line in journal:
            record = json.loads(line)
            client = record.get("sent", {}).get("params", {}).get("newClientOrderId")
            if client:
                written[client] = record["t_ns"]
    legs = {"market_send": [], "to_exec_write": [], "exec_write_to_read": [], "loop_lag": []}
    for order in orders:
        exec_write = written.get(order.get("client"))
        if exec_write is None:
            continue
        legs["market_send"].append(order["market_send_ns"])
        legs["loop_lag"].append(order["loop_lag_ns"])
        legs["to_exec_write"].append(exec_write - order["market_sent_wall_ns"])
        legs["exec_write_to_read"].append(order["order_read_wall_ns"] - exec_write)
    return legs


def main():
    tools, bench, shared = sys.argv[1:4]
    seconds = int(sys.argv[4]) if len(sys.argv) > 4 else 60
    with tempfile.TemporaryDirectory() as scratch:
        cert, cert_key = f"{scratch}/cert.pem", f"{scratch}/key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", cert_key, "-out", cert,
                        "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)
        private, public = f"{scratch}/ed25519.pem", f"{scratch}/ed25519.pub.pem"
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", private], check=True, capture_output=True)
        os.chmod(private, 0o600)
        subprocess.run(["openssl", "pkey", "-in", private, "-pubout", "-out", public], check=True, capture_output=True)

        signing = subprocess.run([f"{bench}/sign-bench", private], capture_output=True, text=True, check=True).stdout
        sign = dict(field.split("=") for field in signing.split())

        server = subprocess.Popen(
            [sys.executable, f"{ROOT}/Tests/LivePeer/binance_api_server.py", "--cert", cert, "--key", cert_key,
             "--api-key", API_KEY, "--ed25519-public-key", public, "--exchange-info",
             f"{shared}/data/cryptofeed/BINANCE.0", "--market-recording",
             f"{shared}/data/binance-spot/btcusdt_20240808.gz", "--market-lockstep-ms", "10", "--balance", "BTC:10",
             "--balance", "USDT:1000000"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ports = json.loads(server.stdout.readline())
        wire, orders = [], []

        def read():
            for line in server.stdout:
                fields = json.loads(line)
                if "tick_to_wire_ns" in fields:
                    wire.append(fields["tick_to_wire_ns"])
                    orders.append(fields)
        threading.Thread(target=read, daemon=True).start()

        rtt = tls_round_trips(ports["port"], cert)

        env = dict(os.environ, TICKPIPE_BINANCE_WS_URL=f"wss://127.0.0.1:{ports['port']}",
                   TICKPIPE_BINANCE_REST_URL=f"https://127.0.0.1:{ports['rest_port']}",
                   TICKPIPE_BINANCE_WS_API_URL=f"wss://127.0.0.1:{ports['port']}/ws-api/v3", TICKPIPE_CA_FILE=cert,
                   TICKPIPE_BINANCE_API_KEY=API_KEY, TICKPIPE_BINANCE_KEY_FILE=private)
        session = f"live{os.getpid()}"
        procs = pipeline(tools, ["--live", "BTCUSDT", "--duration", str(seconds)], "block", session,
                         f"{scratch}/journal", env=env, latency=True,
                         exec_args=("--max-position", "1", "--venue", "binance-spot", "--venue-journal",
                                    f"{scratch}/venue.jsonl"))
        results = finish(procs, timeout=seconds + 120)
        server.terminate()
        server.wait()
        for name, (status, err) in results.items():
            if status != 0:
                sys.exit(f"live: {name} exited {status}: {err[-2000:]}")
        internal = re.search(r"tick-to-order ns p50=(\d+) p99=(\d+) p999=(\d+) max=(\d+) n=(\d+)", results["exec"][1])
        if not internal or len(wire) < 20:
            sys.exit(f"live: too few orders to measure ({len(wire)} on the wire): {results['exec'][1][-2000:]}")
        internal_p50, internal_p99 = int(internal.group(1)), int(internal.group(2))
        legs = wire_legs(orders, f"{scratch}/venue.jsonl")
        quote = re.search(r"tick-to-quote ns p50=(\d+) p99=(\d+)", results["signal"][1])
        print(f"tick-to-quote (signal): p50 {int(quote.group(1)) / 1000:.1f} us, p99 {int(quote.group(2)) / 1000:.1f} us"
              if quote else "tick-to-quote: not printed")

    us = lambda ns: ns / 1000
    wire_p50, wire_p99 = percentile(wire, 0.5), percentile(wire, 0.99)
    rtt_p50, rtt_p99 = percentile(rtt, 0.5), percentile(rtt, 0.99)
    target = 1.5 * internal_p50 + rtt_p50
    print(f"tick-to-wire ({len(wire)} orders, {seconds} s): p50 {us(wire_p50):.1f} us, p99 {us(wire_p99):.1f} us")
    print(f"internal tick-to-order (exec, n={internal.group(5)}): p50 {us(internal_p50):.1f} us, "
          f"p99 {us(internal_p99):.1f} us")
    print(f"TLS WebSocket round trip (Python client, loopback, n={len(rtt)}): p50 {us(rtt_p50):.1f} us, "
          f"p99 {us(rtt_p99):.1f} us")
    if legs["to_exec_write"]:
        p50 = {name: percentile(values, 0.5) for name, values in legs.items()}
        print(f"tick-to-wire by leg (p50, n={len(legs['to_exec_write'])}): the stand-in's write of the message "
              f"{us(p50['market_send']):.1f} us; its write to exec's write {us(p50['to_exec_write']):.1f} us; "
              f"exec's write to the stand-in's read {us(p50['exec_write_to_read']):.1f} us; then the stand-in's "
              f"websockets to its request loop {us(p50['loop_lag']):.1f} us (not counted)")
    print(f"target: wire p50 <= 1.5 x internal p50 + round trip p50 = {us(target):.1f} us: "
          f"{'met' if wire_p50 <= target else 'NOT met'} ({wire_p50 / target:.2f} of it)")
    print(f"order.place request: {sign['order_session_ns']} ns on an Ed25519 session, {sign['order_hmac_ns']} ns "
          f"signed with HMAC (+{sign['hmac_extra_ns']} ns per order); Ed25519 logon signature "
          f"{int(sign['ed25519_logon_ns']) / 1000:.1f} us once per connection")
    print(f"RESULT live wire_p50_us={us(wire_p50):.1f} wire_p99_us={us(wire_p99):.1f} "
          f"internal_p50_us={us(internal_p50):.1f} internal_p99_us={us(internal_p99):.1f} "
          f"tls_rtt_p50_us={us(rtt_p50):.1f} wire_to_target={wire_p50 / target:.2f} orders={len(wire)} "
          f"order_session_ns={sign['order_session_ns']} hmac_extra_ns={sign['hmac_extra_ns']} "
          f"ed25519_logon_us={int(sign['ed25519_logon_ns']) / 1000:.1f}")


if __name__ == "__main__":
    main()
