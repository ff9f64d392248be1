#!/usr/bin/env bash
# run.sh: start the whole pipeline in one command. Builds the release binaries when needed,
# creates a session, starts every process on its shared-memory rings, supervises them, and stops
# cleanly on Ctrl-C or SIGTERM (orders cancelled, nothing left in /dev/shm).
#
#   feed -> md ring -> book -> tops ring -> signal -> quotes ring -> exec (paper venue, journal)
#                   \-> book --dashboard --lossy (on a terminal) <- exec ring -> risk (limits, watchdog)
set -euo pipefail
cd "$(dirname "$0")"
# A run's journal, logs, report and CSVs are its owner's only: files 0600, directories 0700.
umask 077

usage() {
  cat <<'USAGE'
usage: ./run.sh [--replay FILE... | --live SYMBOLS [--venue spot|usdm]
                 [--trade [--testnet|--demo] [--recv-window-ms MS] [--inventory-target ASSET:QTY]...
                  [--shadow-paper]]]
                [--exchange-info FILE] [--instrument SYMBOL:TICK:LOT]...
                [--symbols A,B] [--seed N] [--start-price PRICE] [--median-size UNITS]
                [--speed N|max] [--duration SECONDS]
                [--strategy NAME [--PARAMETER VALUE...]] [--external 'COMMAND'] [--signal PATH] [--config FILE]
                [--bot NAME=CONFIG... [--max-total-position UNITS]] [--quote-size UNITS]
                [--max-position UNITS] [--session NAME] [--idle spin|yield|block] [--levels N]
                [--summary-every SECONDS] [--maker-fee-ppm N] [--taker-fee-ppm N] [--alert-webhook URL]
                [--report-latency-ms MS|arrival]
  Starts feed, book, signal, exec (paper venue) and risk on a session's rings. On a terminal a
  dashboard shows the book, trades, liquidity, position and PnL, orders, risk, every process's
  health and latency and every ring's lag (--levels N book levels, default 5), and the processes'
  logs go to runs/SESSION/*.log only; otherwise the logs go to stderr too, with exec's summary
  line every --summary-every seconds. At the end: what exec traded, and the report.
  Default: the synthetic market in real time, Avellaneda-Stoikov, until Ctrl-C. --live BTCUSDT:
  Binance's streams and snapshots (TICKPIPE_BINANCE_WS_URL, TICKPIPE_BINANCE_REST_URL and
  TICKPIPE_CA_FILE point feed elsewhere), traded on the paper venue; with --trade, on Binance
  spot itself (docs/live-trading.md: the keys from TICKPIPE_BINANCE_API_KEY and
  TICKPIPE_BINANCE_KEY_FILE; TICKPIPE_BINANCE_WS_API_URL, --testnet or --demo pick the URL),
  risk keeping its own session to cancel every order if trading halts; the position is the base
  asset's balance less --inventory-target (default: the balance at the start); --shadow-paper
  runs the paper venue beside it on the same market and orders (with --maker-fee-ppm and
  --taker-fee-ppm), and the report sets its fills beside the venue's. --config FILE is the
  session file: the strategy's parameters for signal (docs/signal.md), exec.NAME and risk.NAME
  lines for exec's models and limits and risk's (docs/operations.md); the flags here override
  it. Any other --PARAMETER VALUE is the strategy's (signal's usage lists each strategy's);
  --signal PATH runs your own signal, built with your strategies registered
  (docs/strategies.md); --external 'COMMAND' runs a strategy in any language, speaking JSON
  lines (docs/external.md). --bot NAME=CONFIG (repeatable) runs several bots on the one feed
  instead, each its strategy file's strategy in a signal of its own and its own account in exec
  and risk, never trading with each other (docs/operations.md#several-bots); --max-total-position
  holds their positions together in exec (risk: twice it). --alert-webhook URL:
  risk POSTs each halt, flatten, venue disconnect and kill outcome there (docs/risk.md). Every process's
  options are checked before any starts. exec prints where it stands every --summary-every
  seconds (default 30; 0: only at the end). In a replay the strategy sees exec's reports
  --report-latency-ms of market time after them, in market-time order with the market, so the
  same recording writes the same journal (docs/signal.md); elsewhere as they arrive.
  ./run.sh status SESSION    the rings and processes of a running session (never builds)
  ./run.sh resume SESSION    lift a halt once its cause is gone (risk refuses, naming it, if not)
  ./run.sh sweep --grid NAME=V1,V2,... [--grid ...] --replay FILE... [options]
                             a replay per combination of the grids' values (as many at once as
                             CPUs), then one table: runs/SWEEP/sweep.csv and sweep.html
  kill -USR1 <risk pid>      flattens (the pids are printed and in runs/SESSION/pids)
  defaults (a VALUE in capitals is the unit: MS milliseconds, SECONDS, UNITS of the base asset,
  QUOTE of the quote currency):
    --replay FILE...                         none
    --live SYMBOLS                           none
    --venue spot|usdm                        spot
    --trade                                  off
    --testnet, --demo                        off
    --recv-window-ms MS                      5000
    --inventory-target ASSET:QTY             the balance at the start
    --shadow-paper                           off
    --alert-webhook URL                      none
    --exchange-info FILE                     ../shared/data/cryptofeed/BINANCE.0 when present
    --instrument SYMBOL:TICK:LOT             none
    --symbols A,B                            SYNUSDT
    --seed N                                 42
    --start-price PRICE                      100.00
    --median-size UNITS                      0.4
    --speed N|max                            1 (replay: max)
    --duration SECONDS                       until Ctrl-C or the end of the data
    --strategy NAME                          as
    --external 'COMMAND'                     none
    --signal PATH                            the signal of the tools
    --config FILE                            none
    --bot NAME=CONFIG                        none (one bot: the strategy flags above)
    --max-total-position UNITS               none (each bot its own limit)
    --quote-size UNITS                       0.1
    --max-position UNITS                     1
    --maker-fee-ppm N, --taker-fee-ppm N     1000
    --report-latency-ms MS|arrival           5 in a replay, else arrival
    --session NAME                           run<pid>
    --idle spin|yield|block                  block
    --levels N                               5
    --summary-every SECONDS                  30
exit codes: 0 done, 1 a process failed (run.sh names it), 100 usage
USAGE
}

# An option's value: there, and not the next option (`--symbols --duration 3` is a missing value).
need_value() {
  [ $# -ge 2 ] || { echo "run.sh: $1 needs a value" >&2; exit 100; }
  [ "${2#--}" = "$2" ] || { echo "run.sh: $1 needs a value (got the option $2)" >&2; exit 100; }
}

if [ "${1:-}" = "status" ] || [ "${1:-}" = "resume" ]; then
  [ $# -eq 2 ] || { echo "run.sh: $1 needs one SESSION" >&2; usage >&2; exit 100; }
  # The tools a run would use (TICKPIPE_BIN, else the release build); never a build: a status
  # is asked of a session that is running, so its tools are there.
  status_bin=${TICKPIPE_BIN:-.build/release}
  [ -x "$status_bin/risk" ] || {
    echo "run.sh: $1 needs $status_bin/risk, which is not there (set TICKPIPE_BIN to the tools' directory, or ./run.sh builds them)" >&2
    exit 1
  }
  exec "$status_bin/risk" "$1" "$2"
fi

# ./run.sh sweep --grid NAME=V1,V2... [--grid ...] --replay FILE... [options]: a replay for every
# combination of the grids' values (a run.sh of its own each, as many at once as there are
# CPUs), then one table of them all: runs/SWEEP/sweep.csv and sweep.html (exec compare).
if [ "${1:-}" = "sweep" ]; then
  shift
  grids=()
  run_args=()
  sweep_session="sweep$$"
  while [ $# -gt 0 ]; do
    case "$1" in
      --grid)
        need_value "$@"
        [[ "$2" =~ ^[a-z][a-z0-9-]*=[^,=[:space:]]+(,[^,=[:space:]]+)*$ ]] \
          || { echo "run.sh: sweep: --grid '$2': expected NAME=VALUE,VALUE,... (a parameter and its values)" >&2; exit 100; }
        grids+=("$2"); shift ;;
      --session)
        need_value "$@"
        sweep_session=$2; shift ;;
      --dashboard) echo "run.sh: sweep: its runs have no dashboard" >&2; exit 100 ;;
      *) run_args+=("$1") ;;
    esac
    shift
  done
  [ ${#grids[@]} -gt 0 ] || { echo "run.sh: sweep needs at least one --grid NAME=VALUE,..." >&2; exit 100; }
  [[ " ${run_args[*]} " == *" --replay "* ]] || { echo "run.sh: sweep replays recordings: give --replay FILE..." >&2; exit 100; }
  case "$sweep_session" in *[!A-Za-z0-9_-]*|"") echo "run.sh: --session '$sweep_session': letters, digits, '_' or '-'" >&2; exit 100 ;; esac
  # Every combination, as the flags each run gets: "--a 1 --b 5".
  combinations=("")
  for grid in "${grids[@]}"; do
    IFS=, read -ra values <<< "${grid#*=}"
    next=()
    for combination in "${combinations[@]}"; do
      for value in "${values[@]}"; do next+=("$combination --${grid%%=*} $value"); done
    done
    combinations=("${next[@]}")
  done
  if [ -z "${TICKPIPE_BIN:-}" ]; then
    echo "run.sh: building release binaries (swift build -c release; quick when nothing changed)..." >&2
    swift build -c release >&2
    export TICKPIPE_BIN=$PWD/.build/release
  fi
  sweep_dir="runs/$sweep_session"
  mkdir -p "$sweep_dir"
  parallel=$(nproc 2>/dev/null || echo 2)
  echo "run.sh: sweep $sweep_session: ${#combinations[@]} replays, $parallel at a time; each run's output in $sweep_dir/N.log" >&2
  run_pids=()
  for index in "${!combinations[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n || true; done
    # shellcheck disable=SC2086 # the combination's words are the flags
    "$0" "${run_args[@]}" ${combinations[$index]} --session "$sweep_session-$index" > "$sweep_dir/$index.log" 2>&1 &
    run_pids+=($!)
  done
  failed=0
  compare_args=()
  for index in "${!combinations[@]}"; do
    label=$(echo "${combinations[$index]}" | sed 's/^ --//; s/ --/;/g; s/ /=/g; s/;/ /g')
    if wait "${run_pids[$index]}"; then
      compare_args+=("$label" "runs/$sweep_session-$index/journal")
    else
      failed=1
      echo "run.sh: sweep: run $index ($label) failed; its output: $sweep_dir/$index.log" >&2
      tail -n 3 "$sweep_dir/$index.log" | sed 's/^/  /' >&2
    fi
  done
  if [ ${#compare_args[@]} -gt 0 ]; then
    "$TICKPIPE_BIN/exec" compare --html "$sweep_dir/sweep.html" --title "tickpipe sweep $sweep_session" \
      "${compare_args[@]}" > "$sweep_dir/sweep.csv"
    column -s, -t < "$sweep_dir/sweep.csv" >&2 || cat "$sweep_dir/sweep.csv" >&2
    echo "run.sh: sweep table in $sweep_dir/sweep.csv and $sweep_dir/sweep.html; each run in runs/$sweep_session-N" >&2
  fi
  exit "$failed"
fi

feed_args=()
screen_args=()
dashboard=0
[ -t 1 ] && dashboard=1
signal_args=()
signal_bin=""
strategy=""
config=""
strategy_flag=
bot_names=()
bot_configs=()
exec_args=()
summary_every=30
max_position=1
max_position_given=0
max_total_position=
session="run$$"
idle=block
replaying=0
replay_files=()
live_symbols=
live_market=0
market_venue=
trade=0
shadow=0
venue_args=()
exec_venue_args=()
risk_args=()
report_latency=
while [ $# -gt 0 ]; do
  case "$1" in
    --replay)
      replaying=1; feed_args+=(--replay); shift
      while [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; do
        [ -r "$1" ] || { echo "run.sh: cannot read recording $1" >&2; exit 100; }
        feed_args+=("$1"); replay_files+=("${1##*/}"); shift
      done ;;
    --exchange-info|--instrument|--symbols|--seed|--start-price|--median-size|--speed|--duration|--live|--venue)
      need_value "$@"
      [ "$1" != --live ] || { live_market=1; live_symbols=$2; }
      [ "$1" != --venue ] || [ "$2" = spot ] || market_venue=$2
      feed_args+=("$1" "$2"); shift 2 ;;
    --trade) trade=1; shift ;;
    --shadow-paper) shadow=1; shift ;;
    --testnet|--demo) venue_args+=("$1"); shift ;;
    --recv-window-ms)
      need_value "$@"
      venue_args+=("$1" "$2"); shift 2 ;;
    --inventory-target)
      need_value "$@"
      exec_venue_args+=("$1" "$2"); shift 2 ;;
    --alert-webhook)
      need_value "$@"
      risk_args+=("$1" "$2"); shift 2 ;;
    --summary-every)
      need_value "$@"
      summary_every=$2; shift 2 ;;
    --maker-fee-ppm|--taker-fee-ppm)
      need_value "$@"
      exec_args+=("$1" "$2"); shift 2 ;;
    --report-latency-ms)
      need_value "$@"
      report_latency=$2; shift 2 ;;
    --levels)
      need_value "$@"
      screen_args+=("$1" "$2"); shift 2 ;;
    --strategy)
      need_value "$@"
      strategy="$2"; strategy_flag=$1; signal_args+=(--strategy "$2"); shift 2 ;;
    --config)
      need_value "$@"
      [ -r "$2" ] || { echo "run.sh: cannot read config file $2" >&2; exit 100; }
      config="$2"; shift 2 ;;
    --bot)
      need_value "$@"
      name=${2%%=*}
      file=${2#*=}
      [ "$name" != "$2" ] && [ -n "$name" ] && [ -n "$file" ] || { echo "run.sh: --bot '$2': expected NAME=CONFIG (a strategy file)" >&2; exit 100; }
      case "$name" in *[!A-Za-z0-9_-]*) echo "run.sh: --bot '$2': NAME is letters, digits, '_' or '-'" >&2; exit 100 ;; esac
      [ -r "$file" ] || { echo "run.sh: --bot $name: cannot read config file $file" >&2; exit 100; }
      for seen in "${bot_names[@]}"; do [ "$seen" != "$name" ] || { echo "run.sh: --bot $name given twice" >&2; exit 100; }; done
      bot_names+=("$name"); bot_configs+=("$file"); shift 2 ;;
    --quote-size)
      need_value "$@"
      signal_args+=(--quote-size "$2"); shift 2 ;;
    --max-total-position)
      need_value "$@"
      max_total_position=$2; shift 2 ;;
    --max-position)
      need_value "$@"
      max_position="$2"; max_position_given=1; signal_args+=(--max-position "$2"); shift 2 ;;
    --session)
      need_value "$@"
      session="$2"; shift 2 ;;
    --idle)
      need_value "$@"
      idle="$2"; shift 2 ;;
    --signal)
      need_value "$@"
      [ -x "$2" ] || { echo "run.sh: --signal $2 is not an executable" >&2; exit 100; }
      signal_bin=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --*)
      # A strategy's own parameter: signal checks it with the rest (its error names it).
      [ $# -ge 2 ] && [ "${2#--}" = "$2" ] || { echo "run.sh: unknown option $1" >&2; usage >&2; exit 100; }
      strategy_flag=$1; signal_args+=("$1" "$2"); shift 2 ;;
    *) echo "run.sh: unknown option $1" >&2; usage >&2; exit 100 ;;
  esac
