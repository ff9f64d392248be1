/// What a venue said about one of our orders: ack, reject, partial fill, fill, cancelled; or
/// that the account's position moved without a trade of ours (adjustment).
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------------------------------------------------------+
/// |                 FrameHeader (type = 6), 32 bytes              |  0..31
/// +---------------+---------------+-------------------------------+
/// |    report     |     side      |          rejectReason         | 32
/// +---------------+---------------+-------------------------------+
/// |                         clientOrderId                         | 36
/// +---------------------------------------------------------------+
/// |                          price (ticks)                        | 40
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                          size (lots)                          | 48
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                   fee (ticks × lots, signed)                  | 56
/// |                                                               |
/// +---------------------------------------------------------------+
/// ```
///
/// For fills `price` and `size` are this fill's; for acks and cancels, the order's price and
/// remaining size. An adjustment (a live spot venue: the base asset's balance moved by what
/// exec's fills do not explain — commissions paid in it, a deposit, a withdrawal) adds `size`
/// lots to the position (`side` buy) or takes them away (sell), valued at `price` (the mark);
/// its `clientOrderId` and `fee` are 0. `fee` is in units of tick × lot of the instrument (the
/// unit a notional `price × size` comes in, exact in integers; multiply by tick size × lot size
/// for the quote currency), negative for a rebate.
@frozen
public struct ExecutionReport: FrameMessage, Equatable {
    public static var messageType: MessageType { .executionReport }

    @frozen public enum Report: UInt8, Sendable {
        case ack = 1
        case reject = 2
        case partialFill = 3
        case fill = 4
        case cancelled = 5
        case adjustment = 6
    }

    @frozen public enum RejectReason: UInt16, Sendable {
        case none = 0
        case postOnlyWouldCross = 1
        case riskLimit = 2
        case halted = 3
        case unknownOrder = 4
        case insufficientBalance = 5
        case invalidPrice = 6
        case invalidSize = 7
        case venueError = 8
    }

    public var header: FrameHeader
    /// The wire value of `report`: enums are stored raw, since Swift keeps an enum as its case index.
    public var reportRaw: UInt8
    /// The wire value of `side`: enums are stored raw, since Swift keeps an enum as its case index.
    public var sideRaw: UInt8
    /// The wire value of `rejectReason`: enums are stored raw, since Swift keeps an enum as its case index.
    public var rejectReasonRaw: UInt16
    public var clientOrderId: UInt32
    public var price: Int64
    public var size: Int64
    public var fee: Int64

    @inlinable public var report: Report {
        get { Report(rawValue: reportRaw)! }
        set { reportRaw = newValue.rawValue }
    }

    @inlinable public var side: Side {
        get { Side(rawValue: sideRaw)! }
        set { sideRaw = newValue.rawValue }
    }

    @inlinable public var rejectReason: RejectReason {
        get { RejectReason(rawValue: rejectReasonRaw)! }
        set { rejectReasonRaw = newValue.rawValue }
    }

    @inlinable
    public init(
        header: FrameHeader, report: Report, side: Side, rejectReason: RejectReason = .none,
        clientOrderId: UInt32, price: Int64, size: Int64, fee: Int64 = 0
    ) {
        self.header = header
        self.header.type = MessageType.executionReport.rawValue
        self.reportRaw = report.rawValue
        self.sideRaw = side.rawValue
        self.rejectReasonRaw = rejectReason.rawValue
        self.clientOrderId = clientOrderId
        self.price = price
        self.size = size
        self.fee = fee
    }
}
