import Network

/// One row of a `myTrades` answer (BINANCE.md G.4), read in place: a fill of one of the account's
/// orders, as exec books it when the user data stream missed it.
///
/// ```text
///   [{"symbol":"BTCUSDT","id":28457,"orderId":100234,"orderListId":-1,"price":"4.00000100",
///     "qty":"12.00000000","quoteQty":"48.000012","commission":"10.10000000",
///     "commissionAsset":"BNB","time":1499865549590,"isBuyer":true,"isMaker":false,…}, …]
/// ```
public struct AccountTrade {
    /// The trade id: fills are keyed by it (with the symbol).
    public var id: Int64 = -1
    public var symbol: Range<Int>?
    public var price: Range<Int>
    public var quantity: Range<Int>
    public var commission: Range<Int>?
    public var commissionAsset: Range<Int>?
    /// When it traded (venue ms; 0 if not said).
    public var timeMs: Int64 = 0

    /// Calls `body` with each row of the answer's array at `range` (`APIMessage.result`), in its
    /// order; a row without `price` or `qty` ends the reading with a failure.
    public static func read(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ body: (AccountTrade) -> Void
    ) throws(JSONScanner.Failure) {
        var scanner = JSONScanner(UnsafeBufferPointer(rebasing: bytes[..<range.upperBound]), offset: range.lowerBound)
        try scanner.array { (scanner) throws(JSONScanner.Failure) in
            var id: Int64 = -1
            var symbol: Range<Int>?
            var price: Range<Int>?
            var quantity: Range<Int>?
            var commission: Range<Int>?
            var asset: Range<Int>?
            var timeMs: Int64 = 0
            try scanner.object { (scanner, key) throws(JSONScanner.Failure) in
                if scanner.equals(key, "id") {
                    id = try scanner.signed()
                } else if scanner.equals(key, "symbol") {
                    symbol = try scanner.string()
                } else if scanner.equals(key, "price") {
                    price = try scanner.string()
                } else if scanner.equals(key, "qty") {
                    quantity = try scanner.string()
                } else if scanner.equals(key, "commission") {
                    commission = try scanner.string()
                } else if scanner.equals(key, "commissionAsset") {
                    asset = try scanner.string()
                } else if scanner.equals(key, "time") {
                    timeMs = try scanner.signed()
                } else {
                    try scanner.skipValue()
                }
            }
            guard let price, let quantity else { throw scanner.failure("a trade without price or qty") }
            body(
                AccountTrade(
                    id: id, symbol: symbol, price: price, quantity: quantity, commission: commission,
                    commissionAsset: asset, timeMs: timeMs))
        }
    }
}
