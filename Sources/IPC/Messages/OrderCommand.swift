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

    @frozen public enum Command: UInt8, Sendable {
        case new = 1
        case cancel = 2
        case replace = 3
    }
    @frozen public enum OrderType: UInt8, Sendable {
        case limit = 1
        case postOnly = 2
        case market = 3
    }
    @frozen public enum TimeInForce: UInt8, Sendable {
        case goodTillCancel = 1
        case immediateOrCancel = 2
        case fillOrKill = 3
    }

    public var header: FrameHeader
    /// The wire value of `command`: enums are stored raw, since Swift keeps an enum as its case index.
    public var commandRaw: UInt8
    /// The wire value of `side`: enums are stored raw, since Swift keeps an enum as its case index.
    public var sideRaw: UInt8
    /// The wire value of `orderType`: enums are stored raw, since Swift keeps an enum as its case index.
    public var orderTypeRaw: UInt8
    /// The wire value of `timeInForce`: enums are stored raw, since Swift keeps an enum as its case index.
    public var timeInForceRaw: UInt8
    public var clientOrderId: UInt32
    public var origClientOrderId: UInt32
    public var reserved: UInt32 = 0
    public var price: Int64
    public var size: Int64

    @inlinable public var command: Command {
        get { Command(rawValue: commandRaw)! }
        set { commandRaw = newValue.rawValue }
    }

    @inlinable public var side: Side {
        get { Side(rawValue: sideRaw)! }
        set { sideRaw = newValue.rawValue }
    }

    @inlinable public var orderType: OrderType {
        get { OrderType(rawValue: orderTypeRaw)! }
        set { orderTypeRaw = newValue.rawValue }
    }

    @inlinable public var timeInForce: TimeInForce {
        get { TimeInForce(rawValue: timeInForceRaw)! }
        set { timeInForceRaw = newValue.rawValue }
    }

    @inlinable
    public init(
        header: FrameHeader, command: Command, side: Side, orderType: OrderType, timeInForce: TimeInForce,
        clientOrderId: UInt32, origClientOrderId: UInt32 = 0, price: Int64, size: Int64
    ) {
        self.header = header
        self.header.type = MessageType.orderCommand.rawValue
        self.commandRaw = command.rawValue
        self.sideRaw = side.rawValue
        self.orderTypeRaw = orderType.rawValue
        self.timeInForceRaw = timeInForce.rawValue
        self.clientOrderId = clientOrderId
        self.origClientOrderId = origClientOrderId
        self.price = price
        self.size = size
    }
}
