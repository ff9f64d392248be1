/// An order a strategy wants sent at once to take liquidity: a market order, or a limit that
/// may take; immediate-or-cancel (what does not fill at once is cancelled). exec checks it like
/// any order (its limits, the position's room with what works on that side) and sends it as one
/// of its own; the venue's reports come back to the strategy as its orders' updates.
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------------------------------------------------------+
/// |                FrameHeader (type = 12), 32 bytes              |  0..31
/// +---------------+---------------+-------------------------------+
/// |     side      |   orderType   |           reserved            | 32
/// +---------------+---------------+-------------------------------+
/// |                           reserved                            | 36
/// +---------------------------------------------------------------+
/// |              price (ticks; 0 for a market order)              | 40
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                          size (lots)                          | 48
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                           reserved                            | 56
/// |                                                               |
/// +---------------------------------------------------------------+
/// ```
///
/// `orderType` is `OrderCommand.OrderType`'s limit or market.
@frozen
public struct OrderIntent: FrameMessage, Equatable {
    public static var messageType: MessageType { .orderIntent }
    public var header: FrameHeader
    /// The wire value of `side`: enums are stored raw, since Swift keeps an enum as its case index.
    public var sideRaw: UInt8
    /// The wire value of `orderType`: enums are stored raw, since Swift keeps an enum as its case index.
    public var orderTypeRaw: UInt8
    public var reserved0: UInt16 = 0
    public var reserved1: UInt32 = 0
    public var price: Int64
    public var size: Int64
    public var reserved2: Int64 = 0

    @inlinable public var side: Side {
        get { Side(rawValue: sideRaw)! }
        set { sideRaw = newValue.rawValue }
    }
    @inlinable public var orderType: OrderCommand.OrderType {
        get { OrderCommand.OrderType(rawValue: orderTypeRaw)! }
        set { orderTypeRaw = newValue.rawValue }
    }

    @inlinable
    public init(header: FrameHeader, side: Side, orderType: OrderCommand.OrderType, price: Int64, size: Int64) {
        self.header = header
        self.header.type = MessageType.orderIntent.rawValue
        self.header.flags.insert(.endOfMessage)
        sideRaw = side.rawValue
        orderTypeRaw = orderType.rawValue
        self.price = price
        self.size = size
    }

    /// A market order of `size` lots.
    @inlinable
    public static func market(header: FrameHeader, side: Side, size: Int64) -> OrderIntent {
        OrderIntent(header: header, side: side, orderType: .market, price: 0, size: size)
    }

    /// A limit order at `price` that takes what it can at once (IOC).
    @inlinable
    public static func limit(header: FrameHeader, side: Side, price: Int64, size: Int64) -> OrderIntent {
        OrderIntent(header: header, side: side, orderType: .limit, price: price, size: size)
    }

    /// Why it cannot be sent, or nil: a known side, a limit or market type, a size in
    /// 1 ... `FrameLayout.maxQuantity`, a limit's price in 1 ... `maxQuantity` (a market's 0).
    public var defect: String? {
        guard Side(rawValue: sideRaw) != nil else { return "side \(sideRaw) is not a side" }
        guard let type = OrderCommand.OrderType(rawValue: orderTypeRaw), type != .postOnly else {
            return "order type \(orderTypeRaw): a strategy's order is limit (1) or market (3)"
        }
        guard size >= 1, size <= FrameLayout.maxQuantity else {
            return "size \(size) lots outside 1 ... \(FrameLayout.maxQuantity)"
        }
        if type == .market { return price == 0 ? nil : "a market order with price \(price) (0 expected)" }
        return price >= 1 && price <= FrameLayout.maxQuantity
            ? nil : "price \(price) ticks outside 1 ... \(FrameLayout.maxQuantity)"
    }

    public static func == (lhs: OrderIntent, rhs: OrderIntent) -> Bool {
        lhs.header == rhs.header && lhs.sideRaw == rhs.sideRaw && lhs.orderTypeRaw == rhs.orderTypeRaw
            && lhs.price == rhs.price && lhs.size == rhs.size
    }
}
