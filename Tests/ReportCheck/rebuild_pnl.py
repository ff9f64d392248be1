"""Rebuilds a run's position, realized PnL and fees from its fills.csv with Python's Decimal,
independently of tickpipe's code: lots matched first in, first out, as the exchange's
accounting does. Prints `position=... realized=... fees=...` in base units and quote currency.

usage: rebuild_pnl.py FILLS_CSV TICK LOT
"""
import csv
import sys
from decimal import Decimal, getcontext

getcontext().prec = 80  # far past any figure here: no rounding at all


def main(path, tick, lot):
    tick, lot = Decimal(tick), Decimal(lot)
    open_lots = []  # [price, signed size], oldest first
    realized = Decimal(0)
    fees = Decimal(0)
    for row in csv.DictReader(open(path)):
        if row["type"] != "executionReport" or row["command_or_report"] not in ("fill", "partialFill"):
            continue
        price, size = Decimal(row["price"]), Decimal(row["size"])
        fee = Decimal(row["fee_ticks_lots"]) * tick * lot  # the exact integer, in ticks x lots
        if Decimal(row["fee"]) != fee:
            sys.exit(f"record {row['record']}: fee {row['fee']} is not {row['fee_ticks_lots']} ticks x lots")
        fees += fee
        remaining = size if row["side"] == "buy" else -size
        while remaining and open_lots and (open_lots[0][1] > 0) != (remaining > 0):
            entry, held = open_lots[0]
            closing = min(abs(held), abs(remaining))
            realized += (price - entry) * closing if held > 0 else (entry - price) * closing
            if abs(held) == closing:
                open_lots.pop(0)
            else:
                open_lots[0][1] = held - closing if held > 0 else held + closing
            remaining += -closing if remaining > 0 else closing
        if remaining:
            open_lots.append([price, remaining])
    position = sum((held for _, held in open_lots), Decimal(0))
    print(f"position={position.normalize():f} realized={realized.normalize():f} fees={fees.normalize():f}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
