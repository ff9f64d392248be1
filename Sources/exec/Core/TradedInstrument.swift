import IPC

/// exec's state for one bot's account on one instrument: its orders, its position and PnL, and the
/// last of its market data that the orders and the marks need. A struct at module level, not
/// nested in the generic `ExecProcessor`: nested, its layout would depend on the processor's
/// output type, and every copy and access would go through runtime value witnesses.
struct TradedInstrument {
    let instrument: Instrument
    var manager: OrderManager
    var ledger = PositionLedger()
    var mid: Int64?
    /// The last book top, journaled once a second of market time with a position snapshot.
    var top: BookTop?
    /// A marketable order closing the position during a flatten, until the venue answers.
    var flattenOrder: UInt32?
    /// Order commands (new, replace, cancel) sent for this instrument.
    var commandsSent: UInt64 = 0
    /// A ladder's frames so far (a quote-intent message of several frames), until its last;
    /// -1: a ladder refused, its frames dropped until its last.
    var ladder = QuoteLadder()
    var ladderFrames = 0
    /// Ladders refused: past 16 levels, a gap, prices out of order.
    var laddersRefused: UInt64 = 0
    /// The order manager's refusals said so far.
    var refusalsReported = 0

    /// The account's name in lines for the operator: its symbol, and its bot when exec keeps
    /// `bots` of them.
    func name(bots: Int) -> String { bots == 1 ? instrument.symbol : "\(instrument.symbol) bot \(manager.bot)" }
}
