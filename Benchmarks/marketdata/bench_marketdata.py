"""marketdata: feed's decoder and book's books against orjson and NautilusTrader, on the same files.

    decode   recorded lines -> frames        vs  orjson.loads on the same lines
    book     frames -> L2 books, tops        vs  NautilusTrader OrderBook.apply_deltas (batched)

Each of ours is measured twice. In memory, as the peers are: decode-bench and book-bench
(Benchmarks/Sources, compiled from feed's and book's own sources) load the input first and time
the decoder or the book alone, median of REPS passes; these are the figures the ratios and the
RESULT line compare. As whole processes: the real tools, release builds, wall time of the median
of REPS runs from page cache to /dev/null, which adds reading the file, splitting lines and
writing frames. Allocations per message are marginal: each tool runs under an LD_PRELOAD malloc
counter on a short and on the full input, and the difference is divided by the difference in
messages, so start-up and shutdown cancel out.

Usage: python bench_marketdata.py BIN_DIR BENCH_BIN_DIR PRELOAD_SO PEERS_VENV_PY DATA_DIR SHARED_DATA [REPS]
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time


def run_timed(argv, stdin_path=None, reps=3, env=None):
    times = []
    for _ in range(reps):
        stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        start = time.perf_counter()
        done = subprocess.run(argv, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        elapsed = time.perf_counter() - start
        if stdin_path:
            stdin.close()
        if done.returncode != 0:
            sys.exit(f"marketdata: {' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
        times.append(elapsed)
    return statistics.median(times), done.stderr.decode()


def allocations(argv, stdin_path=None):
    with tempfile.NamedTemporaryFile("r", suffix=".count") as count:
        env = dict(os.environ, LD_PRELOAD=PRELOAD, MALLOC_COUNT_FILE=count.name)
        run_timed(argv, stdin_path, reps=1, env=env)
        text = open(count.name).read().strip()
        return int(text.split("=")[1])


def result_fields(argv):
    """Runs a benchmark that ends with a RESULT line and returns its key=value fields."""
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"marketdata: {' '.join(argv)} failed ({done.returncode}): {done.stderr[-500:]}")
    print(f"# {done.stdout.strip().splitlines()[0]}", file=sys.stderr)
    line = done.stdout.strip().splitlines()[-1]
    return dict(part.split("=", 1) for part in line.split()[2:])


def head_lines(source, target, count):
    with open(source, "rb") as reader, open(target, "wb") as writer:
        for index, line in enumerate(reader):
            if index >= count:
                break
            writer.write(line)


def orjson_rate(path, reps):
    import orjson
    lines = []
    with open(path, "rb") as reader:
        for line in reader:
            space = line.index(b" ")
            lines.append(line[space + 1:])
    total = sum(len(line) for line in lines)
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        for line in lines:
            orjson.loads(line)
        times.append(time.perf_counter() - start)
    best = statistics.median(times)
    return total / best / 1e6, len(lines) / best


def main():
    global PRELOAD
    bin_dir, bench_dir, PRELOAD, peers_py, data_dir, shared = sys.argv[1:7]
    reps = int(sys.argv[7]) if len(sys.argv) > 7 else 3
    feed, book = f"{bin_dir}/feed", f"{bin_dir}/book"
    synth_gz = f"{data_dir}/synth_2000000_42.gz"
    synth = f"{data_dir}/synth_2000000_42.txt"
    npz = f"{data_dir}/synth_2000000_42.npz"
    if not os.path.exists(synth):
        subprocess.run(f"gzip -dc {synth_gz} > {synth}.tmp && mv {synth}.tmp {synth}", shell=True, check=True)
    instrument = ["--instrument", "BTCUSDT:0.01000000:0.00100000"]
    lines = sum(1 for _ in open(synth, "rb"))
    size = os.path.getsize(synth)

    # feed: decode the whole file at max speed, in memory and as the whole process.
    decode = result_fields([f"{bench_dir}/decode-bench", synth, instrument[1], str(max(reps, 5))])
    decode_mb_s, decode_msgs_s = float(decode["mb_per_s"]), float(decode["messages_per_s"])
    process_s, feed_log = run_timed([feed, "--replay", synth, *instrument], reps=reps)
    print(f"# {feed_log.strip().splitlines()[-1]}", file=sys.stderr)
    process_mb_s, process_msgs_s = size / process_s / 1e6, lines / process_s

    # The same on the real BTCUSDT recording (both files, gzip, as shipped).
    real = [f"{shared}/binance-spot/btcusdt_20240808.gz", f"{shared}/binance-spot/btcusdt_20240809.gz"]
    real_s, _ = run_timed([feed, "--replay", *real, "--exchange-info", f"{shared}/cryptofeed/BINANCE.0"], reps=reps)
    real_lines = 41249 + 58325

    orjson_mb_s, orjson_msgs_s = orjson_rate(synth, reps)

    # book: apply every frame of the synthetic file (captured once) and publish tops as frames.
    frames = f"{data_dir}/synth_2000000_42.frames"
    # Made again by every new feed: a capture holds frames of the layout version that wrote it.
    if not os.path.exists(frames) or os.path.getmtime(frames) < os.path.getmtime(feed):
        subprocess.run([feed, "--replay", synth, *instrument, "--record", frames], stdout=subprocess.DEVNULL, check=True)
    level_updates = 2_000_007 + 40
    book_fields = result_fields([f"{bench_dir}/book-bench", frames, str(max(reps, 5))])
    book_rate = float(book_fields["level_updates_per_s"])
    book_s, _ = run_timed([book, "--out", "-"], stdin_path=frames, reps=reps)
    book_process_rate = level_updates / book_s

    # NautilusTrader's book, batched per message, on the same events (its script from ../shared/peers).
    peers = f"{shared}/../peers"
    done = subprocess.run([peers_py, f"{peers}/bench_nautilus_book.py", "batch_bbo", npz, str(reps)],
                          capture_output=True, text=True)
    nautilus = "absent"
    for line in done.stdout.splitlines():
        if line.startswith("RESULT"):
            fields = dict(part.split("=", 1) for part in line.split()[1:] if "=" in part)
            nautilus = float(fields["events_per_s"])
    if nautilus == "absent":
        print(f"# nautilus failed: {done.stderr[-400:]}", file=sys.stderr)

    # Allocations per message, marginal: full input minus the first 20,000 lines.
    short = f"{data_dir}/synth_head.txt"
    head_lines(synth, short, 20_000)
    feed_allocs = (allocations([feed, "--replay", synth, *instrument]) - allocations([feed, "--replay", short, *instrument]))
    short_frames = f"{data_dir}/synth_head.frames"
    subprocess.run([feed, "--replay", short, *instrument, "--record", short_frames], stdout=subprocess.DEVNULL, check=True)
    short_frame_count = os.path.getsize(short_frames) // 64 - 1
    all_frame_count = os.path.getsize(frames) // 64 - 1
    book_allocs = (allocations([book, "--out", "-"], frames) - allocations([book, "--out", "-"], short_frames))
    messages = lines - 20_000
    feed_per_msg = feed_allocs / messages
    book_per_frame = book_allocs / (all_frame_count - short_frame_count)
    per_message = (feed_allocs + book_allocs) / messages

    print(f"files: {synth} ({size / 1e6:.1f} MB, {lines} lines, {level_updates} level updates); "
          f"BTCUSDT 2024-08-08+09 ({real_lines} lines, gzip)")
    print(f"{'decode, feed in memory (decode-bench)':40}{decode_mb_s:10.1f} MB/s {decode_msgs_s / 1e6:8.3f} M msg/s")
    print(f"{'decode, orjson.loads (Python loop)':40}{orjson_mb_s:10.1f} MB/s {orjson_msgs_s / 1e6:8.3f} M msg/s")
    print(f"{'decode, feed (whole process)':40}{process_mb_s:10.1f} MB/s {process_msgs_s / 1e6:8.3f} M msg/s")
    print(f"{'decode, feed, real BTCUSDT gzip':40}{'':10}      {real_lines / real_s / 1e6:8.3f} M msg/s")
    print(f"{'book, in memory (book-bench)':40}{book_rate / 1e6:10.2f} M/s")
    if nautilus != "absent":
        print(f"{'book, NautilusTrader apply_deltas':40}{nautilus / 1e6:10.2f} M/s")
    print(f"{'book, level updates (whole process)':40}{book_process_rate / 1e6:10.2f} M/s")
    print(f"{'ratio decode / orjson (MB/s, in memory)':40}{decode_mb_s / orjson_mb_s:10.2f}  (target >= 2)")
    print(f"{'ratio decode / orjson (whole process)':40}{process_mb_s / orjson_mb_s:10.2f}")
    if nautilus != "absent":
        print(f"{'ratio book / nautilus (in memory)':40}{book_rate / nautilus:10.2f}  (target >= 10)")
        print(f"{'ratio book / nautilus (whole process)':40}{book_process_rate / nautilus:10.2f}")
    print(f"{'allocations per message, feed':40}{feed_per_msg:10.4f}  ({feed_allocs} over {lines - 20_000} lines)")
    print(f"{'allocations per frame, book':40}{book_per_frame:10.4f}  ({book_allocs} over {all_frame_count - short_frame_count} frames)")
    nautilus_field = "absent" if nautilus == "absent" else f"{nautilus:.0f}"
    print(f"RESULT marketdata decode_mb_s={decode_mb_s:.1f} orjson_mb_s={orjson_mb_s:.1f} "
          f"book_updates_per_s={book_rate:.0f} nautilus_book_updates_per_s={nautilus_field} "
          f"allocs_per_msg={per_message:.4f} feed_process_mb_s={process_mb_s:.1f} "
          f"book_process_updates_per_s={book_process_rate:.0f}")


if __name__ == "__main__":
    main()
