/// One price level of an order book changed: the new size at a price (0 removes the level);
/// the frame that opens a venue depth message, with the message's update ids.
///
/// The message's further levels follow two to a `BookLevels` frame; its last frame carries
/// `FrameFlags.endOfMessage`. A snapshot's frames carry `FrameFlags.snapshot`.
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------------------------------------------------------+
/// |                 FrameHeader (type = 1), 32 bytes              |  0..31
/// +---------------------------------------------------------------+
/// |                          price (ticks)                        | 32
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                          size (lots)                          | 40
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                           updateId                            | 48
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                         updateIdSpan                          | 56
/// +---------------+-----------------------------------------------+
/// |     side      |                   reserved                    | 60
/// +---------------+-----------------------------------------------+
/// ```
///
/// Sequence rule in one form for every venue: `prevUpdateId = updateId - updateIdSpan` is the
/// update id the book must have applied last. Binance spot: `updateId = u`, `prevUpdateId =
/// U - 1`; USD-M futures: `updateId = u`, `prevUpdateId = pu`. Snapshot levels: `updateId =
/// lastUpdateId`, span 0.
@frozen
public struct BookDelta: FrameMessage, Equatable {
    public static var messageType: MessageType { .bookDelta }

    public var header: FrameHeader
    public var price: Int64
    public var size: Int64
    public var updateId: UInt64
    public var updateIdSpan: UInt32
    /// The wire value of `side`: enums are stored raw, since Swift keeps an enum as its case index.
    public var sideRaw: UInt8
    public var reserved: (UInt8, UInt8, UInt8) = (0, 0, 0)

    @inlinable public var side: Side {
        get { Side(rawValue: sideRaw)! }
        set { sideRaw = newValue.rawValue }
    }

    @inlinable
    public init(
        header: FrameHeader, side: Side, price: Int64, size: Int64, updateId: UInt64, updateIdSpan: UInt32
    ) {
        self.header = header
        self.header.type = MessageType.bookDelta.rawValue
        self.sideRaw = side.rawValue
        self.price = price
        self.size = size
        self.updateId = updateId
        self.updateIdSpan = updateIdSpan
    }

    /// The update id the book must have applied just before this message.
    @inlinable public var prevUpdateId: UInt64 { updateId &- UInt64(updateIdSpan) }

    public static func == (lhs: BookDelta, rhs: BookDelta) -> Bool {
        lhs.header == rhs.header && lhs.price == rhs.price && lhs.size == rhs.size
            && lhs.updateId == rhs.updateId && lhs.updateIdSpan == rhs.updateIdSpan && lhs.sideRaw == rhs.sideRaw
    }
}
