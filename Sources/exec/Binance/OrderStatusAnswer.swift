import Network

/// The answer to `order.status` (BINANCE.md G.4), read in place: what exec needs to settle an
/// order it is unsure of — the venue's state for it, how much of it filled, and its order id
/// (for `myTrades`).
///
/// ```text
///   {"symbol":"BTCUSDT","orderId":12569099453,"clientOrderId":"tpab12-7","price":"23416.10000000",
///    "origQty":"0.00847000","executedQty":"0.00500000","cummulativeQuoteQty":"117.08050000",
///    "status":"PARTIALLY_FILLED","timeInForce":"GTC","type":"LIMIT_MAKER","side":"SELL",…}
/// ```
public struct OrderStatusAnswer {
    public let status: Range<Int>
    public let executedQuantity: Range<Int>
    /// -1 when the answer does not say.
    public let orderId: Int64
    /// `NEW` or `PARTIALLY_FILLED`: the order still works at the venue.
    public let isOpen: Bool

    /// Reads the result object at `range` (`APIMessage.result`).
    public init(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws(JSONScanner.Failure) {
        var scanner = JSONScanner(UnsafeBufferPointer(rebasing: bytes[..<range.upperBound]), offset: range.lowerBound)
        var status: Range<Int>?
        var executed: Range<Int>?
        var orderId: Int64 = -1
        try scanner.object { (scanner, key) throws(JSONScanner.Failure) in
            if scanner.equals(key, "status") {
                status = try scanner.string()
            } else if scanner.equals(key, "executedQty") {
                executed = try scanner.string()
            } else if scanner.equals(key, "orderId") {
                orderId = try scanner.signed()
            } else {
                try scanner.skipValue()
            }
        }
        guard let status, let executed else {
            throw JSONScanner.Failure(
                offset: range.lowerBound, message: "an order.status answer without status or executedQty")
        }
        self.status = status
        executedQuantity = executed
        self.orderId = orderId
        isOpen = scanner.equals(status, "NEW") || scanner.equals(status, "PARTIALLY_FILLED")
    }
}
