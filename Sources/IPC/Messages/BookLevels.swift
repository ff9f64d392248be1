/// More levels of the depth message a `BookDelta` opened: one or two per frame, so a message of
/// n levels takes 1 + ⌈(n − 1) / 2⌉ cache lines instead of n.
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------------------------------------------------------+
/// |                FrameHeader (type = 10), 32 bytes              |  0..31
/// +---------------------------------------------------------------+
/// |                       firstPrice (ticks)                      | 32
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                        firstSize (lots)                       | 40
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                       secondPrice (ticks)                     | 48
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                        secondSize (lots)                      | 56
/// |                                                               |
/// +---------------------------------------------------------------+
/// ```
///
/// The sides and the second level's presence are header flags (the payload has no byte left):
/// `FrameFlags.firstLevelAsk`, `.secondLevelAsk`, `.secondLevel`; without `.secondLevel` the
/// second price and size are 0. The frames carry no update ids: the message is judged on the
/// `BookDelta` that opens it, and these follow it up to `FrameFlags.endOfMessage`.
@frozen
public struct BookLevels: FrameMessage, Equatable {
    public static var messageType: MessageType { .bookLevels }

    public var header: FrameHeader
    public var firstPrice: Int64
    public var firstSize: Int64
    public var secondPrice: Int64 = 0
    public var secondSize: Int64 = 0

    /// A frame holding one level; `add(_:price:size:)` fills in the second.
    @inlinable
    public init(header: FrameHeader, side: Side, price: Int64, size: Int64) {
        self.header = header
        self.header.type = MessageType.bookLevels.rawValue
        self.header.flags.subtract([.firstLevelAsk, .secondLevelAsk, .secondLevel])
        if side == .ask { self.header.flags.insert(.firstLevelAsk) }
        firstPrice = price
        firstSize = size
    }

    @inlinable public var firstSide: Side { header.flags.contains(.firstLevelAsk) ? .ask : .bid }
    @inlinable public var secondSide: Side { header.flags.contains(.secondLevelAsk) ? .ask : .bid }
    @inlinable public var hasSecond: Bool { header.flags.contains(.secondLevel) }

    /// Puts a second level into a frame that holds one.
    @inlinable
    public mutating func add(_ side: Side, price: Int64, size: Int64) {
        precondition(!hasSecond, "a book-levels frame holds two levels")
        header.flags.insert(side == .ask ? [.secondLevel, .secondLevelAsk] : .secondLevel)
        secondPrice = price
        secondSize = size
    }

    public static func == (lhs: BookLevels, rhs: BookLevels) -> Bool {
        lhs.header == rhs.header && lhs.firstPrice == rhs.firstPrice && lhs.firstSize == rhs.firstSize
            && lhs.secondPrice == rhs.secondPrice && lhs.secondSize == rhs.secondSize
    }
}
