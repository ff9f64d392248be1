import Network

/// One symbol's trading rules as `exchangeInfo` states them (BINANCE.md G.4), the venue's
/// decimal strings kept as written: `ExchangeFilters` turns them into an instrument's ticks
/// and lots. A filter the venue does not send is nil (no such rule).
///
/// ```text
///   {"symbol":"BTCUSDT","status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT",
///    "orderTypes":["LIMIT","LIMIT_MAKER","MARKET",…],"cancelReplaceAllowed":true,"amendAllowed":true,
///    "filters":[{"filterType":"PRICE_FILTER","minPrice":"0.01000000","maxPrice":"1000000.00000000",
///                "tickSize":"0.01000000"},
///               {"filterType":"LOT_SIZE","minQty":"0.00001000","maxQty":"9000.00000000","stepSize":"0.00001000"},
///               {"filterType":"NOTIONAL","minNotional":"5.00000000","applyMinToMarket":true,
///                "maxNotional":"9000000.00000000","applyMaxToMarket":false,"avgPriceMins":5},
///               {"filterType":"PERCENT_PRICE_BY_SIDE","bidMultiplierUp":"5","bidMultiplierDown":"0.2",
///                "askMultiplierUp":"5","askMultiplierDown":"0.2","avgPriceMins":5},
///               {"filterType":"MAX_NUM_ORDERS","maxNumOrders":200},…]}
/// ```
///
/// Older answers carry `MIN_NOTIONAL` (`minNotional`, `applyToMarket`) for `NOTIONAL` and
/// `PERCENT_PRICE` (`multiplierUp`/`multiplierDown`, both sides) for `PERCENT_PRICE_BY_SIDE`:
/// read as the same rules.
public struct SymbolRules: Equatable, Sendable {
    public struct Range: Equatable, Sendable {
        public var minimum: String
        public var maximum: String
        public var step: String
    }
    public struct Notional: Equatable, Sendable {
        public var minimum: String?
        public var applyMinimumToMarket = true
        public var maximum: String?
        public var applyMaximumToMarket = false

        public init(
            minimum: String? = nil, applyMinimumToMarket: Bool = true, maximum: String? = nil,
            applyMaximumToMarket: Bool = false
        ) {
            self.minimum = minimum
            self.applyMinimumToMarket = applyMinimumToMarket
            self.maximum = maximum
            self.applyMaximumToMarket = applyMaximumToMarket
        }
    }
    public struct PercentPrice: Equatable, Sendable {
        public var bidUp: String
        public var bidDown: String
        public var askUp: String
        public var askDown: String
    }

    public var symbol = ""
    /// TRADING, or why not (BREAK, HALT, CANCEL_ONLY, …).
    public var status = ""
    public var baseAsset = ""
    public var quoteAsset = ""
    public var orderTypes: [String] = []
    public var cancelReplaceAllowed = false
    public var amendAllowed = false
    public var price: Range?
    public var lot: Range?
    public var marketLot: Range?
    public var notional = Notional()
    public var percentPrice: PercentPrice?
    public var maxNumOrders: Int?

    /// Every symbol in an `exchangeInfo` answer: `bytes[range]` is the object holding `symbols`
    /// (a WebSocket API result, or a REST body). A failure names the byte.
    public static func read(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Swift.Range<Int>) throws(JSONScanner.Failure)
        -> [SymbolRules]
    {
        var scanner = JSONScanner(UnsafeBufferPointer(rebasing: bytes[..<range.upperBound]), offset: range.lowerBound)
        var found: [SymbolRules] = []
        try scanner.object { (scanner, key) throws(JSONScanner.Failure) in
            guard scanner.equals(key, "symbols") else { return try scanner.skipValue() }
            try scanner.array { (scanner) throws(JSONScanner.Failure) in
                found.append(try SymbolRules(&scanner))
            }
        }
        return found
    }

