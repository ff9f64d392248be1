import IPC

/// One of exec's orders at a live venue, as far as exec knows it.
///
/// ```text
///   pendingNew ──answer──▶ open ──fill / cancel / expiry──▶ closed
///        │                   ▲
///        └─no answer─▶ unknown ──order.status──┘   (never resent: asked about)
/// ```
///
/// Its reports are each sent to the order manager once, whichever of the request's answer and
/// the user data stream's event brings them first; fills are booked by trade id, once each.
struct LiveOrder {
    enum State: Equatable {
        case pendingNew, open, unknown, closed
    }

    var command: OrderCommand
    var state: State
    /// Lots booked as filled.
    var filled: Int64 = 0
    var ackReported = false
    var closeReported = false
    /// A cancel the manager asked for, not yet sent (the session was not ready).
    var cancelWanted = false
    /// A cancel (or cancel-replace) out for it, unanswered.
    var cancelOut = false
    /// An `order.status` wanted (its state is unknown), or out.
    var statusWanted = false
    var statusOut = false
    /// The venue has closed it, but fills it reported are still being fetched (`myTrades`):
    /// the close is reported after them.
    var closeAfterTrades = false
    /// An order an earlier run left working (adopted): lots it booked whose trades are not
    /// known by id here. Trades arrive and are booked in id order, so they are the order's
    /// first trades: `myTrades` skips trades up to this many lots.
    var lotsBookedBefore: Int64 = 0
    /// Left working by the run before and kept for the order manager (`--on-start adopt`): the
    /// start does not cancel it.
    var keptAtStart = false

    var clientOrderId: UInt32 { command.clientOrderId }
    /// Lots still to fill.
    var remaining: Int64 { command.size - filled }
    var isWorking: Bool { state != .closed }
}
