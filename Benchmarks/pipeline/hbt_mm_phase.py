"""hftbacktest's `mm`, from ../shared/peers/bench_hftbacktest.py as it is, with its steps moved.

Usage: python hbt_mm_phase.py SHARED PHASE_MS [bench_hftbacktest.py's arguments...]

The peers' script steps every --requote-ms from the data's first event. On Binance's 100 ms depth
stream that puts each decision just before a diff arrives (the synthetic file's diffs reach the
strategy 2-2.5 ms after each 100 ms mark, the steps fall 1 ms before it): the orders then land on a
book that moved after they were priced. Our signal decides on each diff's top instead. This runs
the same script with one line added at the start of `mm`, `hbt.elapse(PHASE)`, so that each step
falls PHASE_MS later, just after the diff: the two strategies then decide on the same book.
"""
import sys

shared, phase_ms, *arguments = sys.argv[1:]
path = f"{shared}/peers/bench_hftbacktest.py"
source = open(path).read()
anchor = "def mm(hbt, rec, step_ns, qty, max_pos, skew_ticks, vol_mult):\n    var, last_mid, steps = 0.0, np.nan, 0\n"
if source.count(anchor) != 1:
    sys.exit(f"hbt_mm_phase: {path} no longer starts mm as expected; update the anchor")
source = source.replace(anchor, anchor + f"    hbt.elapse({int(float(phase_ms) * 1_000_000)})\n")
sys.argv = [path, *arguments]
exec(compile(source, path, "exec"), {"__name__": "__main__", "__file__": path})
