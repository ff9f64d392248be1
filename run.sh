#!/usr/bin/env bash
# run.sh: start the pipeline in one command. Builds the release binaries when needed, creates a
# session, starts every process on its shared-memory rings, supervises them, and stops cleanly on
# Ctrl-C or SIGTERM, leaving no segment behind.
#
# Today the pipeline is the market-data half: feed -> ring -> book. The trading half (signal,
# exec, risk) joins it as it is built; see the open issues.
set -euo pipefail
cd "$(dirname "$0")"

usage() {
  cat <<'USAGE'
usage: ./run.sh [--replay FILE...] [--exchange-info FILE] [--instrument SYMBOL:TICK:LOT]...
                [--symbols A,B] [--seed N] [--speed N|max] [--duration SECONDS]
                [--session NAME] [--idle spin|yield|block] [--levels N]
  Starts feed and book on a session's rings; book prints the top levels and analytics.
  Default: the synthetic market, in real time, until Ctrl-C.
  ./run.sh status SESSION    the rings and processes of a running session
exit codes: 0 done, 1 a process failed, 100 usage
USAGE
}

if [ "${1:-}" = "status" ]; then
  [ $# -eq 2 ] || { usage >&2; exit 100; }
  swift build -c release --product risk >/dev/null
  exec .build/release/risk status "$2"
fi

feed_args=()
book_args=(--dump)
session="run$$"
idle=block
replaying=0
while [ $# -gt 0 ]; do
  case "$1" in
    --replay)
      replaying=1; feed_args+=(--replay); shift
      while [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; do
        [ -r "$1" ] || { echo "run.sh: cannot read recording $1" >&2; exit 100; }
        feed_args+=("$1"); shift
      done ;;
    --exchange-info|--instrument|--symbols|--seed|--speed|--duration)
      [ $# -ge 2 ] || { echo "run.sh: $1 needs a value" >&2; exit 100; }
      feed_args+=("$1" "$2"); shift 2 ;;
    --levels)
      [ $# -ge 2 ] || { echo "run.sh: $1 needs a value" >&2; exit 100; }
      book_args+=("$1" "$2"); shift 2 ;;
    --session)
      [ $# -ge 2 ] || { echo "run.sh: $1 needs a value" >&2; exit 100; }
      session="$2"; shift 2 ;;
    --idle)
      [ $# -ge 2 ] || { echo "run.sh: $1 needs a value" >&2; exit 100; }
      idle="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; usage >&2; exit 100 ;;
  esac
done
case "$session" in *[!A-Za-z0-9_-]*|"") echo "run.sh: --session '$session': letters, digits, '_' or '-'" >&2; exit 100 ;; esac
case "$idle" in spin|yield|block) ;; *) echo "run.sh: --idle '$idle': expected spin, yield or block" >&2; exit 100 ;; esac
if [ "$replaying" = 1 ] && ! printf '%s\n' "${feed_args[@]}" | grep -qx -e --exchange-info -e --instrument; then
  # Recordings carry no tick sizes; use the recorded exchangeInfo beside the project if it is there.
  if [ -r ../shared/data/cryptofeed/BINANCE.0 ]; then feed_args+=(--exchange-info ../shared/data/cryptofeed/BINANCE.0); fi
fi

for stale in /dev/shm/tickpipe."$session".*; do
  [ -e "$stale" ] || continue
  echo "run.sh: session $session already has $stale; choose another --session or remove it" >&2
  exit 100
done

# The system libraries the tools link: zlib (gzip recordings) and OpenSSL (TLS to the venue).
missing=()
[ -e /usr/include/zlib.h ] || missing+=(zlib1g-dev)
[ -e /usr/include/openssl/ssl.h ] || missing+=(libssl-dev)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "run.sh: installing ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  else
    echo "run.sh: the build needs ${missing[*]}: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

echo "run.sh: building release binaries..." >&2
swift build -c release --product feed >&2
swift build -c release --product book >&2
bin=.build/release
run_dir="runs/$session"
mkdir -p "$run_dir"
ring="shm:tickpipe.$session.md"

pids=()
names=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -f /dev/shm/tickpipe."$session".*
}
trap 'echo "run.sh: stopping" >&2; cleanup; exit 0' INT TERM
trap cleanup EXIT

"$bin/book" --in "$ring" --idle "$idle" --session "$session" "${book_args[@]}" 2> >(tee -a "$run_dir/book.log" >&2) &
pids+=($!); names+=(book)
"$bin/feed" --out "$ring" --idle "$idle" --session "$session" "${feed_args[@]}" 2> >(tee -a "$run_dir/feed.log" >&2) &
pids+=($!); names+=(feed)
{
  echo "session $session"
  for i in "${!pids[@]}"; do echo "${names[$i]} ${pids[$i]}"; done
} > "$run_dir/pids"
echo "run.sh: session $session: book pid ${pids[0]}, feed pid ${pids[1]} (also in $run_dir/pids)" >&2

# Supervise: the run ends when every process has ended; one failing ends it for all.
status=0
live=("${pids[@]}")
while [ "${#live[@]}" -gt 0 ]; do
  set +e
  wait -n -p done_pid "${live[@]}"
  code=$?
  set -e
  still=()
  for pid in "${live[@]}"; do [ "$pid" = "$done_pid" ] || still+=("$pid"); done
  live=("${still[@]}")
  if [ "$code" -ne 0 ]; then
    for i in "${!pids[@]}"; do
      [ "${pids[$i]}" = "$done_pid" ] && echo "run.sh: ${names[$i]} (pid $done_pid) exited with status $code; stopping the session" >&2
    done
    status=1
    break
  fi
done
cleanup
exit "$status"
