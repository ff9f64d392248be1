import IPC

/// A trading strategy, as signal runs it: one value for the whole session, handed each event in
/// market-time order with the `StrategyContext` it reads the session's state from (instruments,
/// tops, book levels, its position and PnL) and answers through (quotes, timers, problems).
///
/// ```text
///   book's ring ──► definition, top, trade ─┐
///   exec's ring ──► order update, position ─┼──► Strategy.on…(…, context) ──► context.quote(…)
///   its timers  ──► timer ──────────────────┘                                  context.setTimer(…)
/// ```
///
/// - Events come in market time: a timer set for t fires before the first event at or after t;
///   exec's reports arrive the report latency after exec wrote them (`signal --report-latency-ms`),
///   so a replay gives the same events in the same order whatever the machine's speed.
/// - `context.nowNs` is the event's market time; what the strategy asks for then is stamped with it.
/// - Nothing rests on a stale price: while an instrument's book is invalid, its quotes are
///   cancelled and `context.quote` for it is ignored.
/// - The handlers run on the hot path: no allocation, no locks, no system calls (each built-in
///   strategy is counted at zero allocations per event). Keep per-instrument state in an
///   `InstrumentTable`, sized when an instrument is defined.
///
/// Adding a strategy to signal is one file with a type conforming to this, and its line in
/// `StrategyRegistry.builtIn` (or the registry of your own signal, docs/signal.md); its
/// parameters come from `parameters`, for the command line and strategy files alike.
public protocol Strategy {
    associatedtype Parameters
    /// The name `--strategy` selects it by.
    static var name: String { get }
    /// What it does, for signal --help: lines of at most 90 characters.
    static var summary: String { get }
    /// Its parameters: their defaults, names and ranges.
    static var parameters: StrategyParameters<Parameters> { get }
    /// Levels a side it reads through `context.book(id)`, asked once after `init`; 0 (the
    /// default): none, and signal keeps no book. Above 0, signal's input must carry book's
    /// deltas (`book --pass-deltas`; run.sh's book passes them).
    var bookLevels: Int { get }

    /// The strategy for a session; an error (parameters that do not go together) names the flags.
    init(_ parameters: Parameters) throws(InvalidArgument)

    /// An instrument was defined (or redefined: a new tick or lot size). Its context entry is new.
    mutating func onInstrument(_ instrument: Instrument, context: inout StrategyContext)
    /// A valid top of book (`context.top(id)` is it now).
    mutating func onTop(_ top: BookTop, context: inout StrategyContext)
    /// A trade on the venue (anyone's).
    mutating func onTrade(_ trade: Trade, context: inout StrategyContext)
    /// What the venue said about one of our orders: ack, partial fill, fill, cancelled, reject
    /// (with its reason); or an adjustment of the position.
    mutating func onOrderUpdate(_ report: ExecutionReport, context: inout StrategyContext)
    /// exec's position on an instrument with its money (on each fill and once a second).
    mutating func onPosition(_ report: PositionReport, context: inout StrategyContext)
    /// A timer set with `context.setTimer(timer, atNs:)` came due.
    mutating func onTimer(_ timer: Int, context: inout StrategyContext)
    /// The session is ending (its input ended, or it was told to stop): the last word. What it
    /// asks for now is not sent; what it reports is said.
    mutating func onStop(context: inout StrategyContext)
}

extension Strategy {
    public var bookLevels: Int { 0 }
    @inlinable public mutating func onInstrument(_ instrument: Instrument, context: inout StrategyContext) {}
    @inlinable public mutating func onTop(_ top: BookTop, context: inout StrategyContext) {}
    @inlinable public mutating func onTrade(_ trade: Trade, context: inout StrategyContext) {}
    @inlinable public mutating func onOrderUpdate(_ report: ExecutionReport, context: inout StrategyContext) {}
    @inlinable public mutating func onPosition(_ report: PositionReport, context: inout StrategyContext) {}
    @inlinable public mutating func onTimer(_ timer: Int, context: inout StrategyContext) {}
    public mutating func onStop(context: inout StrategyContext) {}
}