    private init(_ scanner: inout JSONScanner) throws(JSONScanner.Failure) {
        try scanner.object { (scanner, key) throws(JSONScanner.Failure) in
            if scanner.equals(key, "symbol") {
                symbol = try Self.text(&scanner)
            } else if scanner.equals(key, "status") {
                status = try Self.text(&scanner)
            } else if scanner.equals(key, "baseAsset") {
                baseAsset = try Self.text(&scanner)
            } else if scanner.equals(key, "quoteAsset") {
                quoteAsset = try Self.text(&scanner)
            } else if scanner.equals(key, "cancelReplaceAllowed") {
                cancelReplaceAllowed = try scanner.bool()
            } else if scanner.equals(key, "amendAllowed") {
                amendAllowed = try scanner.bool()
            } else if scanner.equals(key, "orderTypes") {
                try scanner.array { (scanner) throws(JSONScanner.Failure) in orderTypes.append(try Self.text(&scanner))
                }
            } else if scanner.equals(key, "filters") {
                try scanner.array { (scanner) throws(JSONScanner.Failure) in try readFilter(&scanner) }
            } else {
                try scanner.skipValue()
            }
        }
        guard !symbol.isEmpty else { throw scanner.failure("a symbol without its name") }
    }

    private mutating func readFilter(_ scanner: inout JSONScanner) throws(JSONScanner.Failure) {
        let start = scanner.offset
        var fields: [String: String] = [:]
        var type = ""
        try scanner.object { (scanner, key) throws(JSONScanner.Failure) in
            let name = String(decoding: UnsafeBufferPointer(rebasing: scanner.bytes[key]), as: UTF8.self)
            switch scanner.peek() {
            case 0x22: fields[name] = try Self.text(&scanner)
            case 0x74, 0x66: fields[name] = try scanner.bool() ? "true" : "false"
            case let byte? where byte == 0x2D || (byte >= 0x30 && byte <= 0x39):
                fields[name] = String(try scanner.signed())
            default: try scanner.skipValue()
            }
            if name == "filterType" { type = fields[name] ?? "" }
        }
        func field(_ name: String) throws(JSONScanner.Failure) -> String {
            guard let value = fields[name] else {
                throw JSONScanner.Failure(offset: start, message: "\(type) without \(name)")
            }
            return value
        }
        switch type {
        case "PRICE_FILTER":
            price = Range(minimum: try field("minPrice"), maximum: try field("maxPrice"), step: try field("tickSize"))
        case "LOT_SIZE":
            lot = Range(minimum: try field("minQty"), maximum: try field("maxQty"), step: try field("stepSize"))
        case "MARKET_LOT_SIZE":
            marketLot = Range(minimum: try field("minQty"), maximum: try field("maxQty"), step: try field("stepSize"))
        case "MIN_NOTIONAL":
            notional.minimum = try field("minNotional")
            notional.applyMinimumToMarket = fields["applyToMarket"] != "false"
        case "NOTIONAL":
            notional = Notional(
                minimum: try field("minNotional"), applyMinimumToMarket: fields["applyMinToMarket"] != "false",
                maximum: try field("maxNotional"), applyMaximumToMarket: fields["applyMaxToMarket"] == "true")
        case "PERCENT_PRICE":
            let up = try field("multiplierUp")
            let down = try field("multiplierDown")
            percentPrice = PercentPrice(bidUp: up, bidDown: down, askUp: up, askDown: down)
        case "PERCENT_PRICE_BY_SIDE":
            percentPrice = PercentPrice(
                bidUp: try field("bidMultiplierUp"), bidDown: try field("bidMultiplierDown"),
                askUp: try field("askMultiplierUp"), askDown: try field("askMultiplierDown"))
        case "MAX_NUM_ORDERS":
            guard let count = Int(try field("maxNumOrders")), count >= 0 else {
                throw JSONScanner.Failure(offset: start, message: "MAX_NUM_ORDERS: maxNumOrders is not a count")
            }
            maxNumOrders = count
        default:
            break
        }
    }

    private static func text(_ scanner: inout JSONScanner) throws(JSONScanner.Failure) -> String {
        let range = try scanner.string()
        return String(decoding: UnsafeBufferPointer(rebasing: scanner.bytes[range]), as: UTF8.self)
    }
}
