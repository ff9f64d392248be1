import Network

/// One order of an `openOrders.status` answer (BINANCE.md G.4, the rows of `order.status`),
/// read in place: at start exec tells its earlier runs' orders from others' by the client id.
///
/// ```text
///   [{"symbol":"BTCUSDT","orderId":12569099453,"clientOrderId":"tpab12-7","price":"23416.10",
///     "origQty":"0.00847000","executedQty":"0.00000000","status":"NEW","type":"LIMIT_MAKER",…}, …]
/// ```
public struct OpenOrder {
    public let clientOrderId: Range<Int>

    /// Calls `body` with each order of the answer's array at `range` (`APIMessage.result`); an
    /// order without `clientOrderId` ends the reading with a failure.
    public static func read(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ body: (OpenOrder) -> Void
    ) throws(JSONScanner.Failure) {
        var scanner = JSONScanner(UnsafeBufferPointer(rebasing: bytes[..<range.upperBound]), offset: range.lowerBound)
        try scanner.array { (scanner) throws(JSONScanner.Failure) in
            var clientOrderId: Range<Int>?
            try scanner.object { (scanner, key) throws(JSONScanner.Failure) in
                guard scanner.equals(key, "clientOrderId") else { return try scanner.skipValue() }
                clientOrderId = try scanner.string()
            }
            guard let clientOrderId else { throw scanner.failure("an open order without clientOrderId") }
            body(OpenOrder(clientOrderId: clientOrderId))
        }
    }
}
