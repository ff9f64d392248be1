/// The best bid and ask of a valid, uncrossed book, published by `book` when either changes.
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------------------------------------------------------+
/// |                 FrameHeader (type = 3), 32 bytes              |  0..31
/// +---------------------------------------------------------------+
/// |                        bidPrice (ticks)                       | 32
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                         bidSize (lots)                        | 40
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                        askPrice (ticks)                       | 48
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                         askSize (lots)                        | 56
/// |                                                               |
/// +---------------------------------------------------------------+
/// ```
///
/// A top with every field 0 (`BookTop.invalid`) says the book turned invalid (a gap, a crossed
/// book): a reader stops trusting the last top it saw until a valid one arrives.
///
/// The derived fields (mid, spread, microprice, imbalance) are computed from these four
/// exactly, so they are not sent: 32 bytes do not hold them and a reader gets them for a
/// few instructions. The header's times are those of the venue message that moved the top.
@frozen
public struct BookTop: FrameMessage, Equatable {
    public static var messageType: MessageType { .bookTop }

    public var header: FrameHeader
    public var bidPrice: Int64
    public var bidSize: Int64
    public var askPrice: Int64
    public var askSize: Int64

    @inlinable
    public init(header: FrameHeader, bidPrice: Int64, bidSize: Int64, askPrice: Int64, askSize: Int64) {
        self.header = header
        self.header.type = MessageType.bookTop.rawValue
        self.bidPrice = bidPrice
        self.bidSize = bidSize
        self.askPrice = askPrice
        self.askSize = askSize
    }

    /// The top that says "no valid book".
    @inlinable
    public static func invalid(header: FrameHeader) -> BookTop {
        BookTop(header: header, bidPrice: 0, bidSize: 0, askPrice: 0, askSize: 0)
    }

    @inlinable public var isValid: Bool { bidSize != 0 || askSize != 0 }

    /// Twice the mid price in ticks (`bid + ask`): exact in integers.
    @inlinable public var midTwiceTicks: Int64 { bidPrice &+ askPrice }
    /// The mid price in whole ticks, rounded towards zero (a sum of two prices in 128 bits: no
    /// frame can make it overflow).
    @inlinable public var midPrice: Int64 { Int64((Int128(bidPrice) + Int128(askPrice)) / 2) }
    /// The mid price in ticks.
    @inlinable public var mid: Double { Double(bidPrice &+ askPrice) * 0.5 }
    /// `ask - bid` in ticks.
    @inlinable public var spreadTicks: Int64 { askPrice &- bidPrice }
    /// The size-weighted mid: `(bid * askSize + ask * bidSize) / (bidSize + askSize)`, in ticks.
    @inlinable public var microprice: Double {
        let total = Double(bidSize) + Double(askSize)
        guard total > 0 else { return mid }
        return (Double(bidPrice) * Double(askSize) + Double(askPrice) * Double(bidSize)) / total
    }
    /// `(bidSize - askSize) / (bidSize + askSize)`, in [-1, 1]: positive when bids outweigh asks.
    @inlinable public var imbalance: Double {
        let total = Double(bidSize) + Double(askSize)
        guard total > 0 else { return 0 }
        return (Double(bidSize) - Double(askSize)) / total
    }
}
