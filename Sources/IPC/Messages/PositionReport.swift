/// A position snapshot with its money, joined from its two frames (`PositionSnapshot` then
/// `PositionPnl`): what risk, the dashboard and the journal's readers use.
public struct PositionReport: Equatable, Sendable {
    public var instrument: UInt32
    /// Whose account: the bot's index in the session (0 with one bot).
    public var bot: UInt16
    public var timeNs: Int64
    public var position: Int64
    /// The mid the position was marked at, in ticks; nil when there was none.
    public var markPrice: Int64?
    public var unrealizedPnl: Int128
    public var realizedPnl: Int128
    public var fees: Int128

    public init(
        instrument: UInt32, bot: UInt16 = 0, timeNs: Int64, position: Int64, markPrice: Int64?,
        unrealizedPnl: Int128, realizedPnl: Int128, fees: Int128
    ) {
        self.instrument = instrument
        self.bot = bot
        self.timeNs = timeNs
        self.position = position
        self.markPrice = markPrice
        self.unrealizedPnl = unrealizedPnl
        self.realizedPnl = realizedPnl
        self.fees = fees
    }

    /// Realized plus unrealized less fees, in ticks × lots.
    public var pnl: Int128 { realizedPnl + unrealizedPnl - fees }

    /// The two frames exec writes for it.
    public var frames: (PositionSnapshot, PositionPnl) {
        let header = FrameHeader(
            type: .positionSnapshot, instrument: instrument, bot: bot, eventTimeNs: timeNs, receiveTimeNs: timeNs)
        return (
            PositionSnapshot(
                header: header, position: position, markPrice: markPrice ?? 0, unrealizedPnl: unrealizedPnl),
            PositionPnl(header: header, realizedPnl: realizedPnl, fees: fees)
        )
    }
}

/// Joins the two frames of a position snapshot. A `PositionPnl` completes the snapshot only when
/// it comes straight after its `PositionSnapshot` on the stream (the next position: a ring's or
/// pipe's frame sequence, a journal's record number), of the same instrument and time; a half
/// whose other half was lost, as a lossy reader may lose it, is dropped and counted, so two
/// snapshots' figures are never mixed.
public struct PositionReportReader: Sendable {
    private var pending: (snapshot: PositionSnapshot, position: UInt64)?
    /// Halves dropped: a snapshot without its money, or money without its snapshot.
    public private(set) var incomplete: UInt64 = 0

    public init() {}

    /// The report a frame read from a ring or a pipe completes (its header's sequence is its
    /// position on the stream), or nil. Frames of other types are ignored.
    public mutating func add(_ frame: Frame) -> PositionReport? {
        add(frame, at: frame.header.sequence)
    }

    /// The report `frame`, at `position` on its stream, completes, or nil.
    public mutating func add(_ frame: Frame, at position: UInt64) -> PositionReport? {
        switch frame.header.messageType {
        case .positionSnapshot:
            if pending != nil { incomplete &+= 1 }
            pending = (frame.as(PositionSnapshot.self), position)
            return nil
        case .positionPnl:
            defer { pending = nil }
            guard let (snapshot, at) = pending, at &+ 1 == position,
                snapshot.header.instrument == frame.header.instrument, snapshot.header.bot == frame.header.bot,
                snapshot.header.receiveTimeNs == frame.header.receiveTimeNs
            else {
                incomplete &+= 1
                return nil
            }
            let money = frame.as(PositionPnl.self)
            return PositionReport(
                instrument: snapshot.header.instrument, bot: snapshot.header.bot, timeNs: snapshot.header.receiveTimeNs,
                position: snapshot.position, markPrice: snapshot.markPrice == 0 ? nil : snapshot.markPrice,
                unrealizedPnl: snapshot.unrealizedPnl, realizedPnl: money.realizedPnl, fees: money.fees)
        default:
            return nil
        }
    }
}
