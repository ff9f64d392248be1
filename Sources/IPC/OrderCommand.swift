/// An order instruction from `exec`'s order manager to a venue: new, cancel or replace.
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------------------------------------------------------+
/// |                 FrameHeader (type = 5), 32 bytes              |  0..31
/// +---------------+---------------+---------------+---------------+
/// |    command    |     side      |   orderType   |  timeInForce  | 32
/// +---------------+---------------+---------------+---------------+
/// |                         clientOrderId                         | 36
/// +---------------------------------------------------------------+
/// |                       origClientOrderId                       | 40
/// +---------------------------------------------------------------+
/// |                           reserved                            | 44
/// +---------------------------------------------------------------+
/// |                          price (ticks)                        | 48
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                          size (lots)                          | 56
/// |                                                               |
/// +---------------------------------------------------------------+
/// ```
///
/// Client order ids are 32-bit, unique within a session (4 billion orders); `exec` renders
/// them for a venue with the session's prefix. `origClientOrderId` names the order a cancel
/// or replace acts on (0 for new). A replace is cancel-then-new: the new order gets
/// `clientOrderId`, keeps side, type and time in force, and takes `price` and `size`.
@frozen
public struct OrderCommand: FrameMessage, Equatable {
    public static var messageType: MessageType { .orderCommand }

    @frozen public enum Command: UInt8, Sendable { case new = 1, cancel = 2, replace = 3 }
    @frozen public enum OrderType: UInt8, Sendable { case limit = 1, postOnly = 2, market = 3 }
    @frozen public enum TimeInForce: UInt8, Sendable {
        case goodTillCancel = 1, immediateOrCancel = 2, fillOrKill = 3
    }

    public var header: FrameHeader
    public var command: Command
    public var side: Side
    public var orderType: OrderType
    public var timeInForce: TimeInForce
    public var clientOrderId: UInt32
    public var origClientOrderId: UInt32
    public var reserved: UInt32 = 0
    public var price: Int64
    public var size: Int64

    @inlinable
    public init(
        header: FrameHeader, command: Command, side: Side, orderType: OrderType, timeInForce: TimeInForce,
        clientOrderId: UInt32, origClientOrderId: UInt32 = 0, price: Int64, size: Int64
    ) {
        self.header = header
        self.header.type = MessageType.orderCommand.rawValue
        self.command = command
        self.side = side
        self.orderType = orderType
        self.timeInForce = timeInForce
        self.clientOrderId = clientOrderId
        self.origClientOrderId = origClientOrderId
        self.price = price
        self.size = size
    }
}
