import IPC

/// Where exec's orders for one instrument go and its reports come from: the paper venue (a
/// matching engine simulated from the market data) or, next, a live exchange. exec's processor
/// is generic over it, specialised at compile time: the per-frame calls are direct.
///
/// Every call hands the venue the current market time (`nowNs`: the frames' receive times) and
/// collects what it answers as execution reports, in order.
protocol Venue: AnyObject {
    /// The largest fee rate any fill pays or earns here, in millionths of the notional: the order
    /// manager refuses an order whose fee a report's 64 bits could not hold.
    var maxFeeMillionths: Int64 { get }
    /// The earliest market time at which `advance` has something to do (`.max`: nothing). May be
    /// early, never late.
    var nextArrivalNs: Int64 { get }

    /// An order command (new, cancel, replace) leaves for the venue now.
    func submit(_ command: OrderCommand, nowNs: Int64, into reports: inout [ExecutionReport])
    /// What reached the venue, or came back from it, by `nowNs`.
    func advance(to nowNs: Int64, into reports: inout [ExecutionReport])

    /// The market as exec reads it: a depth message's first frame, its further levels, a new
    /// top, a trade.
    func apply(_ delta: BookDelta)
    func apply(_ levels: BookLevels)
    func top(_ top: BookTop, nowNs: Int64, into reports: inout [ExecutionReport])
    func trade(_ trade: Trade, nowNs: Int64, into reports: inout [ExecutionReport])
}

/// Makes the venue for each instrument exec learns of (from its definition frame).
protocol VenueFactory {
    associatedtype Made: Venue
    func venue(for instrument: Instrument) -> Made
}
