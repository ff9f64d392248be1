/// One Binance market-data message, as byte ranges into the line it came from: what the decoder
/// found, before any value is converted. Depth, trade, aggTrade, bookTicker and the REST depth
/// snapshot, spot and USD-M futures; a combined-stream envelope is unwrapped.
struct BinancePayload {
    enum Kind: Equatable {
        case depthUpdate
        case trade
        case aggTrade
        case bookTicker
        case snapshot
        /// A stream this feed does not use (kline, ...): counted, not an error.
        case other
    }

    var kind = Kind.other
    var symbol: Range<Int>?
    var eventTimeMs: UInt64?
    var firstUpdateId: UInt64?
    var lastUpdateId: UInt64?
    /// Futures only: the previous event's final update id.
    var previousUpdateId: UInt64?
    /// Depth and snapshot: the spans of the bid and ask arrays.
    var bids: Range<Int>?
    var asks: Range<Int>?
    /// Trades: id, price, quantity, and whether the buyer was the maker.
    var tradeId: UInt64?
    var price: Range<Int>?
    var quantity: Range<Int>?
    var buyerIsMaker: Bool?
    /// bookTicker: best bid and ask and their sizes.
    var bestBid: Range<Int>?
    var bestBidSize: Range<Int>?
    var bestAsk: Range<Int>?
    var bestAskSize: Range<Int>?

    /// Reads one message: `{"stream":..,"data":{..}}` or a bare payload, and nothing after it.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, from offset: Int = 0) throws(JSONScanner.Failure) -> BinancePayload {
        var scanner = JSONScanner(bytes, offset: offset)
        let payload = try readObject(&scanner, depth: 0)
        scanner.skipWhitespace()
        guard scanner.atEnd else { throw scanner.failure("unexpected bytes after the message") }
        return payload
    }

    private static func readObject(_ scanner: inout JSONScanner, depth: Int) throws(JSONScanner.Failure) -> BinancePayload {
        var payload = BinancePayload()
        var sawEventType = false
        var hasLastUpdateIdKey = false
        var unwrapped: BinancePayload?
        try scanner.object { (scanner, key) throws(JSONScanner.Failure) in
            if depth == 0 && scanner.equals(key, "data") {
                unwrapped = try readObject(&scanner, depth: 1)
            } else if scanner.equals(key, "stream") {
                try scanner.skipValue()
            } else {
                try payload.read(key: key, from: &scanner, sawEventType: &sawEventType, snapshotKey: &hasLastUpdateIdKey)
            }
        }
        if let unwrapped { return unwrapped }
        if !sawEventType {
            if hasLastUpdateIdKey {
                payload.kind = .snapshot
            } else if payload.lastUpdateId != nil && payload.bestBid != nil {
                payload.kind = .bookTicker // spot bookTicker carries no "e"
            }
        }
        return payload
    }

    private mutating func read(
        key: Range<Int>, from scanner: inout JSONScanner, sawEventType: inout Bool, snapshotKey: inout Bool
    ) throws(JSONScanner.Failure) {
        func decimal(_ scanner: inout JSONScanner) throws(JSONScanner.Failure) -> Range<Int> { try scanner.string() }
        switch key.count {
        case 1:
            switch scanner.bytes[key.lowerBound] {
            case UInt8(ascii: "e"):
                let value = try scanner.string()
                sawEventType = true
                if scanner.equals(value, "depthUpdate") { kind = .depthUpdate }
                else if scanner.equals(value, "trade") { kind = .trade }
                else if scanner.equals(value, "aggTrade") { kind = .aggTrade }
                else if scanner.equals(value, "bookTicker") { kind = .bookTicker }
                else { kind = .other }
            case UInt8(ascii: "E"): eventTimeMs = try scanner.unsigned()
            case UInt8(ascii: "s"): symbol = try scanner.string()
            case UInt8(ascii: "U"): firstUpdateId = try scanner.unsigned()
            case UInt8(ascii: "u"): lastUpdateId = try scanner.unsigned()
            case UInt8(ascii: "t"): tradeId = try scanner.unsigned()
            case UInt8(ascii: "p"): price = try decimal(&scanner)
            case UInt8(ascii: "q"): quantity = try decimal(&scanner)
            case UInt8(ascii: "m"): buyerIsMaker = try scanner.bool()
            case UInt8(ascii: "B"): bestBidSize = try decimal(&scanner)
            case UInt8(ascii: "A"): bestAskSize = try decimal(&scanner)
            case UInt8(ascii: "b"):
                if scanner.peek() == UInt8(ascii: "[") { bids = try arraySpan(&scanner) } else { bestBid = try decimal(&scanner) }
            case UInt8(ascii: "a"):
                // Depth: the asks; bookTicker: the best ask; aggTrade: the aggregate trade id.
                switch scanner.peek() {
                case UInt8(ascii: "["): asks = try arraySpan(&scanner)
                case UInt8(ascii: "\""): bestAsk = try decimal(&scanner)
                default: tradeId = try scanner.unsigned()
                }
            default: try scanner.skipValue()
            }
        default:
            if scanner.equals(key, "pu") { previousUpdateId = try scanner.unsigned() }
            else if scanner.equals(key, "lastUpdateId") { lastUpdateId = try scanner.unsigned(); snapshotKey = true }
            else if scanner.equals(key, "bids") { bids = try arraySpan(&scanner) }
            else if scanner.equals(key, "asks") { asks = try arraySpan(&scanner) }
            else { try scanner.skipValue() }
        }
    }

    private func arraySpan(_ scanner: inout JSONScanner) throws(JSONScanner.Failure) -> Range<Int> {
        scanner.skipWhitespace()
        let start = scanner.offset
        try scanner.skipValue()
        return start..<scanner.offset
    }

    /// Calls `body` with the price and size ranges of each `["price","size"]` pair in `span`.
    static func levels(
        _ bytes: UnsafeBufferPointer<UInt8>, _ span: Range<Int>,
        _ body: (Range<Int>, Range<Int>) throws(JSONScanner.Failure) -> Void
    ) throws(JSONScanner.Failure) {
        var scanner = JSONScanner(UnsafeBufferPointer(rebasing: bytes[0..<span.upperBound]), offset: span.lowerBound)
        try scanner.array { (scanner) throws(JSONScanner.Failure) in
            try scanner.expect(UInt8(ascii: "["))
            let price = try scanner.string()
            try scanner.expect(UInt8(ascii: ","))
            let size = try scanner.string()
            try scanner.expect(UInt8(ascii: "]"))
            try body(price, size)
        }
    }
}