done
case "$session" in *[!A-Za-z0-9_-]*|"") echo "run.sh: --session '$session': letters, digits, '_' or '-'" >&2; exit 100 ;; esac
# A strategy file's max-position, if it sets one.
max_position_of() {
  sed 's/#.*//' "$1" | awk -F= '{ name = $1; gsub(/[ \t]/, "", name)
    if (name == "max-position") { value = $2; gsub(/^[ \t]+|[ \t\r]+$/, "", value); print value } }'
}
# A config file's names, one a line (comments and blank lines left out).
names_of() {
  sed 's/#.*//' "$1" | awk -F= '{ name = $1; gsub(/[ \t\r]/, "", name); if (name != "") print name }'
}
bot_limits=()
if [ ${#bot_names[@]} -gt 0 ]; then
  # Several bots: each one's strategy file names its strategy and parameters; the session's
  # (--config) holds exec's and risk's lines only.
  [ -z "$strategy_flag" ] || { echo "run.sh: $strategy_flag with --bot: each bot's CONFIG names its strategy and parameters" >&2; exit 100; }
  if [ -n "$config" ] && names_of "$config" | grep -v -e '^exec\.' -e '^risk\.' > /dev/null; then
    echo "run.sh: --config $config with --bot: the session file holds exec. and risk. lines only; each bot's CONFIG its strategy" >&2
    exit 100
  fi
  [ ${#bot_names[@]} -le 16 ] || { echo "run.sh: ${#bot_names[@]} bots: at most 16" >&2; exit 100; }
elif [ -n "$max_total_position" ]; then
  echo "run.sh: --max-total-position holds several bots' positions together: it goes with --bot" >&2
  exit 100
fi
if [ ${#bot_names[@]} -gt 0 ]; then
  for k in "${!bot_names[@]}"; do
    if names_of "${bot_configs[$k]}" | grep -e '^exec\.' -e '^risk\.' > /dev/null; then
      echo "run.sh: --bot ${bot_names[$k]}: ${bot_configs[$k]} sets exec. or risk. lines: the venue and risk are the session's (--config FILE)" >&2
      exit 100
    fi
    # Each bot's position limit: the command line's, else its file's, else 1.
    limit=$max_position
    if [ "$max_position_given" = 0 ]; then
      from_file=$(max_position_of "${bot_configs[$k]}")
      [ -z "$from_file" ] || limit=$from_file
    fi
    bot_limits+=("$limit")
  done
elif [ -n "$config" ]; then
  # One position limit for signal, exec and risk: the command line's, else the file's, else 1.
  if [ "$max_position_given" = 0 ]; then
    from_file=$(max_position_of "$config")
    if [ -n "$from_file" ]; then max_position=$from_file; else signal_args+=(--max-position "$max_position"); fi
  fi
  signal_args=(--config "$config" "${signal_args[@]}")
else
  # Without a strategy file: 0.1 a side within the position limit, unless given; and by default
  # Avellaneda-Stoikov with its horizon restarting every 10 s.
  given=" ${signal_args[*]} "
  [ "${given#* --quote-size }" != "$given" ] || signal_args+=(--quote-size 0.1)
  [ "${given#* --max-position }" != "$given" ] || signal_args+=(--max-position "$max_position")
  if [ -z "$strategy" ] && [ "${given#* --external }" = "$given" ]; then
    signal_args+=(--strategy as)
    [ "${given#* --gamma }" != "$given" ] || signal_args+=(--gamma 0.01)
    [ "${given#* --horizon }" != "$given" ] || signal_args+=(--horizon 10)
  fi
fi
case "$idle" in spin|yield|block) ;; *) echo "run.sh: --idle '$idle': expected spin, yield or block" >&2; exit 100 ;; esac
if [ "$trade" = 1 ]; then
  [ "$live_market" = 1 ] || { echo "run.sh: --trade goes with --live SYMBOLS (a replay or the synthetic market is paper traded)" >&2; exit 100; }
  [ -z "$market_venue" ] || { echo "run.sh: --trade trades Binance spot; --venue $market_venue is paper traded only" >&2; exit 100; }
elif [ ${#venue_args[@]} -gt 0 ] || [ ${#exec_venue_args[@]} -gt 0 ] || [ "$shadow" = 1 ]; then
  given=("${venue_args[@]}" "${exec_venue_args[@]}")
  [ "$shadow" = 0 ] || given=(--shadow-paper)
  echo "run.sh: ${given[0]} goes with --trade" >&2; exit 100
fi
# exec's reports reach the strategy in market time in a replay (the same recording, the same
# journal), as they arrive where the market is in real time (wall time is market time there).
if [ -z "$report_latency" ]; then
  if [ "$replaying" = 1 ]; then report_latency=5; else report_latency=arrival; fi
fi
if [ "$replaying" = 1 ] && ! printf '%s\n' "${feed_args[@]}" | grep -qx -e --exchange-info -e --instrument; then
  # Recordings carry no tick sizes; use the recorded exchangeInfo beside the project if it is there.
  if [ -r ../shared/data/cryptofeed/BINANCE.0 ]; then feed_args+=(--exchange-info ../shared/data/cryptofeed/BINANCE.0); fi
fi

# Claim the session: one run.sh per name at a time (the lock goes with run.sh and its processes).
mkdir -p runs
chmod 700 runs
exec 9>"runs/.$session.lock"
if ! flock -n 9; then
  echo "run.sh: session $session is being run by another run.sh; choose another --session" >&2
  exit 100
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

# TICKPIPE_BIN: a directory of already built tools (the tests use their own build); else build release.
bin=${TICKPIPE_BIN:-.build/release}
if [ -z "${TICKPIPE_BIN:-}" ]; then
  echo "run.sh: building release binaries (swift build -c release; quick when nothing changed)..." >&2
  swift build -c release >&2
fi
for product in feed book signal exec risk; do
  [ -x "$bin/$product" ] || { echo "run.sh: no $product in $bin (TICKPIPE_BIN)" >&2; exit 100; }
done
[ -n "$signal_bin" ] || signal_bin="$bin/signal"
run_dir="runs/$session"
if [ -s "$run_dir/journal" ]; then
  echo "run.sh: $run_dir holds the journal of an earlier run; a run never appends to another's: choose another --session or move $run_dir away" >&2
  exit 100
fi
mkdir -p "$run_dir"
chmod 700 "$run_dir"
rm -f "$run_dir"/*.log
ring() { echo "shm:tickpipe.$session.$1"; }
common=(--idle "$idle" --session "$session")

pids=()
names=()
cleanup() {
  trap - INT TERM EXIT
  # exec first, so it cancels its orders while the others still run; a stopped process is
  # continued, so that it can end.
  for i in "${!pids[@]}"; do [ "${names[$i]}" = exec ] && kill -TERM "${pids[$i]}" 2>/dev/null && kill -CONT "${pids[$i]}" 2>/dev/null || true; done
  sleep 0.3
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null && kill -CONT "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -f /dev/shm/tickpipe."$session".*
  [ "$dashboard" = 0 ] || printf '\033[?25h' # the cursor, whatever became of the dashboard
}
# The end of every run, finished or stopped (Ctrl-C, SIGTERM): every process stopped (exec
# cancels its orders first), no segment left, then what exec and risk said, the report and the CSVs.
failed=
finish() {
  # With the dashboard the logs stayed off the screen: what exec and risk say at the end is shown.
  declare -A seen=()
  if [ "$dashboard" = 1 ]; then for name in exec risk; do seen[$name]=$(cat "$run_dir/$name.log" 2>/dev/null | wc -l); done; fi
  cleanup
  if [ "$dashboard" = 1 ]; then
    echo
    for name in exec risk; do tail -n +$((seen[$name] + 1)) "$run_dir/$name.log" 2>/dev/null >&2 || true; done
    if [ -n "$failed" ]; then
      echo "$failed" >&2
      for i in "${!pids[@]}"; do
        case "$failed" in "run.sh: ${names[$i]} (pid ${pids[$i]})"*) tail -n 5 "$run_dir/${names[$i]}.log" | sed "s/^/  ${names[$i]}.log: /" >&2 ;; esac
      done
    fi
  fi
  echo "run.sh: journal in $run_dir/journal ($bin/exec journal $run_dir/journal prints it as CSV)" >&2
  # A live run's report also shows the venue's trades and commissions by asset.
  report_args=()
  [ ! -s "$run_dir/exec-venue.jsonl" ] || report_args=(--venue-journal "$run_dir/exec-venue.jsonl")
  # With --shadow-paper: the venue's fills beside the paper venue's, and the shadow's own report.
  [ ! -s "$run_dir/shadow.journal" ] || report_args+=(--shadow "$run_dir/shadow.journal")
  # The report's title says where the market came from: a synthetic market's prices are made up.
  if [ "$live_market" = 1 ]; then market="live ${live_symbols}, $([ "$trade" = 1 ] && echo "traded on Binance spot" || echo "paper traded")"
  elif [ "$replaying" = 1 ]; then market="a replay of ${replay_files[*]}"
  else market="the synthetic market (prices made up)"; fi
  report_args+=(--title "tickpipe run $session: $market")
  for k in "${!bot_names[@]}"; do report_args+=(--bot-name "$k=${bot_names[$k]}"); done
  if [ -s "$run_dir/journal" ] && "$bin/exec" report "$run_dir/journal" "${report_args[@]}" > "$run_dir/report.html"; then
    echo "run.sh: report in $run_dir/report.html (metrics and charts, rebuilt from the journal)" >&2
  fi
  if [ -s "$run_dir/shadow.journal" ] && "$bin/exec" report "$run_dir/shadow.journal" \
     --title "tickpipe run $session: the shadow paper venue beside $market" > "$run_dir/shadow-report.html"; then
    echo "run.sh: the shadow paper venue's own report in $run_dir/shadow-report.html" >&2
  fi
  if [ -s "$run_dir/journal" ] && "$bin/exec" journal "$run_dir/journal" --orders > "$run_dir/orders.csv" &&
     "$bin/exec" journal "$run_dir/journal" --fills > "$run_dir/fills.csv"; then
    echo "run.sh: orders and fills in $run_dir/orders.csv and fills.csv (docs/exec.md: loading them into PostgreSQL)" >&2
  fi
  exit "$1"
}
trap 'echo "run.sh: stopping" >&2; finish 0' INT TERM
trap cleanup EXIT

[ "${#screen_args[@]}" -gt 0 ] || screen_args=(--levels 5)
screen_cmd=("$bin/book" --in "$(ring md)" --lossy --dashboard --exec "$(ring exec)" --logs "$run_dir"
  "${common[@]}" "${screen_args[@]}")
# exec reads the market from feed's ring itself and only tops and intents from signal's, merged
# in causal order by book's progress frames (exec --help: --market). The deltas go to signal for
# strategies that read book levels.
book_cmd=("$bin/book" --in "$(ring md)" --out "$(ring tops)" --pass-deltas --progress "${common[@]}")
exec_cmd=("$bin/exec" --market "$(ring md)" --out "$(ring exec)" --readers 0 --journal "$run_dir/journal"
  --max-position "$max_position" --summary-every "$summary_every" "${exec_args[@]}" "${common[@]}")
[ "$report_latency" = arrival ] || exec_cmd+=(--progress)
# risk's own position limit: twice exec's (which quotes nothing beyond its own), so a breach means
# something went wrong in between.
twice() { awk -v p="$1" 'BEGIN { print 2 * p }'; }
risk_cmd=("$bin/risk" --session "$session" --exec "$(ring exec)" --market "$(ring tops)" "${risk_args[@]}")
# The session file's exec. and risk. lines are theirs (the flags here override them).
[ -z "$config" ] || { exec_cmd+=(--config "$config"); risk_cmd+=(--config "$config"); }
# The signals: one, or one per bot (bot K's intents on its own ring, exec's input K; only bot
# 0's passes the tops on), each a command line signal_cmd_K and a process name.
signal_cmds=()
signal_names=()
if [ ${#bot_names[@]} -eq 0 ]; then
  signal_cmd_0=("$signal_bin" --in "$(ring tops)" --out "$(ring quotes)" --pass-tops --positions "$(ring exec)"
    --report-latency-ms "$report_latency" "${signal_args[@]}" "${common[@]}")
  signal_cmds=(signal_cmd_0)
  signal_names=(signal)
  exec_cmd+=(--in "$(ring quotes)")
  risk_cmd+=(--max-position "$(twice "$max_position")")
else
  book_cmd+=(--readers ${#bot_names[@]})
  largest=0
  total=0
  : > "$run_dir/bots"
  for k in "${!bot_names[@]}"; do
    declare -a "signal_cmd_$k"
    declare -n cmd="signal_cmd_$k"
    cmd=("$signal_bin" --in "$(ring tops)" --out "$(ring "quotes$k")" --positions "$(ring exec)"
      --report-latency-ms "$report_latency" --bot "$k" --config "${bot_configs[$k]}" "${signal_args[@]}" "${common[@]}")
    [ "$k" != 0 ] || cmd+=(--pass-tops)
    [ "$max_position_given" = 1 ] || cmd+=(--max-position "${bot_limits[$k]}")
    unset -n cmd
    signal_cmds+=("signal_cmd_$k")
    signal_names+=("signal-${bot_names[$k]}")
    exec_cmd+=(--in "$(ring "quotes$k")" --bot-max-position "$k=${bot_limits[$k]}")
    largest=$(awk -v a="$largest" -v b="${bot_limits[$k]}" 'BEGIN { print (b > a ? b : a) }')
    total=$(awk -v a="$total" -v b="${bot_limits[$k]}" 'BEGIN { print a + b }')
    printf '%s %s %s\n' "$k" "${bot_names[$k]}" "${bot_configs[$k]}" >> "$run_dir/bots"
  done
  # The bots together: --max-total-position in exec, else no more than their own limits sum to.
  [ -z "$max_total_position" ] || { exec_cmd+=(--max-total-position "$max_total_position"); total=$max_total_position; }
  risk_cmd+=(--max-position "$(twice "$largest")" --max-total-position "$(twice "$total")")
fi
if [ "$trade" = 1 ]; then
  # Orders on Binance spot; every request and answer in a journal of each session's own, and
  # risk's session ready to cancel everything whatever becomes of exec.
  exec_cmd+=(--venue binance-spot --venue-journal "$run_dir/exec-venue.jsonl" "${venue_args[@]}")
  exec_cmd+=("${exec_venue_args[@]}")
  [ "$shadow" = 0 ] || exec_cmd+=(--shadow-paper "$run_dir/shadow.journal")
  risk_cmd+=(--venue binance-spot --venue-journal "$run_dir/risk-venue.jsonl" "${venue_args[@]}")
fi
feed_cmd=("$bin/feed" --out "$(ring md)" --readers $((2 + dashboard)) "${common[@]}" "${feed_args[@]}")
# Nothing starts half-way: each command line is checked first (its own one-line error, exit 100).
for check in screen_cmd book_cmd "${signal_cmds[@]}" exec_cmd risk_cmd feed_cmd; do
  declare -n cmd=$check
  if ! problem=$("${cmd[@]}" --check-options 2>&1); then
    echo "run.sh: ${problem%%$'\n'*}" >&2
    rm -f "$run_dir/bots"; rmdir "$run_dir" 2>/dev/null || true
    exit 100
  fi
  unset -n cmd
done

launch() { # name, command...: started in the background, stderr to the log (and the terminal
  local name=$1; shift  # when no dashboard is drawn there)
  if [ "$dashboard" = 1 ]; then
    "$@" 2>>"$run_dir/$name.log" &
  else
    "$@" 2> >(tee -a "$run_dir/$name.log" >&2) &
  fi
  pids+=($!); names+=("$name")
}
[ "$dashboard" = 0 ] || launch screen "${screen_cmd[@]}"
launch book "${book_cmd[@]}" > /dev/null
for k in "${!signal_cmds[@]}"; do
  declare -n cmd="${signal_cmds[$k]}"
  launch "${signal_names[$k]}" "${cmd[@]}" > /dev/null
  unset -n cmd
done
launch exec "${exec_cmd[@]}"
launch risk "${risk_cmd[@]}"
launch feed "${feed_cmd[@]}"
{
  echo "session $session"
  for i in "${!pids[@]}"; do echo "${names[$i]} ${pids[$i]}"; done
} > "$run_dir/pids"
for i in "${!pids[@]}"; do printf 'run.sh: %s pid %s\n' "${names[$i]}" "${pids[$i]}" >&2; done
risk_pid=${pids[${#pids[@]}-2]}
echo "run.sh: session $session; kill -USR1 $risk_pid flattens; files in $run_dir" >&2

# A process's state letter from /proc (R, S, D running or sleeping; T stopped; Z exited and
# not yet reaped), or nothing once it is gone.
state_of() { awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null || true; }
# Why the session failed, first cause first: a stopped process, else the process furthest
# upstream that has exited with a failure, else the one that was seen to fail ($1 name, $2 pid,
# $3 status). risk's own failure is the watchdog's halt, whose reason its log gives.
describe_failure() {
  local name who pid i state code why
  for name in feed book signal exec screen risk; do
    for i in "${!pids[@]}"; do
      # A bot's signal is signal-NAME.
      [ "${names[$i]}" = "$name" ] || [ "${names[$i]#signal-}" != "${names[$i]}" -a "$name" = signal ] || continue
      who=${names[$i]}
      pid=${pids[$i]}
      state=$(state_of "$pid")
      if [ "$state" = T ] || [ "$state" = t ]; then
        echo "run.sh: $who (pid $pid) is stopped (SIGSTOP, or a debugger): the session cannot go on; stopping it"
        return
      fi
      code=
      if [ "$pid" = "$2" ]; then code=$3
      elif [ "$state" = Z ]; then set +e; wait "$pid"; code=$?; set -e
      fi
      [ -n "$code" ] && [ "$code" -ne 0 ] || continue
      why=""
      [ "$code" -le 128 ] || why=" (killed by SIG$(kill -l $((code - 128)) 2>/dev/null || echo "NAL $((code - 128))"))"
      if [ "$name" = risk ]; then
        halt=$(grep -a 'risk: HALT: ' "$run_dir/risk.log" 2>/dev/null | tail -n 1 | sed 's/^risk: HALT: //')
        [ -z "$halt" ] || why=" after halting trading ($halt)"
      fi
      echo "run.sh: $who (pid $pid) exited with status $code$why; stopping the session"
      return
    done
  done
  echo "run.sh: $1 (pid $2) exited with status $3; stopping the session"
}
# Trading halts on a failure; what is open is closed while exec can close it: a flatten through
# the session (exec confirms it), before the processes are stopped. A halt is never lifted within
# a session, so once exec has said it is flat it stays flat.
running() { case "$(state_of "$1")" in R|S|D) true ;; *) false ;; esac; }
exec_is_flat() { grep -aq 'exec: flat: no order working, no position' "$run_dir/exec.log" 2>/dev/null; }
flatten_before_stopping() {
  local exec_pid="" risk_pid_now="" i
  for i in "${!pids[@]}"; do
    case "${names[$i]}" in exec) exec_pid=${pids[$i]} ;; risk) risk_pid_now=${pids[$i]} ;; esac
  done
  # risk's watchdog sees a dead process within 20 ms and flattens by itself; a moment for it,
  # so that its log names the cause, before run.sh asks.
  for _ in $(seq 1 20); do
    [ -n "$risk_pid_now" ] && running "$risk_pid_now" || break
    ! grep -aq 'risk: HALT: ' "$run_dir/risk.log" 2>/dev/null || break
    sleep 0.05
  done
  if ! exec_is_flat && running "$exec_pid"; then
    if [ -n "$risk_pid_now" ] && running "$risk_pid_now"; then
      kill -USR1 "$risk_pid_now" 2>/dev/null || true
      for _ in $(seq 1 40); do
        ! exec_is_flat || break
        running "$exec_pid" || break
        sleep 0.05
      done
    else
      "$bin/risk" flatten "$session" >&2 || true
    fi
  fi
  if exec_is_flat; then
    echo "run.sh: flat: exec closed every order and position before the session stopped" >&2
  elif running "$exec_pid"; then
    echo "run.sh: the flatten was not confirmed (see $run_dir/risk.log and exec.log); the report shows what stays open" >&2
  else
    echo "run.sh: exec is not running: no flatten; the journal and report show what stays open" >&2
  fi
}

# Supervise: the run is over when feed, the book(s), signal and exec have ended (a replay's end
# flows down the rings); one failing (risk among them: its watchdog saw a process die or hang)
# stops them all, after a flatten.
status=0
live=("${pids[@]}")
core_left=$((${#pids[@]} - 1))
while [ "$core_left" -gt 0 ]; do
  set +e
  wait -n -p done_pid "${live[@]}"
  code=$?
  set -e
  still=()
  for pid in "${live[@]}"; do [ "$pid" = "$done_pid" ] || still+=("$pid"); done
  live=("${still[@]}")
  for i in "${!pids[@]}"; do
    [ "${pids[$i]}" = "$done_pid" ] || continue
    if [ "$code" -ne 0 ]; then
      failed=$(describe_failure "${names[$i]}" "$done_pid" "$code")
      [ "$dashboard" = 1 ] || echo "$failed" >&2
      status=1
    fi
    [ "${names[$i]}" = risk ] || core_left=$((core_left - 1))
  done
  [ "$status" -eq 0 ] || break
done
[ "$status" -eq 0 ] || flatten_before_stopping
finish "$status"
