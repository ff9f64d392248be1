#!/usr/bin/env bash
# Fuzz/run.sh TARGET [SECONDS]: coverage-guided fuzzing (libFuzzer, with AddressSanitizer) of
# one parser that reads input from outside, for SECONDS (60 by default); `all` runs each target.
#   recording      feed's replay of a recorded file (collector lines, cryptofeed captures, gzip)
#                  into book: frames well-formed, valid tops never crossed
#   exchange-info  the exchangeInfo file reader (`feed --exchange-info`: tick and lot sizes)
#   frames         the frame-stream reader (stream header, layout, sequences) into book
#   journal        the journal reader (resync over damage) into the report, the CSV export and
#                  the shadow comparison
#   websocket      the WebSocket frame reader, bytes arriving in pieces
#   http           the HTTP response reader (Content-Length, chunked, to close)
#   api-message    Binance's WebSocket API answers and events, as exec and the report read them
#   external-reply an external strategy's reply line of commands (docs/external.md)
# Seeds come from the recordings in ../shared/data (read in place) and from the tools' own
# output; new inputs collect in .build-fuzz/corpus/TARGET, crashes in .build-fuzz/crashes.
# Every input in Fuzz/Regressions/TARGET (past crashes) runs first. Ends with
# `RESULT fuzz-TARGET runs=N seconds=S crashes=0`; exit 1 if any input crashed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
shared=${SHARED_DATA:-$root/../shared}
work=$root/.build-fuzz
targets=(recording exchange-info frames journal websocket http api-message external-reply)
target=${1:-}
seconds=${2:-60}
if [ -z "$target" ]; then
  echo "usage: Fuzz/run.sh TARGET|all [SECONDS]   targets: ${targets[*]}" >&2
  exit 100
fi
if [ "$target" = all ]; then
  # Built once for every target (a build per target has been seen to start over).
  swift build -c release -Xswiftc -enable-testing --package-path "$here" --sanitize=fuzzer --sanitize=address >&2
  export TICKPIPE_FUZZ_BUILT=1
  failed=()
  for name in "${targets[@]}"; do "$0" "$name" "$seconds" || failed+=("$name"); done
  [ ${#failed[@]} -eq 0 ] || { echo "Fuzz/run.sh: crashed: ${failed[*]}" >&2; exit 1; }
  exit 0
fi
[[ " ${targets[*]} " == *" $target "* ]] || { echo "Fuzz/run.sh: no target '$target' (${targets[*]})" >&2; exit 100; }
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "Fuzz/run.sh: SECONDS '$seconds' is not a whole number" >&2; exit 100; }

[ -n "${TICKPIPE_FUZZ_BUILT:-}" ] \
  || swift build -c release -Xswiftc -enable-testing --package-path "$here" --sanitize=fuzzer --sanitize=address >&2
fuzz=$here/.build/release/tickpipe-fuzz
export TICKPIPE_FUZZ_EXCHANGE_INFO=$shared/data/cryptofeed/BINANCE.0
# A crash is reported by libFuzzer and ASan; Swift's own backtracer would only slow it down.
export SWIFT_BACKTRACE=enable=no
tools=${TICKPIPE_BIN:-$root/.build/release}

seeds=$work/seeds/$target
if [ ! -d "$seeds" ]; then
  mkdir -p "$seeds.partial"
  cd "$seeds.partial"
  case "$target" in
    recording)
      # The first lines of each recording (snapshots cut to 20 levels a side), plain and gzip.
      python3 - "$shared/data" <<'PY'
import gzip, itertools, json, sys
data = sys.argv[1]
def cut(line):
    for sep in (" ", ": "):
        head, found, body = line.partition(sep)
        if found and body.startswith("{"):
            try:
                message = json.loads(body)
            except ValueError:
                return line
            for side in ("bids", "asks"):
                if side in message: message[side] = message[side][:20]
            return head + sep + json.dumps(message, separators=(",", ":")) + "\n"
    return line
sources = {
    "collector": gzip.open(f"{data}/binance-spot/btcusdt_20240808.gz", "rt"),
    "spot-ws": open(f"{data}/cryptofeed/BINANCE.ws.1.0"),
    "spot-http": open(f"{data}/cryptofeed/BINANCE.http.0.0"),
    "futures-ws": open(f"{data}/cryptofeed/BINANCE_FUTURES.ws.1.0"),
    "futures-http": open(f"{data}/cryptofeed/BINANCE_FUTURES.http.0.0"),
}
for name, lines in sources.items():
    text = "".join(cut(line) for line in itertools.islice(lines, 40))
    open(name, "w").write(text)
    if name == "collector":
        gzip.open("collector.gz", "wt").write(text[:8000])
PY
      ;;
    exchange-info)
      python3 - "$shared/data/cryptofeed/BINANCE.0" <<'PY'
