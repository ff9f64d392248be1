"""A loopback stand-in for Binance's spot WebSocket API (BINANCE.md G), for the live trading tests:
the same protocol over TLS, checked as the venue checks it.

    wss://127.0.0.1:<port>/ws-api/v3

- Signatures exactly as the docs define them: params except `signature`, sorted by name,
  `k=v` joined by `&`, unencoded; HMAC-SHA256 hex (`--hmac-secret`) or Ed25519 base64 over the
  same payload (`--ed25519-public-key`, a PEM file). `session.logon` (Ed25519 only) authenticates
  the connection; after it, signed requests need no `apiKey`/`signature`.
- `timestamp` against `recvWindow` (default 5000 ms, max 60000) and the server's clock, which
  `--clock-skew-ms` moves: -1021 outside it. A wrong key: -2015; a wrong signature: -1022.
- `--rate-limit-first METHOD`: the first such request is answered 429 with `retryAfter`.
- Every answer carries `rateLimits` (REQUEST_WEIGHT 6000/min, ORDERS 50/10 s and 160000/day,
  counted per connection here). `--orders-limit N`: new orders (`order.place`,
  `order.cancelReplace`) are counted per 10-second interval against N, said in the ORDERS
  reading, and one past it is refused 429 -1015 "Too many new orders".
- `exchangeInfo` (`symbol`): the symbols of `--exchange-info FILE` (a raw JSON answer, or a line
  `URL -> time: JSON` as cryptofeed records it) and of `--symbol SYMBOL:TICK:STEP`
  (generated: minNotional 5, PERCENT_PRICE_BY_SIDE 5/0.2, MAX_NUM_ORDERS 200). Orders on a known
  symbol are checked against its PRICE_FILTER and LOT_SIZE (-1013 "Filter failure: …").
- Orders rest in an account book: `order.place` (LIMIT_MAKER, LIMIT GTC/IOC/FOK, MARKET),
  `order.cancel`, `order.cancelReplace` (STOP_ON_FAILURE), `openOrders.cancelAll` (-2011 "Unknown
  order sent." when nothing is open, as the venue answers), `order.amend.keepPriority` (a smaller
  quantity, the order keeps its place in the queue: matched oldest order id first; an
  `executionReport` REPLACED, with `C` the old client id; printed as {"amended": {…}}),
  `openOrders.status`, `order.status`,
  `myTrades` (`orderId`), `userDataStream.subscribe` (then `executionReport` events).
- Matching against what the control says the market is: a touch (`book`) that a LIMIT_MAKER
  crossing it is refused against (-2010 "Order would immediately match and take.") and that
  MARKET and IOC orders take (up to its size, the rest EXPIRED); and trades (`trade`) that fill
  resting orders priced through or at them, in time order, up to the trade's quantity. Fills
  pay 0.1 %: a buy in the base asset, a sell in the quote asset, as Binance charges by default.
- An account (`--balance ASSET:AMOUNT`): fills move its balances, and an order its free balance
  cannot cover is refused (-2010 "Account has insufficient balance for requested action.");
  `account.status` lists every balance (free, and locked by open orders), and each change is sent
  as an `outboundAccountPosition` event and printed as {"balances": {asset: total}}.

- `--market-recording FILE... --exchange-info FILE [--market-speed N]`: the recording is also
  served as the market (binance_server.py: `wss://127.0.0.1:<port>/stream`, snapshots and
  exchangeInfo at `https://127.0.0.1:<rest_port>/api/v3/`) at N times its pace (1), and every
  `bookTicker` it sends is the touch, every `trade` a print: orders meet the market the feed sees.
  With `--market-lockstep-ms MS` each message waits until an order request (`order.place`,
  `order.cancelReplace`) arrives or MS pass: the order is that message's, and
  {"tick_to_wire_ns": N} is printed: from just before the message was written to the order's bytes
  read off the socket (decrypted, as they reach websockets; the last bytes read before the order
  came out of websockets: never early). With it: the message's write time (`market_send_ns`), the
  stand-in's own lag from reading the order to its request loop seeing it (`loop_lag_ns`), both
  ends in CLOCK_REALTIME (`market_sent_wall_ns`, `order_read_wall_ns`, as the tools stamp theirs)
  and the order's `client` id.

Control, one JSON object per line on standard input:
    {"seed": {"symbol": "BTCUSDT", "side": "BUY", "price": "1.00", "quantity": "0.1", "clientOrderId": "x"}}
        an open order of the account's, placed as if by another session
    {"book": {"symbol": "BTCUSDT", "bid": "99.98", "ask": "100.02", "size": "5"}}   the touch
    {"trade": {"symbol": "BTCUSDT", "price": "100.00", "quantity": "0.5"}}   a trade printing
    {"drop_next": "order.place"}    the next such request is executed, and the connection dropped
        before the answer
    {"timeout_next": "order.place"}    the next such request is executed, and answered 503 -1007
    {"duplicate_events": true}    every executionReport from now on is sent twice
    {"swap_events": true}    from now on each user data event is held until the next one and sent
        after it (or alone after 0.3 s): fills, acks and cancels arrive out of order
    {"deposit": {"asset": "BTC", "amount": "0.5"}}    the account's balance moved from outside: a
        balanceUpdate and an outboundAccountPosition sent
    {"revoke_key": true}    the API key revoked: every logged-on session is logged off and told
        (401 -2015, no id), its user data stream ends, and every keyed request is refused 401 -2015
        until {"revoke_key": false}
    {"clock_skew_ms": N}    the server's clock jumps to N ms ahead of this machine's (as
        --clock-skew-ms): requests timed by the old offset are refused -1021
    {"shutdown": true}    a `serverShutdown` event to every connection, which then closes after 1 s
Standard output, one JSON line each: {"port": N} (and "rest_port" with a market) when listening; {"open_orders": N, "orders":
[{"c", "side", "price", "quantity"}…], "t": epoch_s} whenever the open orders change;
{"request": method, "status": S, "code": C} for every request answered (with "stp": MODE for an
order that asked for a self-trade prevention mode); {"fill": {…}} for
every fill (symbol, side, price, qty, commission, commissionAsset, clientOrderId, id).
"""
import argparse
import asyncio
import decimal
from decimal import Decimal
import base64
import hashlib
import hmac
import itertools
import json
import ssl
import sys
import time

