import Network

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
    /// Depth and snapshot: the bid and ask levels, as index ranges into the `LevelList` the
    /// message was decoded with.
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
    /// Level arrays are read once, strictly, into `levels` (cleared first).
    static func decode(
        _ bytes: UnsafeBufferPointer<UInt8>, from offset: Int = 0, levels: LevelList
    ) throws(JSONScanner.Failure) -> BinancePayload {
        levels.removeAll()
        var scanner = JSONScanner(bytes, offset: offset)
        var payload = BinancePayload()
        var sawEventType = false
        var hasLastUpdateIdKey = false
        try payload.readObject(
            &scanner, depth: 0, levels: levels, sawEventType: &sawEventType, snapshotKey: &hasLastUpdateIdKey)
        scanner.skipWhitespace()
        guard scanner.atEnd else { throw scanner.failure("unexpected bytes after the message") }
        if !sawEventType {
            if hasLastUpdateIdKey {
                payload.kind = .snapshot
            } else if payload.lastUpdateId != nil && payload.bestBid != nil {
                payload.kind = .bookTicker // spot bookTicker carries no "e"
            }
        }
        return payload
    }

    /// Reads an object's keys into `self`; the envelope's "data" object is read into `self` too.
    /// A plain loop, not a closure per key: this is the feed's hottest code.
    private mutating func readObject(
        _ scanner: inout JSONScanner, depth: Int, levels: LevelList, sawEventType: inout Bool, snapshotKey: inout Bool
    ) throws(JSONScanner.Failure) {
        try scanner.expect(UInt8(ascii: "{"))
        if scanner.consume(UInt8(ascii: "}")) { return }
        var sawData = false
        repeat {
            let key = try scanner.string()
            try scanner.expect(UInt8(ascii: ":"))
            if depth == 0 && scanner.equals(key, "data") {
                guard !sawData else {
                    throw scanner.failure("duplicate key \"data\" (the message gives its field twice)")
                }
                sawData = true
                self = BinancePayload()
                sawEventType = false
                snapshotKey = false
                levels.removeAll()
                try readObject(
                    &scanner, depth: 1, levels: levels, sawEventType: &sawEventType, snapshotKey: &snapshotKey)
            } else if scanner.equals(key, "stream") {
                try scanner.skipValue()
            } else {
                try read(
                    key: key, from: &scanner, levels: levels, sawEventType: &sawEventType, snapshotKey: &snapshotKey)
            }
        } while scanner.consume(UInt8(ascii: ","))
        try scanner.expect(UInt8(ascii: "}"))
    }

    private mutating func read(
        key: Range<Int>, from scanner: inout JSONScanner, levels: LevelList, sawEventType: inout Bool,
        snapshotKey: inout Bool
    ) throws(JSONScanner.Failure) {
        func decimal(_ scanner: inout JSONScanner) throws(JSONScanner.Failure) -> Range<Int> { try scanner.string() }
        // Each field is read once: a second key for it ("b" and "bids", "u" and "lastUpdateId",
        // or one key twice) is an error naming it, never last-wins.
        func once(_ field: Bool) throws(JSONScanner.Failure) {
            guard !field else {
                let name = String(decoding: UnsafeBufferPointer(rebasing: scanner.bytes[key]), as: UTF8.self)
                throw scanner.failure("duplicate key \"\(name)\" (the message gives its field twice)")
            }
        }
        switch key.count {
        case 1:
            switch scanner.bytes[key.lowerBound] {
            case UInt8(ascii: "e"):
                try once(sawEventType)
                let value = try scanner.string()
                sawEventType = true
                if scanner.equals(value, "depthUpdate") {
                    kind = .depthUpdate
                } else if scanner.equals(value, "trade") {
                    kind = .trade
                } else if scanner.equals(value, "aggTrade") {
                    kind = .aggTrade
                } else if scanner.equals(value, "bookTicker") {
                    kind = .bookTicker
                } else {
                    kind = .other
                }
            case UInt8(ascii: "E"):
                try once(eventTimeMs != nil)
                eventTimeMs = try scanner.unsigned()
            case UInt8(ascii: "s"):
                try once(symbol != nil)
                symbol = try scanner.string()
            case UInt8(ascii: "U"):
                try once(firstUpdateId != nil)
                firstUpdateId = try scanner.unsigned()
            case UInt8(ascii: "u"):
                try once(lastUpdateId != nil)
                lastUpdateId = try scanner.unsigned()
            case UInt8(ascii: "t"):
                try once(tradeId != nil)
                tradeId = try scanner.unsigned()
            case UInt8(ascii: "p"):
                try once(price != nil)
                price = try decimal(&scanner)
            case UInt8(ascii: "q"):
                try once(quantity != nil)
                quantity = try decimal(&scanner)
            case UInt8(ascii: "m"):
                try once(buyerIsMaker != nil)
                buyerIsMaker = try scanner.bool()
            case UInt8(ascii: "B"):
                try once(bestBidSize != nil)
                bestBidSize = try decimal(&scanner)
            case UInt8(ascii: "A"):
                try once(bestAskSize != nil)
                bestAskSize = try decimal(&scanner)
            case UInt8(ascii: "b"):
                try once(bids != nil || bestBid != nil)
                if scanner.peek() == UInt8(ascii: "[") {
                    bids = try levels.read(&scanner)
                } else {
                    bestBid = try decimal(&scanner)
                }
            case UInt8(ascii: "a"):
                // Depth: the asks; bookTicker: the best ask; aggTrade: the aggregate trade id.
                switch scanner.peek() {
                case UInt8(ascii: "["):
                    try once(asks != nil)
                    asks = try levels.read(&scanner)
                case UInt8(ascii: "\""):
                    try once(bestAsk != nil)
                    bestAsk = try decimal(&scanner)
                default:
                    try once(tradeId != nil)
                    tradeId = try scanner.unsigned()
                }
            default: try scanner.skipValue()
            }
        default:
            if scanner.equals(key, "pu") {
                try once(previousUpdateId != nil)
                previousUpdateId = try scanner.unsigned()
            } else if scanner.equals(key, "lastUpdateId") {
                try once(lastUpdateId != nil)
                lastUpdateId = try scanner.unsigned()
                snapshotKey = true
            } else if scanner.equals(key, "bids") {
                try once(bids != nil || bestBid != nil)
                bids = try levels.read(&scanner)
            } else if scanner.equals(key, "asks") {
                try once(asks != nil || bestAsk != nil)
                asks = try levels.read(&scanner)
            } else {
                try scanner.skipValue()
            }
        }
    }

}

