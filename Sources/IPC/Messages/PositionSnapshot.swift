/// Our position on one instrument as `exec` books it, on every fill and once a second: the first
/// frame of a two-frame message, `PositionPnl` the second (money is 128-bit, and three 128-bit
/// amounts do not fit one frame). A reader takes the two together (`PositionReportReader`).
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------------------------------------------------------+
/// |     FrameHeader (type = 7, no endOfMessage), 32 bytes         |  0..31
/// +---------------------------------------------------------------+
/// |                     position (lots, signed)                   | 32
/// |                                                               |
/// +---------------------------------------------------------------+
/// |              markPrice (ticks; 0: no mid to mark at)          | 40
/// |                                                               |
/// +---------------------------------------------------------------+
/// |         unrealizedPnl (ticks × lots, Int128): low 64 bits     | 48
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                          high 64 bits                         | 56
/// |                                                               |
/// +---------------------------------------------------------------+
/// ```
///
/// Money is in units of tick × lot of the instrument, exact in integers (multiply by tick size ×
/// lot size for the quote currency). A 128-bit amount is stored as two 64-bit words, low first,
/// so the frame keeps the 8-byte alignment of every other.
@frozen
public struct PositionSnapshot: FrameMessage, Equatable {
    public static var messageType: MessageType { .positionSnapshot }

    public var header: FrameHeader
    public var position: Int64
    public var markPrice: Int64
    public var unrealizedPnlLow: UInt64
    public var unrealizedPnlHigh: Int64

    @inlinable
    public init(header: FrameHeader, position: Int64, markPrice: Int64, unrealizedPnl: Int128) {
        self.header = header
        self.header.type = MessageType.positionSnapshot.rawValue
        self.header.flags.remove(.endOfMessage)
        self.position = position
        self.markPrice = markPrice
        (unrealizedPnlLow, unrealizedPnlHigh) = Int128Words.split(unrealizedPnl)
    }

    @inlinable public var unrealizedPnl: Int128 { Int128Words.join(unrealizedPnlLow, unrealizedPnlHigh) }
}
