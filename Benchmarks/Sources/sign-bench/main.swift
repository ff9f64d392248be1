// sign-bench: what signing costs per order on Binance's WebSocket API, as exec builds its
// requests (APIRequest, the order.place of BinanceSpotConnection): an order on a session logged
// on with an Ed25519 key (no signature per request), the same order signed by itself with an
// HMAC-SHA256 key, and the one Ed25519 signature a session.logon costs. Prints one line of
// key=value figures (ns per operation, the median of 5 rounds) for Benchmarks/live.
//   sign-bench ED25519_KEY.pem
import BinanceAPI
import Glibc
import IPC

func nowNs() -> Int64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
}

/// The median over 5 rounds of `count` calls of `body`, in ns per call.
@MainActor func measure(_ count: Int, _ body: (Int) -> Int) -> Double {
    var rounds: [Double] = []
    var sink = 0
    for _ in 0..<5 {
        let start = nowNs()
        for index in 0..<count { sink &+= body(index) }
        rounds.append(Double(nowNs() - start) / Double(count))
    }
    if sink == 42 { print("") } // keeps the work
    return rounds.sorted()[2]
}

let apiKey = Array("benchKey0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU".utf8)
let symbol = Array("BTCUSDT".utf8)
let clientId = Array("tpmx9yi0f8-".utf8)
let hmac = HMACSHA256(key: Array("benchSecret0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP".utf8))
var request = APIRequest()

/// One order.place as exec writes it; signed by `key` if given. The request's length.
@MainActor func order(_ index: Int, signedBy key: HMACSHA256?, keyBytes: UnsafeRawBufferPointer?) -> Int {
    request.begin(
        id: UInt64(index), method: "order.place",
        authentication: .init(apiKey: keyBytes, timestampMs: 1_796_460_000_000 + Int64(index), recvWindowMs: 5_000))
    request.apiKey()
    clientId.withUnsafeBytes { request.string("newClientOrderId", $0) }
    request.string("newOrderRespType", "ACK")
    request.decimal("price", count: 6_183_763 + Int64(index & 63), mantissa: 1, decimals: 2)
    request.decimal("quantity", count: 1_000_000, mantissa: 1, decimals: 8)
    request.recvWindow()
    request.string("side", index & 1 == 0 ? "BUY" : "SELL")
    symbol.withUnsafeBytes { request.string("symbol", $0) }
    request.timestamp()
    request.string("type", "LIMIT_MAKER")
    return request.finish(hmac: key)?.count ?? 0
}

let count = 200_000
let session = measure(count) { order($0, signedBy: nil, keyBytes: nil) }
let signed = apiKey.withUnsafeBytes { key in measure(count) { order($0, signedBy: hmac, keyBytes: key) } }
// The logon's one signature per connection, with a throwaway key the caller made
// (`sign-bench KEY.pem`, as `openssl genpkey -algorithm ed25519` writes it).
guard CommandLine.arguments.count == 2, let file = fopen(CommandLine.arguments[1], "r") else {
    StandardError.line("usage: sign-bench ED25519_KEY.pem")
    exit(100)
}
var pem: [UInt8] = []
while case let byte = fgetc(file), byte != EOF { pem.append(UInt8(byte)) }
fclose(file)
let ed25519 = try! Ed25519Key(pem: pem)
let logon = Array("apiKey=\(String(decoding: apiKey, as: UTF8.self))&timestamp=1796460000000".utf8)
let logonNs = measure(2_000) { _ in ed25519.sign(logon).utf8.count }
print(
    "order_session_ns=\(Int(session)) order_hmac_ns=\(Int(signed)) hmac_extra_ns=\(Int(signed - session)) "
        + "ed25519_logon_ns=\(Int(logonNs))")
