/// The second frame of a position snapshot: the money the position's closed trades made.
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------------------------------------------------------+
/// |     FrameHeader (type = 11, endOfMessage), 32 bytes           |  0..31
/// +---------------------------------------------------------------+
/// |   realizedPnl (ticks × lots, Int128, before fees): low 64     | 32
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                          high 64 bits                         | 40
/// |                                                               |
/// +---------------------------------------------------------------+
/// |          fees (ticks × lots, Int128, paid > 0): low 64        | 48
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                          high 64 bits                         | 56
/// |                                                               |
/// +---------------------------------------------------------------+
/// ```
@frozen
public struct PositionPnl: FrameMessage, Equatable {
    public static var messageType: MessageType { .positionPnl }

    public var header: FrameHeader
    public var realizedPnlLow: UInt64
    public var realizedPnlHigh: Int64
    public var feesLow: UInt64
    public var feesHigh: Int64

    @inlinable
    public init(header: FrameHeader, realizedPnl: Int128, fees: Int128) {
        self.header = header
        self.header.type = MessageType.positionPnl.rawValue
        self.header.flags.insert(.endOfMessage)
        (realizedPnlLow, realizedPnlHigh) = Int128Words.split(realizedPnl)
        (feesLow, feesHigh) = Int128Words.split(fees)
    }

    @inlinable public var realizedPnl: Int128 { Int128Words.join(realizedPnlLow, realizedPnlHigh) }
    @inlinable public var fees: Int128 { Int128Words.join(feesLow, feesHigh) }
}
