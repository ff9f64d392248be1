#!/usr/bin/env bash
# Benchmarks/run.sh NAME: builds the benchmarks in release and runs benchmark NAME.
# Each benchmark prints its figures and ends with one line `RESULT NAME key=value ...`.
#   ipc    ring vs cache-line floor vs pipe: round-trip percentiles and streaming throughput
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
name=${1:-}
case "$name" in
  ipc) ;;
  *) echo "usage: Benchmarks/run.sh ipc" >&2; exit 100 ;;
esac
shift
swift build -c release --package-path "$here" --product "$name-bench" >&2
exec "$here/.build/release/$name-bench" "$@"
