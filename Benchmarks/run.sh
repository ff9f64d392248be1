#!/usr/bin/env bash
# Benchmarks/run.sh NAME: builds release and runs benchmark NAME; each prints its figures and
# ends with one line `RESULT NAME key=value ...`. BENCHMARKS.md records what they printed.
#   ipc          ring vs cache-line floor vs pipe: round-trip percentiles and streaming throughput
#   marketdata   feed's decoder vs orjson, book vs NautilusTrader's order book (in memory and as
#                whole processes), allocations
#   pipeline     all five processes: events/s vs hftbacktest's mm, paced tick-to-order, allocations
#   live         tick-to-wire on the WebSocket API (loopback stand-in) vs exec's own tick-to-order
#                and the TLS round trip; signing cost per order (HMAC vs an Ed25519 session)
# The peers (NautilusTrader, hftbacktest) live in a venv under .build-peers/ (PEERS_VENV to move
# it), made by ../shared/peers/setup.sh from PyPI on first use (about a minute, 1.4 GB).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
shared=${SHARED_DATA:-$root/../shared}
name=${1:-}
[ $# -gt 0 ] && shift

peers_venv() {
  venv=${PEERS_VENV:-$root/.build-peers/venv}
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import nautilus_trader, hftbacktest' 2>/dev/null; then
    echo "Benchmarks: installing the peers into $venv (../shared/peers/setup.sh)" >&2
    PEERS_VENV="$venv" bash "$shared/peers/setup.sh" >&2
  fi
  "$venv/bin/python" -c 'import orjson' 2>/dev/null || "$venv/bin/python" -m pip install --quiet orjson >&2
  echo "$venv/bin/python"
}

peers_data() {
  data=$root/.build-peers/data
  mkdir -p "$data"
  if [ ! -e "$data/synth_2000000_42.npz" ]; then
    echo "Benchmarks: generating the synthetic market (../shared/peers/gen_market.py, about 30 s)" >&2
    "$1" "$shared/peers/gen_market.py" --levels-updates 2000000 --seed 42 --out "$data" >&2
  fi
  echo "$data"
}

case "$name" in
  ipc)
    swift build -c release --package-path "$here" --product ipc-bench >&2
    exec "$here/.build/release/ipc-bench" "$@"
    ;;
  marketdata)
    swift build -c release --package-path "$root" --product feed >&2
    swift build -c release --package-path "$root" --product book >&2
    # The cores' per-frame calls (generic over the benchmark's own output) specialised and
    # inlined across the module boundary, as they are inside the tools.
    swift build -c release -Xswiftc -cross-module-optimization --package-path "$here" --product decode-bench >&2
    swift build -c release -Xswiftc -cross-module-optimization --package-path "$here" --product book-bench >&2
    preload=$root/.build-peers/malloc_count_preload.so
    mkdir -p "$root/.build-peers"
    cc -O2 -shared -fPIC -o "$preload" "$here/marketdata/malloc_count_preload.c"
    py=$(peers_venv)
    data=$(peers_data "$py")
    exec "$py" "$here/marketdata/bench_marketdata.py" "$root/.build/release" "$here/.build/release" "$preload" "$py" "$data" "$shared/data" "$@"
    ;;
  pipeline)
    for product in feed book signal exec risk; do swift build -c release --package-path "$root" --product "$product" >&2; done
    swift build -c release --package-path "$here" --product ipc-bench >&2
    preload=$root/.build-peers/malloc_count_preload.so
    mkdir -p "$root/.build-peers"
    cc -O2 -shared -fPIC -o "$preload" "$here/marketdata/malloc_count_preload.c"
    py=$(peers_venv)
    data=$(peers_data "$py")
    exec "$py" "$here/pipeline/bench_pipeline.py" "$root/.build/release" "$here/.build/release" "$preload" "$py" "$data" "$shared" "$@"
    ;;
  live)
    for product in feed book signal exec risk; do swift build -c release --package-path "$root" --product "$product" >&2; done
    swift build -c release --package-path "$here" --product sign-bench >&2
    python3 -c 'import websockets, cryptography' 2>/dev/null || python3 -m pip install --quiet websockets cryptography >&2 \
      || python3 -m pip install --quiet --break-system-packages websockets cryptography >&2
    exec python3 "$here/live/bench_live.py" "$root/.build/release" "$here/.build/release" "$shared" "$@"
    ;;
  *)
    echo "usage: Benchmarks/run.sh ipc|marketdata|pipeline|live [args]" >&2
    exit 100
    ;;
esac
