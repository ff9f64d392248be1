import Network

/// An `executionReport` from the user data stream (BINANCE.md G.3), read in place: the fields
/// exec books from, as ranges into the message (decimals stay text until the instrument's
/// scale reads them) and the ids as integers.
///
/// ```text
///   {"e":"executionReport","E":1499405658658,"s":"ETHBTC","c":"mUvoqJxFIILMdfAW5iGSOW","S":"BUY",
///    "o":"LIMIT","f":"GTC","q":"1.00000000","p":"0.10264410","x":"TRADE","X":"PARTIALLY_FILLED",
///    "r":"NONE","i":4293153,"l":"0.50000000","z":"0.50000000","L":"0.10264410","n":"0.00050000",
///    "N":"ETH","T":1499405658657,"t":17,"C":"",…}
/// ```
///
/// `c` is the order's client id, except on a cancel, where `C` is (and `c` the cancel's own).
public struct ExecutionReportEvent {
    public var symbol: Range<Int>?
    public var clientOrderId: Range<Int>?
    public var origClientOrderId: Range<Int>?
    public var side: Range<Int>?
    public var executionType: Range<Int>?
    public var orderStatus: Range<Int>?
    public var rejectReason: Range<Int>?
    public var orderId: Int64 = -1
    public var price: Range<Int>?
    public var quantity: Range<Int>?
    public var lastQuantity: Range<Int>?
    public var cumulativeQuantity: Range<Int>?
    public var lastPrice: Range<Int>?
    public var commission: Range<Int>?
    public var commissionAsset: Range<Int>?
    /// -1 when the report is not a trade.
    public var tradeId: Int64 = -1
    public var transactionTimeMs: Int64 = 0

    /// Reads the event object at `range` (`APIMessage.event`).
    public init(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws(JSONScanner.Failure) {
        var scanner = JSONScanner(UnsafeBufferPointer(rebasing: bytes[..<range.upperBound]), offset: range.lowerBound)
        var event = ExecutionReportEvent(empty: ())
        try scanner.object { (scanner, key) throws(JSONScanner.Failure) in
            guard key.count == 1 else { return try scanner.skipValue() }
            if scanner.peek() == 0x6E { return try scanner.skipValue() } // null
            switch scanner.bytes[key.lowerBound] {
            case 0x73: event.symbol = try scanner.string() // s
            case 0x63: event.clientOrderId = try scanner.string() // c
            case 0x43: event.origClientOrderId = try scanner.string() // C
            case 0x53: event.side = try scanner.string() // S
            case 0x78: event.executionType = try scanner.string() // x
            case 0x58: event.orderStatus = try scanner.string() // X
            case 0x72: event.rejectReason = try scanner.string() // r
            case 0x69: event.orderId = try scanner.signed() // i
            case 0x70: event.price = try scanner.string() // p
            case 0x71: event.quantity = try scanner.string() // q
            case 0x6C: event.lastQuantity = try scanner.string() // l
            case 0x7A: event.cumulativeQuantity = try scanner.string() // z
            case 0x4C: event.lastPrice = try scanner.string() // L
            case 0x6E: event.commission = try scanner.string() // n
            case 0x4E: event.commissionAsset = try scanner.string() // N
            case 0x74: event.tradeId = try scanner.signed() // t
            case 0x54: event.transactionTimeMs = try scanner.signed() // T
            default: try scanner.skipValue()
            }
        }
        guard event.symbol != nil, event.clientOrderId != nil, event.executionType != nil, event.orderStatus != nil,
            event.side != nil
        else {
            throw JSONScanner.Failure(offset: range.lowerBound, message: "an executionReport without s, c, S, x or X")
        }
        self = event
    }

    private init(empty: ()) {}
}
