"""pipeline: the whole trading pipeline, every stage its own process, against hftbacktest's `mm`.

    feed --replay -> ring -> book -> ring -> signal -> ring -> exec -> ring -> risk (lossy)

Throughput: the synthetic file from ../shared/peers (2,291,681 market events: level updates, trades
and snapshot levels, the same events hftbacktest's .npz holds) replayed at full speed through all
five processes, median of 5; events/s = events / wall time, taken two ways: from starting the
processes to exec's exit, and from exec's first input frame to its last (exec prints that span),
which is what hftbacktest's script times (its run call: JIT compilation, loading and set-up
excluded; the median of its 5 runs). Avellaneda-Stoikov requoting on every top, from the Binance
JSON lines (feed decodes them) and from feed's own binary capture of the same file (`feed
--record`, made once beforehand), which is what hftbacktest reads: its .npz is the same events
converted to a binary array beforehand; and hftbacktest's `mm` strategy itself (our `band`,
below) from the capture, twice: without its inventory skew, signal never waiting for exec (the
RESULT line's events_per_s, journal synced, timed first to last; ratio_to_hbt is it over
hftbacktest's figure, rounds_at_2x how many of the alternating rounds were at least twice
hftbacktest's run in the same round); and with the skew, as hftbacktest runs it, the position
learnt from exec in market time (signal --report-latency-ms 5, exec --progress: the loop a replay
runs under run.sh), loop_events_per_s and loop_ratio_to_hbt: where tops are further apart than
5 ms of market time, signal and exec take turns, a round trip between processes a top.

Latency: the synthetic market live (real time) through the same processes for --paced-seconds,
in each wait mode; tick-to-quote (signal) and tick-to-order (exec) are CLOCK_REALTIME at the
intent / order minus the market data's receive time in the feed (frame timestamps). The block
mode's target is taken in the same run: `ipc-bench oneway-block` measures the one-way hand-off
to a reader asleep on a ring's futex, and tick-to-order crosses three such hops (feed -> book ->
signal -> exec): target p50 <= 1.5 x 3 x that. Measured twice: with the reader asleep 300 us
between frames (the ipc benchmark's spacing) and 10 ms (the paced market's step: how long the
pipeline's stages sleep between messages); a reader woken after a long sleep takes longer. Like
the ipc benchmark's two sides, the stages are pinned (`--cpu`) so that each hop goes from one
CPU to the other. In block mode once more with the strategy in Python
(Examples/external-strategy, signal --strategy external): tick-to-quote across signal's round
trip to another process and its JSON, beside the in-process strategy's.

Same strategy: hftbacktest's `mm` example and our `signal --strategy band` (the same formulas)
with the same parameters (and the same latencies and queue model) on the same events, at max
speed through our five processes: fills, volume and PnL side by side, requoting every 100 ms and
every 1 s. Both skew by the position, 5 ticks a unit: hftbacktest's loop learns it its response
latency (5 ms) after a fill, ours from exec's ring in market time the same 5 ms later (signal
--report-latency-ms 5, exec --progress: the loop is causal at any speed). hftbacktest runs twice: as its script is, stepping from the data's start (each decision falls
just before a 100 ms depth diff arrives), and with its steps moved 5 ms later (hbt_mm_phase.py),
just after the diff, where our signal decides.

Allocations per event: every process under an LD_PRELOAD malloc counter, on the first 20,000
lines and on the whole file; the difference over the difference in events, summed over the
processes.

Usage: python bench_pipeline.py BIN_DIR BENCH_BIN_DIR PRELOAD_SO PEERS_PY DATA_DIR SHARED [PACED_SECONDS]
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

EVENTS = 2_291_681
INSTRUMENT = ["--instrument", "BTCUSDT:0.01000000:0.00100000"]
STRATEGY = ["--strategy", "as", "--quote-size", "0.1", "--max-position", "1", "--gamma", "0.01", "--kappa", "1",
            "--min-requote-ms", "0"]


# hftbacktest's example charges no fees; the paper venue's default is Binance spot's 0.1 %.
NO_FEES = ["--maker-fee-ppm", "0", "--taker-fee-ppm", "0"]


def start(argv, env=None, stderr=None):
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=stderr or subprocess.PIPE, env=env, text=True)


def pipeline(bin_dir, feed_args, idle, session, journal, env=None, latency=False, strategy=None, exec_args=("--max-position", "1"),
             pins=None, report_latency_ms=None):
    """Starts the five processes over a session's rings, as run.sh does (exec reads the market from
    feed's ring, tops and intents from signal's); returns them. `pins`: tool -> CPU (`--cpu`).
    `report_latency_ms`: signal learns its position from exec's ring in market time, as a replay
    under run.sh does (signal --positions --report-latency-ms, exec --progress)."""
    ring = lambda part: f"shm:tickpipe.{session}.{part}"
    pin = lambda tool: ["--cpu", str(pins[tool])] if pins and tool in pins else []
    common = ["--idle", idle, "--session", session]
    lat = ["--latency"] if latency else []
    feedback_signal, feedback_exec = [], []
    if report_latency_ms is not None:
        feedback_signal = ["--positions", ring("exec"), "--report-latency-ms", str(report_latency_ms)]
        feedback_exec = ["--progress"]
    procs = {}
    procs["risk"] = None
    # exec waits for risk, its reader: a fast run could otherwise end before risk attached.
    procs["exec"] = start([f"{bin_dir}/exec", "--in", ring("quotes"), "--market", ring("md"), "--out", ring("exec"),
                           "--readers", "1", "--journal", journal, *NO_FEES, *exec_args, *feedback_exec, *common, *lat, *pin("exec")], env)
    procs["signal"] = start([f"{bin_dir}/signal", "--in", ring("tops"), "--out", ring("quotes"), "--pass-tops",
                             *(strategy or STRATEGY), *feedback_signal, *common, *lat, *pin("signal")], env)
    procs["book"] = start([f"{bin_dir}/book", "--in", ring("md"), "--out", ring("tops"), "--progress", *common, *pin("book")], env)
    procs["feed"] = start([f"{bin_dir}/feed", "--out", ring("md"), "--readers", "2", *feed_args, *common, *pin("feed")], env)
    procs["risk"] = start([f"{bin_dir}/risk", "--session", session, "--exec", ring("exec")], env)
    return procs


def finish(procs, timeout=600):
    results = {}
    for name in ["feed", "book", "signal", "exec"]:
        out, err = procs[name].communicate(timeout=timeout)
        results[name] = (procs[name].returncode, err)
    procs["risk"].terminate()
    _, err = procs["risk"].communicate(timeout=30)
    results["risk"] = (0, err)
    return results


def throughput(bin_dir, feed_args, reps, strategy=None, exec_args=("--max-position", "1"), report_latency_ms=None):
    """Median events/s over `reps` runs: (whole processes, first to last frame, fills)."""
    times, spans = [], []
    for rep in range(reps):
        with tempfile.TemporaryDirectory() as scratch:
            session = f"bench{os.getpid()}r{rep}"
            start_time = time.perf_counter()
            procs = pipeline(bin_dir, ["--replay", *feed_args], "block", session, f"{scratch}/journal",
                             strategy=strategy, exec_args=exec_args, report_latency_ms=report_latency_ms)
            procs["feed"].wait(timeout=600)
            procs["exec"].wait(timeout=600)
            elapsed = time.perf_counter() - start_time
            results = finish(procs)
            for name, (code, err) in results.items():
                if code != 0:
                    sys.exit(f"pipeline: {name} exited {code}: {err[-400:]}")
            times.append(elapsed)
            spans.append(float(re.search(r"input frames in ([0-9.]+) s, first to last", results["exec"][1]).group(1)))
            fills = re.search(r"exec: BTCUSDT: (\d+) fills", results["exec"][1])
            print(f"# rep {rep}: {elapsed:.2f} s, first to last {spans[-1]:.3f} s, exec: "
                  f"{results['exec'][1].strip().splitlines()[-2]}", file=sys.stderr)
    times.sort()
    spans.sort()
    return EVENTS / times[len(times) // 2], EVENTS / spans[len(spans) // 2], int(fills.group(1)) if fills else 0


def allocations(bin_dir, preload, data_file, short_file):
    def run(path):
        with tempfile.TemporaryDirectory() as scratch:
            env = dict(os.environ, LD_PRELOAD=preload, MALLOC_COUNT_DIR=scratch)
            session = f"alloc{os.getpid()}{abs(hash(path)) % 1000}"
            procs = pipeline(bin_dir, ["--replay", path, *INSTRUMENT], "block", session, f"{scratch}/journal", env)
            procs["exec"].wait(timeout=600)
            finish(procs)
            counts = {}
            for name in os.listdir(scratch):
                if name.endswith(".count"):
                    counts[name[:-6]] = int(open(f"{scratch}/{name}").read().split("=")[1])
            return counts
    full, short = run(data_file), run(short_file)
    return {name: full.get(name, 0) - short.get(name, 0) for name in full}


def hftbacktest_mm(peers_py, shared, npz, arguments=(), phase_ms=None, reps=1):
    """Runs the peers' hftbacktest `mm` `reps` times (its script prints the median): its RESULT
    fields (empty if it failed), the line, stderr. `phase_ms`: its steps moved that much later
    (hbt_mm_phase.py)."""
    script = [f"{shared}/peers/bench_hftbacktest.py"] if phase_ms is None else \
        [os.path.join(os.path.dirname(os.path.abspath(__file__)), "hbt_mm_phase.py"), shared, str(phase_ms)]
    done = subprocess.run([peers_py, *script, "mm", npz, str(reps), *arguments], capture_output=True, text=True)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT"):
            return dict(part.split("=", 1) for part in line.split()[1:] if "=" in part), line, done.stderr
    return {}, None, done.stderr


def alternating_with_hftbacktest(bin_dir, peers_py, shared, npz, capture, rounds):
    """Ours with hftbacktest's mm strategy without its inventory skew, signal never waiting for
    exec (journal synced every 100 ms, exec's default, and left to the page cache); ours with the
    skew, learnt from exec in market time (the loop a replay runs under run.sh); and hftbacktest's
    mm, one run each in turn for `rounds` rounds, so they meet the same machine (this VM's speed
    drifts by a third over minutes): the median of each, (whole, first to last, fills) for ours,
    events/s for hftbacktest ("absent" if it failed), hftbacktest's last RESULT line, and each
    round's first-to-last ratios to hftbacktest's run in the same round, (synced, page cache,
    loop)."""
    open_loop, open_exec = mm_strategy(100, skew_ticks=0)
    band, band_exec = mm_strategy(100)
    synced, cached, looped, theirs, line = [], [], [], [], None
    for _ in range(rounds):
        synced.append(throughput(bin_dir, [capture], 1, open_loop, open_exec))
        # A replay's journal in the page cache (--fsync none) survives a crash of exec, not of
        # the machine; the replay can run again, and hftbacktest keeps no journal at all.
        cached.append(throughput(bin_dir, [capture], 1, open_loop, [*open_exec, "--fsync", "none"]))
        looped.append(throughput(bin_dir, [capture], 1, band, band_exec, REPORT_LATENCY_MS))
        if theirs is not None:
            fields, line, errors = hftbacktest_mm(peers_py, shared, npz, reps=1)
            if fields:
                theirs.append(float(fields["events_per_s"]))
            else:
                print(f"# hftbacktest mm failed: {errors[-400:]}", file=sys.stderr)
                theirs = None
    median = lambda values: sorted(values)[len(values) // 2]
    ours = lambda runs: tuple(median([run[part] for run in runs]) for part in range(3))
    rounds_ratios = [(mine[1] / hbt, page[1] / hbt, loop[1] / hbt)
                     for mine, page, loop, hbt in zip(synced, cached, looped, theirs or [])]
    return ours(synced), ours(cached), ours(looped), median(theirs) if theirs else "absent", line, rounds_ratios


# hftbacktest's response latency (its constant_order_latency(entry = response = 5 ms)): how long
# after exec wrote a fill or position our strategy sees it.
REPORT_LATENCY_MS = 5


def mm_strategy(step_ms, skew_ticks=5):
    """hftbacktest's `mm` as our `signal --strategy band`, with its parameters (its default skew, 5
    ticks per unit of position); and exec with its latencies and queue model."""
    band = ["--strategy", "band", "--quote-size", "0.1", "--max-position", "5", "--step-ms", str(step_ms),
            "--vol-mult", "2", "--skew-ticks", str(skew_ticks), "--min-requote-ms", "0", "--min-move-ticks", "1"]
    return band, ["--max-position", "5", "--entry-latency-ms", "5", "--queue-power", "2", "--md-latency-ms", "2.25"]


def same_strategy(bin_dir, peers_py, shared, synth, npz, step_ms):
    """Ours, hftbacktest's mm and hftbacktest's mm deciding after each diff, one parameter set:
    (fills, volume, pnl) for each."""
    band, exec_args = mm_strategy(step_ms)
    with tempfile.TemporaryDirectory() as scratch:
        journal = f"{scratch}/journal"
        procs = pipeline(bin_dir, ["--replay", synth, *INSTRUMENT], "block", f"same{os.getpid()}s{step_ms}", journal,
                         strategy=band, exec_args=exec_args, report_latency_ms=REPORT_LATENCY_MS)
        finish(procs)
        report = subprocess.run([f"{bin_dir}/exec", "report", journal], capture_output=True, text=True).stdout
        row = lambda label: re.search(r"<tr><td>" + re.escape(label) + r"</td><td class=\"v\">([^<]*)<", report).group(1)
        ours = (int(row("fills")), float(row("turnover (volume)")), float(row("total PnL")))
    arguments = ["--requote-ms", str(step_ms), "--skew-ticks", "5", "--max-pos", "5", "--qty", "0.1", "--latency-ms", "5"]
    outcome = lambda fields: (int(fields["fills"]), float(fields["volume"]), float(fields["pnl"])) if fields else None
    theirs = outcome(hftbacktest_mm(peers_py, shared, npz, arguments)[0])
    # Deciding 5 ms later: just after each 100 ms depth diff reaches the strategy, as ours does.
    theirs_after_diff = outcome(hftbacktest_mm(peers_py, shared, npz, arguments, phase_ms=5)[0])
    return ours, theirs, theirs_after_diff


# Paced runs pin the stages as the ipc benchmark pins its two sides, so each hop is a hand-off
# from one CPU to the other: feed and signal on CPU 0, book and exec on CPU 1 (risk unpinned).
PACED_PINS = {"feed": 0, "book": 1, "signal": 0, "exec": 1}


EXTERNAL = ["--strategy", "external", "--quote-size", "0.1", "--max-position", "1", "--min-requote-ms", "0", "--external",
            "python3 " + os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Examples", "external-strategy",
                                      "imbalance_maker.py")]


def paced(bin_dir, seconds, idle, strategy=None):
    with tempfile.TemporaryDirectory() as scratch:
        session = f"paced{os.getpid()}{idle}{'x' if strategy else ''}"
        pins = PACED_PINS if os.cpu_count() >= 2 else None
        procs = pipeline(bin_dir, ["--duration", str(seconds)], idle, session, f"{scratch}/journal", latency=True, pins=pins,
                         strategy=strategy)
        results = finish(procs, timeout=seconds + 120)
        quote = re.search(r"tick-to-quote ns p50=(\d+) p99=(\d+) p999=(\d+) max=(\d+) n=(\d+)", results["signal"][1])
        order = re.search(r"tick-to-order ns p50=(\d+) p99=(\d+) p999=(\d+) max=(\d+) n=(\d+)", results["exec"][1])
        return quote.groups() if quote else None, order.groups() if order else None


def main():
    bin_dir, bench_dir, preload, peers_py, data_dir, shared = sys.argv[1:7]
    paced_seconds = int(sys.argv[7]) if len(sys.argv) > 7 else 10
    synth_gz = f"{data_dir}/synth_2000000_42.gz"
    synth = f"{data_dir}/synth_2000000_42.txt"
    npz = f"{data_dir}/synth_2000000_42.npz"
    if not os.path.exists(synth):
        subprocess.run(f"gzip -dc {synth_gz} > {synth}.tmp && mv {synth}.tmp {synth}", shell=True, check=True)
    short = f"{data_dir}/synth_head.txt"
    with open(synth, "rb") as reader, open(short, "wb") as writer:
        for index, line in enumerate(reader):
            if index >= 20_000:
                break
            writer.write(line)

    capture = f"{data_dir}/synth_2000000_42.frames"
    # Made again by every new feed: a capture holds frames of the layout version that wrote it.
    if not os.path.exists(capture) or os.path.getmtime(capture) < os.path.getmtime(f"{bin_dir}/feed"):
        subprocess.run([f"{bin_dir}/feed", "--replay", synth, *INSTRUMENT, "--record", capture],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    events_per_s, events_span_per_s, fills = throughput(bin_dir, [synth, *INSTRUMENT], 5)
    capture_events_per_s, capture_span_per_s, capture_fills = throughput(bin_dir, [capture], 5)
    (mm_synced_events_per_s, mm_synced_span_per_s, mm_synced_fills), (mm_events_per_s, mm_span_per_s, mm_fills), \
        (loop_events_per_s, loop_span_per_s, loop_fills), hbt, hbt_line, rounds_ratios = \
        alternating_with_hftbacktest(bin_dir, peers_py, shared, npz, capture, 5)

    modes = {}
    for idle in ["block", "yield", "spin"]:
        modes[idle] = paced(bin_dir, paced_seconds, idle)
    external_quote, _ = paced(bin_dir, paced_seconds, "block", EXTERNAL)
    def handoff(gap_us):
        done = subprocess.run([f"{bench_dir}/ipc-bench", "oneway-block", str(gap_us)], capture_output=True, text=True, check=True)
        return int(re.search(r"p50_ns=(\d+)", done.stdout).group(1))
    handoff_ns = handoff(300)
    # The paced market moves every 10 ms: its stages sleep that long between messages, and a
    # reader woken after a long sleep takes longer than one woken after 300 us.
    handoff_10ms_ns = handoff(10_000)

    same = {step: same_strategy(bin_dir, peers_py, shared, synth, npz, step) for step in [100, 1000]}

    allocs = allocations(bin_dir, preload, synth, short)
    short_events = 20_000 * EVENTS // 437_328  # the head holds about this share of the events
    per_event = round(sum(allocs.values()) / (EVENTS - short_events), 4) + 0.0  # no "-0.0000" from a count that went down

    print(f"throughput: {EVENTS} events, 5 processes over rings (idle block), median of 5; events/s over the whole\n"
          "  processes (start to exec's exit) and from exec's first input frame to its last (hftbacktest's figure\n"
          "  times its run call: no loading, no set-up). exec journals every order and fill, synced every 100 ms\n"
          "  (its default) or, 'page cache', left to the kernel (--fsync none: it survives a crash of exec, not of\n"
          "  the machine; a replay can run again, and hftbacktest keeps no journal)")
    print("  hftbacktest's mm skews by its position, 5 ticks a unit. Skew 0: signal never waits for exec. Skew 5,\n"
          f"  exec's loop: signal learns the position from exec in market time, {REPORT_LATENCY_MS} ms after each fill (signal\n"
          "  --report-latency-ms, exec --progress, as a replay runs under run.sh; hftbacktest's response latency is\n"
          "  the same 5 ms): where tops are further apart than 5 ms, signal and exec take turns, one round trip a top")
    print(f"{'':64}{'whole':>10}{'first to last':>16}")
    rows = [("Avellaneda-Stoikov every top, JSON in, synced", events_per_s, events_span_per_s, fills),
            ("Avellaneda-Stoikov every top, capture in, synced", capture_events_per_s, capture_span_per_s, capture_fills),
            ("hftbacktest's mm (band 100 ms), skew 0, capture in, synced", mm_synced_events_per_s, mm_synced_span_per_s,
             mm_synced_fills),
            ("hftbacktest's mm (band 100 ms), skew 0, capture in, page cache", mm_events_per_s, mm_span_per_s, mm_fills),
            ("hftbacktest's mm, skew 5, exec's loop, capture in, synced", loop_events_per_s, loop_span_per_s, loop_fills)]
    for label, whole, span, count in rows:
        print(f"{label:64}{whole / 1e6:8.3f} M{span / 1e6:14.3f} M   ({count} fills)")
    if hbt != "absent":
        print(f"{'hftbacktest mm, skew 5 (.npz in, run call, between ours)':64}{'':10}{hbt / 1e6:14.3f} M")
        for label, whole, span, _ in rows:
            print(f"{'ratio to hftbacktest, ' + label:86}{whole / hbt:6.2f}{span / hbt:8.2f}")
        # The medians above may come from different rounds; each round's own pair shows the spread.
        print("each round, first to last / hftbacktest's run in that round, synced / page cache / loop: "
              + "  ".join(f"{synced:.2f} / {cached:.2f} / {loop:.2f}" for synced, cached, loop in rounds_ratios)
              + f"   (at or above 2: {sum(r[0] >= 2 for r in rounds_ratios)} / {sum(r[1] >= 2 for r in rounds_ratios)} of {len(rounds_ratios)})")
        print(f"# {hbt_line}")
    print(f"paced ({paced_seconds} s of the synthetic market in real time; feed, signal on CPU 0, book, exec on CPU 1), "
          "ns: p50 p99 p99.9 max n")
    for idle, (quote, order) in modes.items():
        print(f"  {idle:6} tick-to-quote {' '.join(quote) if quote else 'n/a'}")
        print(f"  {idle:6} tick-to-order {' '.join(order) if order else 'n/a'}")
    print(f"  block  tick-to-quote {' '.join(external_quote) if external_quote else 'n/a'}   the strategy in Python "
          "(signal --strategy external: a JSON round trip to another process a top)")
    order_block = modes["block"][1]
    for gap, hop in [("300 us", handoff_ns), ("10 ms, the paced market's step", handoff_10ms_ns)]:
        target_ns = 1.5 * 3 * hop
        print(f"  block target, readers asleep {gap} between frames: 1.5 x 3 hops x one-way hand-off {hop} ns "
              f"(ipc-bench oneway-block, this run) = {target_ns:.0f} ns; tick-to-order p50 / target = "
              + (f"{int(order_block[0]) / target_ns:.2f}" if order_block else "n/a"))
    print("same strategy (band = hftbacktest's mm, skew 5 ticks a unit of position, 0.1 a side, max position 5, 5 ms entry\n"
          "  and response latency, queue power 2, market data 2.25 ms old: gen_market.py's receive times trail the\n"
          "  exchange's by 2 + U(0, 0.5) ms):")
    print("  (hftbacktest's script steps just before each 100 ms depth diff arrives, ours decides on each diff;\n"
          "  'after the diff' is the same script with its steps moved 5 ms later: Benchmarks/pipeline/hbt_mm_phase.py)")
    row = lambda label, r: f"   {label}: {r[0]:6} fills, volume {r[1]:8.3f}, PnL {r[2]:8.4f}" if r else f"   {label}: absent"
    for step, (ours, theirs, after) in same.items():
        print(f"  requote {step:5} ms" + row("ours", ours))
        print(" " * 18 + row("hftbacktest", theirs))
        print(" " * 18 + row("hftbacktest after the diff", after))
    print("allocations over the events beyond the first 20,000 lines: " + ", ".join(f"{k} {v}" for k, v in sorted(allocs.items())))
    hbt_field = "absent" if hbt == "absent" else f"{hbt:.0f}"
    # events_per_s is the like-for-like figure: hftbacktest's own strategy, binary input, timed as
    # its run call is, journal synced (exec's default); ratio_to_hbt is its ratio to hftbacktest's.
    ratio_field = "absent" if hbt == "absent" else f"{mm_synced_span_per_s / hbt:.2f}"
    loop_ratio_field = "absent" if hbt == "absent" else f"{loop_span_per_s / hbt:.2f}"
    rounds_field = "absent" if hbt == "absent" else f"{sum(r[0] >= 2 for r in rounds_ratios)}/{len(rounds_ratios)}"
    print(f"RESULT pipeline events_per_s={mm_synced_span_per_s:.0f} hbt_mm_events_per_s={hbt_field} ratio_to_hbt={ratio_field} "
          f"rounds_at_2x={rounds_field} page_cache_events_per_s={mm_span_per_s:.0f} "
          f"loop_events_per_s={loop_span_per_s:.0f} loop_ratio_to_hbt={loop_ratio_field} "
          f"as_json_whole_events_per_s={events_per_s:.0f} as_capture_whole_events_per_s={capture_events_per_s:.0f} "
          f"tick_to_quote_p50_ns={modes['block'][0][0] if modes['block'][0] else 'n/a'} "
          f"external_tick_to_quote_p50_ns={external_quote[0] if external_quote else 'n/a'} "
          f"tick_to_order_p50_ns={order_block[0] if order_block else 'n/a'} "
          f"tick_to_order_p99_ns={order_block[1] if order_block else 'n/a'} allocs_per_event={per_event:.4f} "
          f"block_handoff_ns={handoff_ns} block_handoff_10ms_ns={handoff_10ms_ns}")


if __name__ == "__main__":
    main()
