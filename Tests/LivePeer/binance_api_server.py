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
  counted per connection here).
- Orders rest in an account book (no matching in this version): `order.place` (LIMIT_MAKER,
  LIMIT, MARKET is refused: nothing to match against), `order.cancel`, `openOrders.cancelAll`
  (-2011 "Unknown order sent." when nothing is open, as the venue answers), `openOrders.status`,
  `order.status`, `userDataStream.subscribe` (then `executionReport` events for NEW and CANCELED).

Control, one JSON object per line on standard input:
    {"seed": {"symbol": "BTCUSDT", "side": "BUY", "price": "1.00", "quantity": "0.1", "clientOrderId": "x"}}
        an open order of the account's, placed as if by another session
    {"shutdown": true}    a `serverShutdown` event to every connection, which then closes after 1 s
Standard output, one JSON line each: {"port": N} when listening; {"open_orders": N, "t": epoch_s}
whenever the number of open orders changes; {"request": method, "status": S, "code": C} for every
request answered.
"""
import argparse
import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import ssl
import sys
import time

import websockets
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
    args = parser.parse_args()

    public_key = None
    if args.ed25519_public_key:
        with open(args.ed25519_public_key, "rb") as source:
            public_key = load_pem_public_key(source.read())

    orders = {}  # orderId -> order dict (the account's open orders)
    order_ids = itertools.count(1000)
    connections = set()
    subscribers = set()

    def say(**fields):
        print(json.dumps(fields), flush=True)

    def server_ms():
        return int(time.time() * 1000) + args.clock_skew_ms

    def rate_limits(weight):
        return [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000,
                 "count": weight},
                {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 50, "count": 0},
                {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 160000, "count": 0}]

    class Refusal(Exception):
        def __init__(self, status, code, msg, data=None):
            super().__init__(msg)
            self.status, self.code, self.msg, self.data = status, code, msg, data

    def payload(params):
        return "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "signature")

    def authenticate(session, params):
        """A SIGNED request: the logged-on key, or apiKey and a valid signature; a fresh timestamp."""
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

    def report(order, execution):
        return {"e": "executionReport", "E": server_ms(), "s": order["symbol"], "c": order["clientOrderId"],
                "S": order["side"], "o": order["type"], "f": order.get("timeInForce", "GTC"),
                "q": order["origQty"], "p": order["price"], "P": "0.00000000", "F": "0.00000000", "g": -1,
                "C": order.get("origClientOrderId", ""), "x": execution, "X": order["status"], "r": "NONE",
                "i": order["orderId"], "l": "0.00000000", "z": order["executedQty"], "L": "0.00000000",
                "n": "0", "N": None, "T": server_ms(), "t": -1, "I": next(order_ids), "w": execution == "NEW",
                "m": False, "M": False, "O": order["time"], "Z": "0.00000000", "Y": "0.00000000",
                "Q": "0.00000000", "W": order["time"], "V": "NONE"}

    async def publish(event):
        for connection in list(subscribers):
            try:
                await connection.send(json.dumps({"subscriptionId": 0, "event": event}))
            except websockets.ConnectionClosed:
                subscribers.discard(connection)

    last_count = {"n": None}

    refused_once = set()

    def count_changed():
        if last_count["n"] != len(orders):
            last_count["n"] = len(orders)
            say(open_orders=len(orders), t=time.time())

    def new_order(params, status="NEW"):
        order_id = next(order_ids)
        order = {"symbol": params["symbol"], "orderId": order_id, "orderListId": -1,
                 "clientOrderId": params.get("newClientOrderId") or f"stand-in-{order_id}",
                 "price": params.get("price", "0"), "origQty": params.get("quantity", "0"), "executedQty": "0",
                 "cummulativeQuoteQty": "0", "status": status, "timeInForce": params.get("timeInForce", "GTC"),
                 "type": params["type"], "side": params["side"], "time": server_ms(), "updateTime": server_ms(),
                 "isWorking": True, "workingTime": server_ms(), "selfTradePreventionMode": "NONE"}
        orders[order_id] = order
        count_changed()
        return order

    def cancel(order):
        del orders[order["orderId"]]
        order["status"] = "CANCELED"
        count_changed()
        return order

    async def handle(session, connection, method, params):
        method = method.removeprefix("v3/")
        if method == "time":
            return {"serverTime": server_ms()}, 1
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
        if method == args.rate_limit_first and method not in refused_once:
            refused_once.add(method)
            raise Refusal(429, -1003, "Too much request weight used; current limit is 6000 request weight per "
                          "1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.",
                          {"retryAfter": server_ms() + 500})
        symbol = params.get("symbol")
        if method == "order.place":
            if params.get("type") not in ("LIMIT", "LIMIT_MAKER"):
                raise Refusal(400, -2010, "Market is closed.")
            order = new_order(params)
            await publish(report(order, "NEW"))
            return {k: order[k] for k in ("symbol", "orderId", "orderListId", "clientOrderId")} | {
                "transactTime": order["time"]}, 1
        if method == "order.cancel":
            match = [o for o in orders.values() if o["symbol"] == symbol and (
                str(o["orderId"]) == str(params.get("orderId")) or o["clientOrderId"] == params.get(
                    "origClientOrderId"))]
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
            match = [o for o in orders.values() if str(o["orderId"]) == str(params.get("orderId")) or
                     o["clientOrderId"] == params.get("origClientOrderId")]
            if not match:
                raise Refusal(400, -2013, "Order does not exist.")
            return dict(match[0]), 4
        raise Refusal(400, -1100, f"Unknown method {method}")

    async def api(connection):
        session = {"since": server_ms()}
        connections.add(connection)
        try:
            async for text in connection:
                request = json.loads(text)
                request_id = request.get("id")
                try:
                    result, weight = await handle(session, connection, request["method"], request.get("params", {}))
                    answer = {"id": request_id, "status": 200, "result": result, "rateLimits": rate_limits(weight)}
                    say(request=request["method"], status=200, code=0)
                except Refusal as refusal:
                    error = {"code": refusal.code, "msg": refusal.msg}
                    if refusal.data:
                        error["data"] = refusal.data
                    answer = {"id": request_id, "status": refusal.status, "error": error,
                              "rateLimits": rate_limits(1)}
                    say(request=request["method"], status=refusal.status, code=refusal.code)
                await connection.send(json.dumps(answer))
        except websockets.ConnectionClosed:
            pass
        finally:
            connections.discard(connection)
            subscribers.discard(connection)

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
            elif command.get("shutdown"):
                for connection in list(connections):
                    await connection.send(json.dumps({"event": {"e": "serverShutdown", "E": server_ms()}}))
                await asyncio.sleep(1)
                for connection in list(connections):
                    await connection.close(code=1001, reason="server shutdown")

    async def serve():
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        async with websockets.serve(api, "127.0.0.1", 0, ssl=context, ping_interval=20, max_size=None) as server:
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