/// The `["price","size"]` pairs of a message's level arrays, as byte ranges, in fixed storage
/// reused for every message: the decoder reads each array once, strictly, and the translator
/// converts the numbers once the instrument is known.
final class LevelList {
    static let capacity = 1 << 16
    private let ranges = UnsafeMutablePointer<(Int32, Int32, Int32, Int32)>.allocate(capacity: LevelList.capacity)
    @exclusivity(unchecked) private(set) var count = 0

    deinit { ranges.deallocate() }

    func removeAll() { count = 0 }

    /// The price and size ranges of level `index`.
    subscript(index: Int) -> (price: Range<Int>, size: Range<Int>) {
        let entry = ranges[index]
        return (Int(entry.0)..<Int(entry.1), Int(entry.2)..<Int(entry.3))
    }

    /// Reads one array of pairs at the scanner; returns the index range it filled.
    func read(_ scanner: inout JSONScanner) throws(JSONScanner.Failure) -> Range<Int> {
        let start = count
        guard scanner.bytes.count < Int(Int32.max) else { throw scanner.failure("message longer than 2 GiB") }
        try scanner.expect(UInt8(ascii: "["))
        if scanner.consume(UInt8(ascii: "]")) { return start..<start }
        repeat {
            guard count < LevelList.capacity else {
                throw scanner.failure("more than \(LevelList.capacity) levels in one message")
            }
            try scanner.expect(UInt8(ascii: "["))
            let price = try scanner.string()
            try scanner.expect(UInt8(ascii: ","))
            let size = try scanner.string()
            try scanner.expect(UInt8(ascii: "]"))
            ranges[count] = (
                Int32(price.lowerBound), Int32(price.upperBound), Int32(size.lowerBound), Int32(size.upperBound)
            )
            count += 1
        } while scanner.consume(UInt8(ascii: ","))
        try scanner.expect(UInt8(ascii: "]"))
        return start..<count
    }
}