import websockets
from binance_server import MarketReplay
from cryptography.hazmat.primitives.serialization import load_pem_public_key


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--hmac-secret")
    parser.add_argument("--ed25519-public-key")
    parser.add_argument("--clock-skew-ms", type=int, default=0)
    parser.add_argument("--rate-limit-first", metavar="METHOD",
                        help="answer the first METHOD request 429 (-1003, retryAfter 500 ms on), not executed")
    parser.add_argument("--orders-limit", type=int, default=0, metavar="N",
                        help="count new orders per 10 s against N, the ORDERS limit (-1015 past it)")
    parser.add_argument("--exchange-info", metavar="FILE")
    parser.add_argument("--balance", action="append", default=[], metavar="ASSET:AMOUNT",
                        help="the account's balance of ASSET at the start (default 10 of every base asset of "
                             "the symbols named by --symbol, 1000000 of their quote assets)")
    parser.add_argument("--symbol", action="append", default=[], metavar="SYMBOL:TICK:STEP")
    parser.add_argument("--market-recording", nargs="+", metavar="FILE",
                        help="serve this recording as the market too (binance_server.py) and match against it")
    parser.add_argument("--market-speed", type=float, default=1.0)
    parser.add_argument("--market-lockstep-ms", type=float, default=0,
                        help="after each market message wait up to MS for an order it causes (Benchmarks/live)")
    args = parser.parse_args()
    if args.market_recording and not args.exchange_info:
        parser.error("--market-recording needs --exchange-info")

    symbols = {}  # symbol -> its exchangeInfo entry
    if args.exchange_info:
        with open(args.exchange_info) as source:
            for line in source:
                if line.startswith("{") or "/exchangeInfo -> " in line:
                    for entry in json.loads(line[line.index("{"):])["symbols"]:
                        symbols[entry["symbol"]] = entry
    for spec in args.symbol:
        name, tick, step = spec.split(":")
        symbols[name] = {
            "symbol": name, "status": "TRADING", "baseAsset": name[:-4], "quoteAsset": name[-4:],
            "baseAssetPrecision": 8, "quoteAssetPrecision": 8,
            "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET"], "cancelReplaceAllowed": True, "amendAllowed": True,
            "filters": [
                {"filterType": "PRICE_FILTER", "minPrice": tick, "maxPrice": "1000000.00000000", "tickSize": tick},
                {"filterType": "LOT_SIZE", "minQty": step, "maxQty": "9000.00000000", "stepSize": step},
                {"filterType": "NOTIONAL", "minNotional": "5.00000000", "applyMinToMarket": True,
                 "maxNotional": "9000000.00000000", "applyMaxToMarket": False, "avgPriceMins": 5},
                {"filterType": "PERCENT_PRICE_BY_SIDE", "bidMultiplierUp": "5", "bidMultiplierDown": "0.2",
                 "askMultiplierUp": "5", "askMultiplierDown": "0.2", "avgPriceMins": 5},
                {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200}]}
    balances = {}  # asset -> the account's total (free + locked), a Decimal
    for name in [spec.split(":")[0] for spec in args.symbol]:
        balances.setdefault(symbols[name]["baseAsset"], Decimal("10"))
        balances.setdefault(symbols[name]["quoteAsset"], Decimal("1000000"))
    for spec in args.balance:
        asset, amount = spec.split(":")
        balances[asset] = Decimal(amount)
    account = {"update_ms": int(time.time() * 1000) + args.clock_skew_ms}  # the last balance change
    books = {}  # symbol -> {"bid", "ask", "size"} as Decimals
    faults = {"drop_next": set(), "timeout_next": set(), "duplicate_events": False, "swap_events": False,
              "key_revoked": False}
    sessions = {}  # connection -> its session
    held_event = {"event": None}  # with swap_events: the event waiting for the next one
    trade_ids = itertools.count(5000)
    trades = []  # every fill, as myTrades rows

    public_key = None
    if args.ed25519_public_key:
        with open(args.ed25519_public_key, "rb") as source:
            public_key = load_pem_public_key(source.read())

    orders = {}  # orderId -> order dict (the account's open orders)
    every_order = {}  # orderId -> order dict, every order placed
    order_ids = itertools.count(1000)
    connections = set()
    subscribers = set()
    order_count = {"interval": -1, "count": 0}

    def say(**fields):
        print(json.dumps(fields), flush=True)

    def server_ms():
        return int(time.time() * 1000) + args.clock_skew_ms

    def orders_counted():
        """New orders in the current 10-second interval (the venue's turns at 00, 10, 20 s)."""
        interval = server_ms() // 10000
        if order_count["interval"] != interval:
            order_count.update(interval=interval, count=0)
        return order_count["count"]

    def count_new_order():
        if args.orders_limit:
            if orders_counted() >= args.orders_limit:
                raise Refusal(429, -1015, f"Too many new orders; current limit is {args.orders_limit} orders per "
                              "TEN_SECOND.")
            order_count["count"] += 1

    def rate_limits(weight):
        return [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000,
                 "count": weight},
                {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10,
                 "limit": args.orders_limit or 50, "count": orders_counted() if args.orders_limit else 0},
                {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 160000, "count": 0}]

    class Refusal(Exception):
        def __init__(self, status, code, msg, data=None):
            super().__init__(msg)
            self.status, self.code, self.msg, self.data = status, code, msg, data

    def payload(params):
        return "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "signature")

    def authenticate(session, params):
        """A SIGNED request: the logged-on key, or apiKey and a valid signature; a fresh timestamp."""
        if faults["key_revoked"]:
            raise Refusal(401, -2015, "Invalid API-key, IP, or permissions for action.")
        if session.get("logged_on") and "signature" not in params:
            pass
        else:
            if params.get("apiKey") != args.api_key:
                raise Refusal(401, -2015, "Invalid API-key, IP, or permissions for action.")
            signature = params.get("signature", "")
            if args.hmac_secret:
                expected = hmac.new(args.hmac_secret.encode(), payload(params).encode(), hashlib.sha256).hexdigest()
                valid = hmac.compare_digest(expected, signature.lower())
            else:
                try:
                    public_key.verify(base64.b64decode(signature), payload(params).encode())
                    valid = True
                except Exception:
                    valid = False
            if not valid:
                raise Refusal(400, -1022, "Signature for this request is not valid.")
        check_time(params)

    def check_time(params):
        window = float(params.get("recvWindow", 5000))
        if window > 60000:
            raise Refusal(400, -1131, "recvWindow must be less than 60000")
        timestamp = int(params.get("timestamp", 0))
        now = server_ms()
        if not (timestamp < now + 1000 and now - timestamp <= window):
            raise Refusal(400, -1021, "Timestamp for this request is outside of the recvWindow.")

    def report(order, execution, fill=None):
        return {"e": "executionReport", "E": server_ms(), "s": order["symbol"],
                "c": order["clientOrderId"] if execution != "CANCELED" else f"cancel-{order['orderId']}",
                "S": order["side"], "o": order["type"], "f": order.get("timeInForce", "GTC"),
                "q": order["origQty"], "p": order["price"], "P": "0.00000000", "F": "0.00000000", "g": -1,
                "C": order["clientOrderId"] if execution == "CANCELED" else "", "x": execution,
                "X": order["status"], "r": "NONE", "i": order["orderId"],
                "l": fill["qty"] if fill else "0.00000000", "z": order["executedQty"],
                "L": fill["price"] if fill else "0.00000000", "n": fill["commission"] if fill else "0",
                "N": fill["commissionAsset"] if fill else None, "T": server_ms(), "t": fill["id"] if fill else -1,
                "I": next(order_ids), "w": execution == "NEW", "m": bool(fill and fill["isMaker"]), "M": False,
                "O": order["time"], "Z": order["cummulativeQuoteQty"], "Y": "0.00000000", "Q": "0.00000000",
                "W": order["time"], "V": "NONE"}

    def locked(asset):
        """What the open orders hold back: a buy its quote, a sell its base."""
        held = Decimal(0)
        for order in orders.values():
            symbol = symbols.get(order["symbol"])
            if symbol is None:
                continue
            if order["side"] == "BUY" and symbol["quoteAsset"] == asset:
                held += Decimal(order["price"]) * remaining(order)
            elif order["side"] == "SELL" and symbol["baseAsset"] == asset:
                held += remaining(order)
        return min(held, balances.get(asset, Decimal(0)))

    def balance_rows(assets, short):
        rows = []
        for asset in assets:
            total, held = balances.get(asset, Decimal(0)), locked(asset)
            free, held = f"{total - held:.8f}", f"{held:.8f}"
            rows.append({"a": asset, "f": free, "l": held} if short else {"asset": asset, "free": free, "locked": held})
        return rows

    async def balances_moved(assets):
        """The account's totals changed: said on stdout, and an outboundAccountPosition sent."""
        account["update_ms"] = server_ms()
        say(balances={asset: f"{amount:.8f}" for asset, amount in balances.items()})
        await publish({"e": "outboundAccountPosition", "E": server_ms(), "u": account["update_ms"],
                       "B": balance_rows(assets, short=True)})

    async def publish(event):
        if faults["swap_events"]:
            held, held_event["event"] = held_event["event"], None
            if held is None:
                held_event["event"] = event

                async def alone():
                    await asyncio.sleep(0.3)
                    if held_event["event"] is event:
                        held_event["event"] = None
                        await send_event(event)
                asyncio.get_running_loop().create_task(alone())
                return
            await send_event(event)
            await send_event(held)
            return
        await send_event(event)

    async def send_event(event):
        for connection in list(subscribers):
            try:
                for _ in range(2 if faults["duplicate_events"] else 1):
                    await connection.send(json.dumps({"subscriptionId": 0, "event": event}))
            except websockets.ConnectionClosed:
                subscribers.discard(connection)

    last_orders = {"v": None}

    refused_once = set()

    def count_changed():
        shown = [{"c": o["clientOrderId"], "side": o["side"], "price": o["price"], "quantity": o["origQty"],
                  "symbol": o["symbol"]} for o in orders.values()]
        if last_orders["v"] != shown:
            last_orders["v"] = shown
            say(open_orders=len(orders), orders=shown, t=time.time())

    def rules(symbol):
        return {f["filterType"]: f for f in symbols[symbol]["filters"]} if symbol in symbols else None

    def check_filters(params):
        filters = rules(params["symbol"])
        if filters is None:
            if symbols:
                raise Refusal(400, -1121, "Invalid symbol.")
            return
        quantity = Decimal(params.get("quantity", "0"))
        lot = filters.get("LOT_SIZE")
        if lot and (quantity < Decimal(lot["minQty"]) or quantity > Decimal(lot["maxQty"])
                    or quantity % Decimal(lot["stepSize"]) != 0):
            raise Refusal(400, -1013, "Filter failure: LOT_SIZE")
        if params["type"] != "MARKET":
            price = Decimal(params.get("price", "0"))
            price_filter = filters.get("PRICE_FILTER")
            if price_filter and (price < Decimal(price_filter["minPrice"]) or price % Decimal(
                    price_filter["tickSize"]) != 0):
                raise Refusal(400, -1013, "Filter failure: PRICE_FILTER")
            notional = filters.get("NOTIONAL") or filters.get("MIN_NOTIONAL")
            if notional and price * quantity < Decimal(notional["minNotional"]):
                raise Refusal(400, -1013, "Filter failure: NOTIONAL")

    def new_order(params, status="NEW"):
        order_id = next(order_ids)
        order = {"symbol": params["symbol"], "orderId": order_id, "orderListId": -1,
                 "clientOrderId": params.get("newClientOrderId") or f"stand-in-{order_id}",
                 "price": params.get("price", "0.00000000"), "origQty": params.get("quantity", "0"),
                 "executedQty": "0.00000000", "cummulativeQuoteQty": "0.00000000", "status": status,
                 "timeInForce": params.get("timeInForce", "GTC"), "type": params["type"], "side": params["side"],
                 "time": server_ms(), "updateTime": server_ms(), "isWorking": True, "workingTime": server_ms(),
                 "selfTradePreventionMode": params.get("selfTradePreventionMode", "NONE")}
        orders[order_id] = order
        every_order[order_id] = order
        count_changed()
        return order

    def cancel(order):
        del orders[order["orderId"]]
        order["status"] = "CANCELED"
        count_changed()
        return order

    def remaining(order):
        return Decimal(order["origQty"]) - Decimal(order["executedQty"])

    async def fill(order, price, quantity, maker):
        """One trade of `order`: booked, reported, printed, the order's state moved."""
        symbol = symbols.get(order["symbol"], {"baseAsset": order["symbol"][:-4], "quoteAsset": order["symbol"][-4:]})
        eight = Decimal("0.00000001")
        if order["side"] == "BUY":
            commission, asset = (quantity * Decimal("0.001")).quantize(eight, decimal.ROUND_HALF_UP), symbol["baseAsset"]
        else:
            commission, asset = (price * quantity * Decimal("0.001")).quantize(eight, decimal.ROUND_HALF_UP), \
                symbol["quoteAsset"]
        row = {"symbol": order["symbol"], "id": next(trade_ids), "orderId": order["orderId"], "orderListId": -1,
               "price": f"{price:.8f}", "qty": f"{quantity:.8f}", "quoteQty": f"{price * quantity:.8f}",
               "commission": f"{commission:.8f}", "commissionAsset": asset, "time": server_ms(),
               "isBuyer": order["side"] == "BUY", "isMaker": maker, "isBestMatch": True}
        trades.append(row)
        order["executedQty"] = f"{Decimal(order['executedQty']) + quantity:.8f}"
        order["cummulativeQuoteQty"] = f"{Decimal(order['cummulativeQuoteQty']) + price * quantity:.8f}"
        order["status"] = "FILLED" if remaining(order) == 0 else "PARTIALLY_FILLED"
        if order["status"] == "FILLED":
            orders.pop(order["orderId"], None)
        say(fill=row | {"side": order["side"], "clientOrderId": order["clientOrderId"]})
        count_changed()
        await publish(report(order, "TRADE", row))
        base, quote = symbol["baseAsset"], symbol["quoteAsset"]
        sign = 1 if order["side"] == "BUY" else -1
        balances[base] = balances.get(base, Decimal(0)) + sign * quantity
        balances[quote] = balances.get(quote, Decimal(0)) - sign * price * quantity
        balances[asset] -= commission
        await balances_moved([base, quote])

    async def place(params):
        """order.place: checked, then matched against the touch; the order as it stands after."""
        check_filters(params)
        kind = params["type"]
        if kind not in ("LIMIT", "LIMIT_MAKER", "MARKET"):
            raise Refusal(400, -1116, "Invalid orderType.")
        client_id = params.get("newClientOrderId")
        if client_id and any(o["clientOrderId"] == client_id for o in orders.values()):
            raise Refusal(400, -2010, "Duplicate order sent.")
        book = books.get(params["symbol"])
        buy = params["side"] == "BUY"
        touch = None if book is None else (book["ask"] if buy else book["bid"])
        price = Decimal(params.get("price", "0"))
        crosses = touch is not None and (kind == "MARKET" or (price >= touch if buy else price <= touch))
        if kind == "LIMIT_MAKER" and crosses:
            raise Refusal(400, -2010, "Order would immediately match and take.")
        if kind == "MARKET" and touch is None:
            raise Refusal(400, -2010, "Market is closed.")
        info = symbols.get(params["symbol"])
        if info:
            quantity = Decimal(params.get("quantity", "0"))
            need, asset = ((touch if kind == "MARKET" else price) * quantity, info["quoteAsset"]) if buy \
                else (quantity, info["baseAsset"])
            if asset in balances and balances[asset] - locked(asset) < need:
                raise Refusal(400, -2010, "Account has insufficient balance for requested action.")
        order = new_order(params)
        await publish(report(order, "NEW"))
        if crosses:
            size = book.get("ask_size" if buy else "bid_size", book["size"])
            await fill(order, touch, min(remaining(order), size), maker=False)
        if order["orderId"] in orders and (kind == "MARKET" or params.get("timeInForce") in ("IOC", "FOK")):
            del orders[order["orderId"]]
            order["status"] = "EXPIRED"
            count_changed()
            await publish(report(order, "EXPIRED"))
        return order

    async def print_trade(symbol, price, quantity):
        """A trade in the market: resting orders priced through or at it fill, oldest first."""
        for order in sorted([o for o in orders.values() if o["symbol"] == symbol], key=lambda o: o["orderId"]):
            if quantity <= 0:
                break
            limit = Decimal(order["price"])
            if (order["side"] == "BUY" and limit >= price) or (order["side"] == "SELL" and limit <= price):
                size = min(remaining(order), quantity)
                quantity -= size
                await fill(order, limit, size, maker=True)

    def find(symbol, params, id_key="orderId", client_key="origClientOrderId"):
        return [o for o in orders.values() if o["symbol"] == symbol and (
            (id_key in params and str(o["orderId"]) == str(params[id_key])) or
            (client_key in params and o["clientOrderId"] == params[client_key]))]

    async def handle(session, connection, method, params):
        method = method.removeprefix("v3/")
        if method == args.rate_limit_first and method not in refused_once:
            refused_once.add(method)
            raise Refusal(429, -1003, "Too much request weight used; current limit is 6000 request weight per "
                          "1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.",
                          {"retryAfter": server_ms() + 500})
        if method == "time":
            return {"serverTime": server_ms()}, 1
        if method == "exchangeInfo":
            wanted = [params["symbol"]] if "symbol" in params else list(symbols)
            if any(name not in symbols for name in wanted):
                raise Refusal(400, -1121, "Invalid symbol.")
            return {"timezone": "UTC", "serverTime": server_ms(), "rateLimits": [], "exchangeFilters": [],
                    "symbols": [symbols[name] for name in wanted]}, 20
        if method == "session.logon":
            if public_key is None:
                raise Refusal(400, -4056, "HMAC_SHA256 API key is not supported.")
            authenticate({}, params)
            session["logged_on"] = True
            return {"apiKey": args.api_key, "authorizedSince": server_ms(), "connectedSince": session["since"],
                    "returnRateLimits": False, "serverTime": server_ms(), "userDataStream": False}, 2
        if method in ("userDataStream.subscribe", "userDataStream.subscribe.signature"):
            if method == "userDataStream.subscribe":
                if not session.get("logged_on"):
                    raise Refusal(401, -2015, "Invalid API-key, IP, or permissions for action.")
            else:
                authenticate(session, params)
            subscribers.add(connection)
            return {"subscriptionId": 0}, 2
        authenticate(session, params)
        symbol = params.get("symbol")
        if method == "account.status":
            return {"makerCommission": 10, "takerCommission": 10, "buyerCommission": 0, "sellerCommission": 0,
                    "canTrade": True, "canWithdraw": True, "canDeposit": True, "brokered": False,
                    "requireSelfTradePrevention": False, "preventSor": False, "updateTime": account["update_ms"],
                    "accountType": "SPOT", "balances": balance_rows(sorted(balances), short=False),
                    "permissions": ["SPOT"], "uid": 354937868}, 20
        if method in ("order.place", "order.cancelReplace"):
            count_new_order()
        if method == "order.place":
            order = await place(params)
            return {k: order[k] for k in ("symbol", "orderId", "orderListId", "clientOrderId")} | {
                "transactTime": order["time"]}, 1
        if method == "order.cancelReplace":
            match = find(symbol, params, "cancelOrderId", "cancelOrigClientOrderId")
            if not match:
                raise Refusal(400, -2022, "Order cancel-replace failed.", {
                    "cancelResult": "FAILURE", "newOrderResult": "NOT_ATTEMPTED",
                    "cancelResponse": {"code": -2011, "msg": "Unknown order sent."}, "newOrderResponse": None})
            cancelled = cancel(match[0])
            await publish(report(cancelled, "CANCELED"))
            try:
                order = await place({k: v for k, v in params.items() if not k.startswith("cancel")})
            except Refusal as refusal:
                raise Refusal(409, -2021, "Order cancel-replace partially failed.", {
                    "cancelResult": "SUCCESS", "newOrderResult": "FAILURE", "cancelResponse": dict(cancelled),
                    "newOrderResponse": {"code": refusal.code, "msg": refusal.msg}})
            return {"cancelResult": "SUCCESS", "newOrderResult": "SUCCESS", "cancelResponse": dict(cancelled),
                    "newOrderResponse": {k: order[k] for k in ("symbol", "orderId", "orderListId", "clientOrderId")}
                    }, 1
        if method == "order.amend.keepPriority":
            match = find(symbol, params)
            if not match:
                raise Refusal(400, -2013, "Order does not exist.")
            order = match[0]
            quantity = Decimal(params["newQty"])
            if quantity >= Decimal(order["origQty"]):
                raise Refusal(400, -2038, "Order amend (quantity increase) is not supported.")
            if quantity <= Decimal(order["executedQty"]):
                raise Refusal(400, -2038, "Order amend rejected: the new quantity is not above the executed one.")
            check_filters({"symbol": symbol, "type": order["type"], "price": order["price"],
                           "quantity": params["newQty"]})
            original = order["clientOrderId"]
            order["origQty"] = f"{quantity:.8f}"
            order["clientOrderId"] = params.get("newClientOrderId") or original
            count_changed()
            amended = report(order, "REPLACED") | {"C": original}
            await publish(amended)
            say(amended={"c": order["clientOrderId"], "C": original, "quantity": order["origQty"]})
            return {"transactTime": server_ms(), "executionId": next(trade_ids), "amendedOrder": {
                "symbol": symbol, "orderId": order["orderId"], "orderListId": -1, "origClientOrderId": original,
                "clientOrderId": order["clientOrderId"], "price": order["price"], "qty": order["origQty"],
                "executedQty": order["executedQty"], "preventedQty": "0.00000000", "quoteOrderQty": "0.00000000",
                "cumulativeQuoteQty": order["cummulativeQuoteQty"], "status": order["status"],
                "timeInForce": order["timeInForce"], "type": order["type"], "side": order["side"],
                "workingTime": order["workingTime"], "selfTradePreventionMode": "NONE"}}, 4
        if method == "order.cancel":
            match = find(symbol, params)
            if not match:
                raise Refusal(400, -2011, "Unknown order sent.")
            order = cancel(match[0])
            await publish(report(order, "CANCELED"))
            return dict(order), 1
        if method == "openOrders.cancelAll":
            match = [o for o in orders.values() if o["symbol"] == symbol]
            if not match:
                raise Refusal(400, -2011, "Unknown order sent.")
            cancelled = [cancel(order) for order in match]
            for order in cancelled:
                await publish(report(order, "CANCELED"))
            return [dict(order) for order in cancelled], 1
        if method == "openOrders.status":
            return [dict(o) for o in orders.values() if symbol is None or o["symbol"] == symbol], 6
        if method == "order.status":
            match = [o for o in every_order.values() if o["symbol"] == symbol and (
                str(o["orderId"]) == str(params.get("orderId")) or
                o["clientOrderId"] == params.get("origClientOrderId"))]
            if not match:
                raise Refusal(400, -2013, "Order does not exist.")
            return dict(match[-1]), 4
        if method == "myTrades":
            return [t for t in trades if t["symbol"] == symbol and (
                "orderId" not in params or str(t["orderId"]) == str(params["orderId"]))], 5
        raise Refusal(400, -1100, f"Unknown method {method}")

    async def api(connection):
        session = {"since": server_ms()}
        connections.add(connection)
        sessions[connection] = session
        # When bytes last arrived on this connection, decrypted, before websockets parses them
        # and this loop is scheduled: the moment an order is read off the socket.
        arrival = {"ns": 0, "wall_ns": 0}
        handed_on = connection.data_received

        def data_received(data):
            arrival.update(ns=time.perf_counter_ns(), wall_ns=time.time_ns())
            handed_on(data)
        connection.data_received = data_received
        try:
            async for text in connection:
                request = json.loads(text)
                if request.get("method") in ("order.place", "order.cancelReplace"):
                    order_seen.update(ns=arrival["ns"], wall_ns=arrival["wall_ns"],
                                      loop_lag_ns=time.perf_counter_ns() - arrival["ns"],
                                      client=request.get("params", {}).get("newClientOrderId"))
                    order_seen["event"].set()
                request_id = request.get("id")
                try:
                    result, weight = await handle(session, connection, request["method"], request.get("params", {}))
                    answer = {"id": request_id, "status": 200, "result": result, "rateLimits": rate_limits(weight)}
                    # The self-trade prevention mode an order asked for, if any.
                    stp = request.get("params", {}).get("selfTradePreventionMode")
                    say(request=request["method"], status=200, code=0,
                        client=request.get("params", {}).get("newClientOrderId"), **({"stp": stp} if stp else {}))
                except Refusal as refusal:
                    error = {"code": refusal.code, "msg": refusal.msg}
                    if refusal.data:
                        error["data"] = refusal.data
                    answer = {"id": request_id, "status": refusal.status, "error": error,
                              "rateLimits": rate_limits(1)}
                    say(request=request["method"], status=refusal.status, code=refusal.code,
                        client=request.get("params", {}).get("newClientOrderId"))
                method = request["method"]
                if method in faults["drop_next"]:
                    faults["drop_next"].discard(method)
                    say(fault="dropped", request=method)
                    await connection.close(code=1011, reason="dropped by the stand-in")
                    break
                if method in faults["timeout_next"]:
                    faults["timeout_next"].discard(method)
                    say(fault="timeout", request=method)
                    answer = {"id": request_id, "status": 503, "error": {
                        "code": -1007, "msg": "Timeout waiting for response from backend server. Send status "
                        "unknown; execution status unknown."}, "rateLimits": rate_limits(1)}
                await connection.send(json.dumps(answer))
        except websockets.ConnectionClosed:
            pass
        finally:
            connections.discard(connection)
            subscribers.discard(connection)
            sessions.pop(connection, None)

    async def control():
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := await reader.readline():
            command = json.loads(line)
            if "seed" in command:
                seed = command["seed"]
                new_order({"symbol": seed["symbol"], "side": seed["side"], "type": "LIMIT_MAKER",
                           "price": seed["price"], "quantity": seed["quantity"],
                           "newClientOrderId": seed.get("clientOrderId")})
            elif "book" in command:
                book = command["book"]
                books[book["symbol"]] = {"bid": Decimal(book["bid"]), "ask": Decimal(book["ask"]),
                                         "size": Decimal(book["size"])}
            elif "trade" in command:
                trade = command["trade"]
                await print_trade(trade["symbol"], Decimal(trade["price"]), Decimal(trade["quantity"]))
            elif "drop_next" in command:
                faults["drop_next"].add(command["drop_next"])
            elif "timeout_next" in command:
                faults["timeout_next"].add(command["timeout_next"])
            elif "duplicate_events" in command:
                faults["duplicate_events"] = bool(command["duplicate_events"])
            elif "swap_events" in command:
                faults["swap_events"] = bool(command["swap_events"])
            elif "deposit" in command:
                asset, amount = command["deposit"]["asset"], Decimal(command["deposit"]["amount"])
                balances[asset] = balances.get(asset, Decimal(0)) + amount
                await publish({"e": "balanceUpdate", "E": server_ms(), "a": asset, "d": f"{amount:.8f}",
                               "T": server_ms()})
                await balances_moved([asset])
            elif "revoke_key" in command:
                faults["key_revoked"] = bool(command["revoke_key"])
                if faults["key_revoked"]:
                    # Every session keyed by it ends: logged off, its user data stream closed, told.
                    for connection, session in list(sessions.items()):
                        session["logged_on"] = False
                        subscribers.discard(connection)
                        await connection.send(json.dumps({"status": 401, "error": {
                            "code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}}))
            elif "clock_skew_ms" in command:
                args.clock_skew_ms = int(command["clock_skew_ms"])
            elif command.get("shutdown"):
                for connection in list(connections):
                    await connection.send(json.dumps({"event": {"e": "serverShutdown", "E": server_ms()}}))
                await asyncio.sleep(1)
                for connection in list(connections):
                    await connection.close(code=1001, reason="server shutdown")

    replay = None
    order_seen = {"event": asyncio.Event(), "ns": 0, "wall_ns": 0, "loop_lag_ns": 0, "client": None}  # the last order

    async def market_message(envelope):
        """The replayed market, as it is sent: its touch and its trades are what orders meet. In
        lockstep, the next message waits until an order arrives or the window closes: an order in
        the window was caused by this message, and its tick-to-wire time is printed."""
        if args.market_lockstep_ms > 0:
            order_seen["event"].clear()
            try:
                await asyncio.wait_for(order_seen["event"].wait(), args.market_lockstep_ms / 1000)
                say(tick_to_wire_ns=order_seen["ns"] - replay.last_sent_ns, market_send_ns=replay.last_send_ns,
                    loop_lag_ns=order_seen["loop_lag_ns"],
                    market_sent_wall_ns=replay.last_sent_wall_ns, order_read_wall_ns=order_seen["wall_ns"],
                    client=order_seen["client"])
            except asyncio.TimeoutError:
                pass
        data = envelope["data"]
        if envelope["stream"].endswith("@bookTicker"):
            books[data["s"]] = {"bid": Decimal(data["b"]), "ask": Decimal(data["a"]), "bid_size": Decimal(data["B"]),
                                "ask_size": Decimal(data["A"]), "size": min(Decimal(data["B"]), Decimal(data["A"]))}
        elif data.get("e") == "trade":
            await print_trade(data["s"], Decimal(data["p"]), Decimal(data["q"]))

    async def serve():
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        nonlocal replay
        if args.market_recording:
            replay = MarketReplay(args.market_recording, args.exchange_info, context, speed=args.market_speed,
                                  on_message=market_message)

        async def route(connection):
            if replay and connection.request.path.startswith("/stream"):
                await replay.stream(connection)
            else:
                await api(connection)

        async with websockets.serve(route, "127.0.0.1", 0, ssl=context, ping_interval=20, max_size=None) as server:
            if replay:
                say(port=server.sockets[0].getsockname()[1], rest_port=replay.rest_port)
            else:
                say(port=server.sockets[0].getsockname()[1])
            count_changed()
            await control()
            await asyncio.Future()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
