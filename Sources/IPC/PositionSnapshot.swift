/// Our position and PnL on one instrument, as `exec` books it after every fill.
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------------------------------------------------------+
/// |                 FrameHeader (type = 7), 32 bytes              |  0..31
/// +---------------------------------------------------------------+
/// |                     position (lots, signed)                   | 32
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                 realizedPnl (ticks × lots)                    | 40
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                unrealizedPnl (ticks × lots)                   | 48
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                     fees (ticks × lots)                       | 56
/// |                                                               |
/// +---------------------------------------------------------------+
/// ```
///
/// Money is in units of tick × lot of the instrument, exact in integers (multiply by tick size ×
/// lot size for the quote currency); `realizedPnl` is before fees.
@frozen
public struct PositionSnapshot: FrameMessage, Equatable {
    public static var messageType: MessageType { .positionSnapshot }

    public var header: FrameHeader
    public var position: Int64
    public var realizedPnl: Int64
    public var unrealizedPnl: Int64
    public var fees: Int64

    @inlinable
    public init(header: FrameHeader, position: Int64, realizedPnl: Int64, unrealizedPnl: Int64, fees: Int64) {
        self.header = header
        self.header.type = MessageType.positionSnapshot.rawValue
        self.position = position
        self.realizedPnl = realizedPnl
        self.unrealizedPnl = unrealizedPnl
        self.fees = fees
    }
}