import json, sys
head, _, body = open(sys.argv[1]).readline().partition(": ")
info = json.loads(body)
for n in range(4):
    part = dict(info, symbols=info["symbols"][3 * n:3 * n + 3])
    text = json.dumps(part, separators=(",", ":"))
    open(f"exchange-info.{n}", "w").write((head + ": " + text + "\n") if n % 2 else text)
PY
      ;;
    frames|journal)
      [ -x "$tools/feed" ] || swift build -c release --package-path "$root" >&2
      # (head ends each feed early: the broken pipe is expected.)
      { "$tools/feed" --duration 0.3 --symbols AAA,BBB --out - 2>/dev/null || true; } | head -c 49152 > synthetic.frames
      info=(--exchange-info "$shared/data/cryptofeed/BINANCE.0")
      { "$tools/feed" --replay "$shared/data/binance-spot/btcusdt_20240808.gz" "${info[@]}" --out - 2>/dev/null || true; } \
        | head -c 49152 > btcusdt.frames
      if [ "$target" = journal ]; then
        rm -f ./*.frames
        "$tools/feed" --replay "$shared/data/binance-spot/btcusdt_20240808.gz" "${info[@]}" 2>/dev/null \
          | "$tools/book" --out - --pass-deltas 2>/dev/null | "$tools/signal" --out - --pass-through 2>/dev/null \
          | "$tools/exec" --journal "$PWD/run.jrnl" >/dev/null 2>&1 || true
        head -c $((64 + 80 * 150)) run.jrnl > start.jrnl
        { head -c 64 run.jrnl; tail -c $((80 * 150)) run.jrnl; } > end.jrnl
        rm -f run.jrnl
      fi
      ;;
    websocket)
      # A text message, a fragmented one (text + continuation), a ping, a 126-length frame, a close.
      python3 - <<'PY'
import struct
def frame(opcode, payload, fin=True):
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126: head += bytes([n])
    elif n < 65536: head += bytes([126]) + struct.pack(">H", n)
    else: head += bytes([127]) + struct.pack(">Q", n)
    return head + payload
message = b'{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1.0","2.0"]],"a":[]}}'
seeds = {
    "message": bytes([7]) + frame(1, message),
    "fragments": bytes([3]) + frame(1, message[:40], fin=False) + frame(0, message[40:]),
    "ping": bytes([0]) + frame(9, b"hi") + frame(1, message),
    "long": bytes([200]) + frame(2, message * 3),
    "close": bytes([1]) + frame(1, message) + frame(8, struct.pack(">H", 1000) + b"bye"),
}
for name, data in seeds.items(): open(name, "wb").write(data)
PY
      ;;
    http)
      printf '\x0fHTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{"symbols":[]}' > length
      printf '\x04HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7;x=y\r\n{"a":1,\r\n6\r\n"b":2}\r\n0\r\n\r\n' > chunked
      printf '\xffHTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\n\r\n{"code":-1003}' > close
      ;;
    external-reply)
      # Replies as docs/external.md writes them, and as a Python strategy does (spaces).
      printf '%s' '[]' > none
      printf '%s' '[{"type":"quote","id":1,"bids":[{"price":"61234.00","size":"0.1"}],"asks":[{"price":"61235.00","size":"0.1"}]}]' > quote
      printf '%s' '[{"type": "quote", "id": 2, "bids": [{"price": "10.5", "size": "5"}, {"price": "10.0", "size": "10"}], "asks": [{"price": "11.0", "size": "5"}]}]' > ladder
      printf '%s' '[{"type":"order","id":1,"side":"sell","size":"0.2"},{"type":"timer","timer":0,"at_ns":1723075260000000000}]' > order-timer
      printf '%s' '[{"type":"order","id":2,"side":"buy","size":"15","price":"9.5"},{"type":"cancel","id":1},{"type":"cancel_timer","timer":15}]' > more
      ;;
    api-message)
      # The WebSocket API's answers and events as BINANCE.md G quotes them.
      printf '%s' '{"id":3,"status":200,"result":{"serverTime":1},"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000,"count":3},{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":50,"count":12}]}' > time
      printf '%s' '{"id":9,"status":418,"error":{"code":-1003,"msg":"Way too much request weight used; IP banned until 1659146400000.","data":{"serverTime":1659142907531,"retryAfter":1659146400000}}}' > banned
      printf '%s' '{"id":5,"status":409,"error":{"code":-2021,"msg":"Order cancel-replace partially failed.","data":{"cancelResult":"SUCCESS","newOrderResult":"FAILURE","cancelResponse":{"symbol":"BTCUSDT","orderId":1},"newOrderResponse":{"code":-2010,"msg":"Order would immediately match and take."}}}}' > replace
      printf '%s' '{"id": null, "status": 401, "error": {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}}' > revoked
      printf '%s' '{"subscriptionId":0,"event":{"e":"executionReport","E":1499405658658,"s":"ETHBTC","c":"mUvoqJxFIILMdfAW5iGSOW","S":"BUY","o":"LIMIT","f":"GTC","q":"1.00000000","p":"0.10264410","x":"TRADE","X":"PARTIALLY_FILLED","i":4293153,"l":"0.5","L":"0.1","n":"0.001","N":"BNB","t":7,"w":true,"m":true}}' > execution
      printf '%s' '{"event":{"e":"serverShutdown","E":1770123456789}}' > shutdown
      printf '%s' '{"id":6,"status":200,"result":{"symbol":"BTCUSDT","orderId":12569099453,"orderListId":-1,"clientOrderId":"tpab12-7","price":"23416.10000000","origQty":"0.00847000","executedQty":"0.00500000","cummulativeQuoteQty":"117.08050000","status":"PARTIALLY_FILLED","timeInForce":"GTC","type":"LIMIT_MAKER","side":"SELL","isWorking":true}}' > order-status
      printf '%s' '{"id":7,"status":200,"result":[{"symbol":"BTCUSDT","id":28457,"orderId":100234,"orderListId":-1,"price":"4.00000100","qty":"12.00000000","quoteQty":"48.000012","commission":"10.10000000","commissionAsset":"BNB","time":1499865549590,"isBuyer":true,"isMaker":false,"isBestMatch":true}]}' > my-trades
      printf '%s' '{"id":9,"status":200,"result":{"makerCommission":15,"canTrade":true,"updateTime":123456789,"accountType":"SPOT","balances":[{"asset":"BTC","free":"4723846.89208129","locked":"0.00000000"},{"asset":"LTC","free":"4763368.68006011","locked":"0.00000000"}],"permissions":["SPOT"]}}' > account-status
      printf '%s' '{"subscriptionId":0,"event":{"e":"outboundAccountPosition","E":1564034571105,"u":1564034571073,"B":[{"a":"ETH","f":"10000.000000","l":"0.000000"}]}}' > account-position
      printf '%s' '{"id":8,"status":200,"result":[{"symbol":"BTCUSDT","orderId":1,"clientOrderId":"tpab12-7","price":"1.00","origQty":"1.0","executedQty":"0.0","status":"NEW"},{"symbol":"BTCUSDT","orderId":2,"clientOrderId":"web_x","status":"NEW"}]}' > open-orders
      printf '%s' '{"id":4,"status":200,"result":{"timezone":"UTC","symbols":[{"symbol":"BTCUSDT","status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT","orderTypes":["LIMIT","LIMIT_MAKER","MARKET"],"cancelReplaceAllowed":true,"amendAllowed":true,"filters":[{"filterType":"PRICE_FILTER","minPrice":"0.01000000","maxPrice":"1000000.00000000","tickSize":"0.01000000"},{"filterType":"LOT_SIZE","minQty":"0.00001000","maxQty":"9000.00000000","stepSize":"0.00001000"},{"filterType":"NOTIONAL","minNotional":"5.00000000","applyMinToMarket":true,"maxNotional":"9000000.00000000","applyMaxToMarket":false,"avgPriceMins":5},{"filterType":"PERCENT_PRICE_BY_SIDE","bidMultiplierUp":"5","bidMultiplierDown":"0.2","askMultiplierUp":"5","askMultiplierDown":"0.2","avgPriceMins":5},{"filterType":"MAX_NUM_ORDERS","maxNumOrders":200}]}]}}' > exchange-info
      ;;
  esac
  cd "$root"
  mv "$seeds.partial" "$seeds"
fi

corpus=$work/corpus/$target
crashes=$work/crashes
mkdir -p "$corpus" "$crashes"
regressions=$here/Regressions/$target
if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
  "$fuzz" --target="$target" -runs=1 "$regressions"/* >/dev/null 2>&1 \
    || { "$fuzz" --target="$target" "$regressions"/* 2>&1 | tail -n 30 >&2; echo "Fuzz/run.sh: $target: a past crash came back" >&2; exit 1; }
fi
dict=()
case "$target" in recording|exchange-info) dict=(-dict="$here/binance.dict") ;; esac
max_len=65536
case "$target" in websocket|http) max_len=16384 ;; esac
log=$work/$target.log
status=0
"$fuzz" --target="$target" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=4096 \
  -print_final_stats=1 -artifact_prefix="$crashes/$target-" "${dict[@]}" "$corpus" "$seeds" >"$log" 2>&1 || status=$?
runs=$(awk '/stat::number_of_executed_units:/ {print $2}' "$log")
if [ "$status" -ne 0 ]; then
  tail -n 40 "$log" >&2
  echo "Fuzz/run.sh: $target: crashed (input in $crashes; add it to Fuzz/Regressions/$target once fixed)" >&2
  echo "RESULT fuzz-$target runs=${runs:-0} seconds=$seconds crashes=1"
  exit 1
fi
echo "RESULT fuzz-$target runs=${runs:-0} seconds=$seconds crashes=0 corpus=$(ls "$corpus" | wc -l)"
