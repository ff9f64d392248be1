/// What a strategy wants quoted on one instrument now; `exec` turns it into orders.
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------------------------------------------------------+
/// |                 FrameHeader (type = 4), 32 bytes              |  0..31
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
/// A size of 0 means no quote on that side; both 0 is cancel-all for the instrument. A message
/// of several frames is a ladder (`QuoteLadder`): frame k holds level k of each side, the last
/// is marked `endOfMessage`; a single frame, the common quote, is marked too (the initialiser
/// marks it).
@frozen
public struct QuoteIntent: FrameMessage, Equatable {
    public static var messageType: MessageType { .quoteIntent }

    public var header: FrameHeader
    public var bidPrice: Int64
    public var bidSize: Int64
    public var askPrice: Int64
    public var askSize: Int64

    @inlinable
    public init(header: FrameHeader, bidPrice: Int64, bidSize: Int64, askPrice: Int64, askSize: Int64) {
        self.header = header
        self.header.type = MessageType.quoteIntent.rawValue
        self.header.flags.insert(.endOfMessage)
        self.bidPrice = bidPrice
        self.bidSize = bidSize
        self.askPrice = askPrice
        self.askSize = askSize
    }

    /// An intent to have nothing on the book for `header.instrument`.
    @inlinable
    public static func cancelAll(header: FrameHeader) -> QuoteIntent {
        QuoteIntent(header: header, bidPrice: 0, bidSize: 0, askPrice: 0, askSize: 0)
    }

    @inlinable public var isCancelAll: Bool { bidSize == 0 && askSize == 0 }
}
