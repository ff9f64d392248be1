/// A trade printed by the venue.
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------------------------------------------------------+
/// |                 FrameHeader (type = 2), 32 bytes              |  0..31
/// +---------------------------------------------------------------+
/// |                          price (ticks)                        | 32
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                          size (lots)                          | 40
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                            tradeId                            | 48
/// |                                                               |
/// +---------------+-----------------------------------------------+
/// |   aggressor   |                   reserved                    | 56
/// +---------------+                                               |
/// |                                                               |
/// +---------------------------------------------------------------+
/// ```
///
/// `aggressor` is the taker's side: `.sell` when the buyer was the maker (Binance `"m": true`).
@frozen
public struct Trade: FrameMessage, Equatable {
    public static var messageType: MessageType { .trade }

    public var header: FrameHeader
    public var price: Int64
    public var size: Int64
    public var tradeId: UInt64
    /// The wire value of `aggressor`: enums are stored raw, since Swift keeps an enum as its case index.
    public var aggressorRaw: UInt8
    public var reserved: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0)

    @inlinable public var aggressor: Side {
        get { Side(rawValue: aggressorRaw)! }
        set { aggressorRaw = newValue.rawValue }
    }

    @inlinable
    public init(header: FrameHeader, price: Int64, size: Int64, tradeId: UInt64, aggressor: Side) {
        self.header = header
        self.header.type = MessageType.trade.rawValue
        self.price = price
        self.size = size
        self.tradeId = tradeId
        self.aggressorRaw = aggressor.rawValue
    }

    public static func == (lhs: Trade, rhs: Trade) -> Bool {
        lhs.header == rhs.header && lhs.price == rhs.price && lhs.size == rhs.size
            && lhs.tradeId == rhs.tradeId && lhs.aggressorRaw == rhs.aggressorRaw
    }
}
