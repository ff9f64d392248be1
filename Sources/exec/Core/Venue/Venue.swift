import IPC

/// Where exec's orders for one instrument go and its reports come from: the paper venue (a
/// matching engine simulated from the market data) or a live exchange (`BinanceSpotVenue`). exec's processor
/// is generic over it, specialised at compile time: the per-frame calls are direct.
///
/// Every call hands the venue the current market time (`nowNs`: the frames' receive times) and
/// collects what it answers as execution reports, in order.
package protocol Venue: AnyObject {
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

    /// Orders an earlier run left working (`--append`: the journal ends before their last
    /// report), with the lots it booked, and the position it carried on: a live venue asks about
    /// each order and books what it missed. Returns those it keeps working for the order manager
    /// (`--on-start adopt`: the newest a side), which it reports acknowledged once the venue shows
    /// them open; the others are cancelled.
    func adopt(_ orders: [JournalHistory.WorkingOrder], position: Int64) -> [JournalHistory.WorkingOrder]
    /// The smallest price move worth replacing an order for now, in ticks, for quotes
    /// `spreadTicks` apart: 1 (every move) unless the venue's request budget is running low.
    func requoteStep(spreadTicks: Int64) -> Int64
}

extension Venue {
    /// A paper venue's book died with the run that made it: nothing to adopt.
    func adopt(_ orders: [JournalHistory.WorkingOrder], position: Int64) -> [JournalHistory.WorkingOrder] { [] }
    /// A paper venue takes every move.
    func requoteStep(spreadTicks: Int64) -> Int64 { 1 }
}

/// Makes the venue for each instrument exec learns of (from its definition frame); for a live
/// venue, also its connection's part of the duty cycle.
package protocol VenueFactory {
    associatedtype Made: Venue
    func venue(for instrument: Instrument) -> Made

    /// A live exchange: its answers come when they come, in wall time (a paper venue's come
    /// from `advance`, in market time).
    var isLive: Bool { get }
    /// The longest exec may wait for input before polling the venue again.
    var maxWaitMs: Int32 { get }
    /// Reads the venue's answers and events, once a duty cycle; true if a venue has reports.
    func poll() -> Bool
    /// The end of a live run: every order the venue knows of cancelled, the order manager's or
    /// not (one whose replace failed); true while a request is unanswered or an order works.
    func cancelEverything() -> Bool
    /// Why the venue can no longer be traded on (its journal cannot be written), if so.
    var failure: String? { get }
    /// A live venue: how many differences between the venue's balances and exec's fills it has
    /// found (each said and journaled), for risk's alerts.
    var balanceDifferences: Int { get }
    /// The session exec joined: a live venue publishes each instrument's inventory target in
    /// its control block, for risk's own flatten.
    func joined(_ block: ControlBlock)
    /// The end of the run.
    func close()
}

extension VenueFactory {
    var isLive: Bool { false }
    var maxWaitMs: Int32 { 100 }
    func poll() -> Bool { false }
    func cancelEverything() -> Bool { false }
    var failure: String? { nil }
    var balanceDifferences: Int { 0 }
    func joined(_ block: ControlBlock) {}
    func close() {}
}
