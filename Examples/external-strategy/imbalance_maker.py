#!/usr/bin/env python3
"""A market maker in Python under tickpipe's signal (docs/external.md).

Quotes --spread-ticks wide around a fair price that leans toward the side of the book with more
size (its top --book-levels levels) and away from our inventory; after a fill, that side stays
off the book for --cooldown-ms of market time (a timer brings it back). Prices and sizes are
decimal strings, exact: Decimal keeps them so.

    ./run.sh --strategy external --book-levels 5 \
        --external 'python3 Examples/external-strategy/imbalance_maker.py --spread-ticks 6'
"""
import argparse
import json
import sys
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

parser = argparse.ArgumentParser()
parser.add_argument("--spread-ticks", type=int, default=4)
parser.add_argument("--lean-ticks", type=Decimal, default=Decimal(2))
parser.add_argument("--skew-ticks", type=Decimal, default=Decimal(2))
parser.add_argument("--cooldown-ms", type=int, default=500)
args = parser.parse_args()

instruments = {}  # id -> {"tick", "lot", "size", "max", "position", "off": {side: timer}}
fills = 0


def on_tick(price, tick, rounding):
    """The multiple of tick nearest price in the direction of rounding."""
    return (price / tick).to_integral_value(rounding) * tick


def quote(market, book):
    bids, asks = book["bids"], book["asks"]
    if not bids or not asks:
        return {"type": "cancel", "id": book["id"]}
    tick = market["tick"]
    best_bid, best_ask = Decimal(bids[0]["price"]), Decimal(asks[0]["price"])
    bid_depth = sum(Decimal(level["size"]) for level in bids)
    ask_depth = sum(Decimal(level["size"]) for level in asks)
    imbalance = (bid_depth - ask_depth) / (bid_depth + ask_depth)
    inventory = market["position"] / market["max"]
    fair = (best_bid + best_ask) / 2 + (imbalance * args.lean_ticks - inventory * args.skew_ticks) * tick
    half = Decimal(args.spread_ticks) / 2 * tick
    bid = min(on_tick(fair - half, tick, ROUND_FLOOR), best_ask - tick)
    ask = max(on_tick(fair + half, tick, ROUND_CEILING), best_bid + tick)
    size = str(market["size"])
    command = {"type": "quote", "id": book["id"], "bids": [], "asks": []}
    if market["position"] < market["max"] and "buy" not in market["off"]:
        command["bids"].append({"price": str(bid), "size": size})
    if market["position"] > -market["max"] and "sell" not in market["off"]:
        command["asks"].append({"price": str(ask), "size": size})
    return command


def handle(event):
    global fills
    kind = event["type"]
    if kind == "instrument":
        instruments[event["id"]] = {
            "tick": Decimal(event["tick"]), "size": Decimal(event["quote_size"]),
            "max": Decimal(event["max_position"]), "position": Decimal(0), "off": {}}
    elif kind == "book":
        return [quote(instruments[event["id"]], event)]
    elif kind == "position":
        instruments[event["id"]]["position"] = Decimal(event["position"])
    elif kind == "order" and event["report"] in ("fill", "partial_fill"):
        fills += 1
        market = instruments[event["id"]]
        timer = 2 * (list(instruments).index(event["id"])) + (0 if event["side"] == "buy" else 1)
        if timer < 16:
            market["off"][event["side"]] = timer
            return [{"type": "timer", "timer": timer, "at_ns": event["time_ns"] + args.cooldown_ms * 1_000_000}]
    elif kind == "timer":
        for market in instruments.values():
            market["off"] = {side: timer for side, timer in market["off"].items() if timer != event["timer"]}
    return []


for line in sys.stdin:
    print(json.dumps(handle(json.loads(line)), separators=(",", ":")), flush=True)
print(f"imbalance_maker: {fills} fills", file=sys.stderr)
