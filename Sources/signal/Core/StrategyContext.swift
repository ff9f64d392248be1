import BookCore
import IPC

/// What a strategy reads the session's state from and answers through (`Strategy`): the
/// instruments, their last valid tops and book levels, our positions and money as exec books
/// them; quotes, ladders, orders, timers and problems out. An instrument id passed to it must be
/// one defined (`instrumentIds`). signal's processor keeps it; a strategy is handed it with each event.
public struct StrategyContext {
    /// The market time of the event being handled, Unix epoch ns: that of the last top, trade,
    /// timer or report of exec's; 0 before the first (instrument definitions carry no market time).
    public internal(set) var nowNs: Int64 = 0
    @usableFromInline var instruments = InstrumentTable<QuotedInstrument>()
    /// Each instrument's book, kept from book's deltas when the strategy reads levels.
    var books = InstrumentTable<OrderBook>()
    /// Levels a side the strategy reads (`Strategy.bookLevels`; 0: no books kept).
    let bookLevels: Int
    /// Instruments with a quote asked for during the event, sent (or not) by the requote rule after it.
    @usableFromInline var pendingQuotes: [UInt32] = []
    /// Orders asked for during the event, sent after it.
    @usableFromInline var pendingOrders: [PendingOrder] = []
    /// When each timer is due (`Int64.max`: not set), and the earliest of them (checked on every
    /// event: one comparison).
    @usableFromInline var timers = [Int64](repeating: .max, count: StrategyContext.timerSlots)
    @usableFromInline var nextTimerNs = Int64.max
    /// What the strategy reported during the event, said by the processor after it.
    var problems: [String] = []

    /// Timers a strategy may set: ids 0 up to this less one.
    public static var timerSlots: Int { 16 }

    init(bookLevels: Int) {
        self.bookLevels = bookLevels
        pendingQuotes.reserveCapacity(Instrument.idSlots)
        pendingOrders.reserveCapacity(16)
    }

    /// The instruments defined so far, in the order of definition.
    public var instrumentIds: [UInt32] { instruments.ids }

    public func isDefined(_ id: UInt32) -> Bool { instruments.contains(id) }

    /// A defined instrument (`isDefined`).
    public func instrument(_ id: UInt32) -> Instrument { instruments[id].instrument }

    /// The instrument's last valid top; nil before the first one and while its book is invalid.
    @inlinable
    public func top(_ id: UInt32) -> BookTop? { instruments[id].top }

    /// The instrument's book, its top `Strategy.bookLevels` levels a side read in place; nil
    /// when the strategy reads no levels, and while the book is invalid.
    public func book(_ id: UInt32) -> BookView? {
        guard bookLevels > 0, books.contains(id), books[id].isValid else { return nil }
        return BookView(book: books[id], levels: bookLevels)
    }

    /// Our position, lots (exec's, when signal reads exec's output).
    @inlinable
    public func position(_ id: UInt32) -> Int64 { instruments[id].positionLots }

    /// exec's last position report with its money (realized, unrealized, fees), if any yet.
    public func positionReport(_ id: UInt32) -> PositionReport? { instruments[id].positionReport }

    /// `--quote-size` in the instrument's lots.
    @inlinable
    public func quoteSizeLots(_ id: UInt32) -> Int64 { instruments[id].quoteSizeLots }

    /// `--max-position` in the instrument's lots.
    @inlinable
    public func maxPositionLots(_ id: UInt32) -> Int64 { instruments[id].maxPositionLots }

    /// What the strategy wants on the book for the instrument now (replacing what it asked for
    /// before). Sent after the event when the requote rule says it is worth sending (signal's
    /// `--min-requote-ms`, `--min-move-ticks`); ignored while the instrument's book is invalid.
    @inlinable
    public mutating func quote(_ id: UInt32, _ quote: Quote) {
        precondition(instruments.contains(id), "quote for instrument \(id), which is not defined")
        if instruments[id].asked == .nothing { pendingQuotes.append(id) }
        instruments[id].desired = quote
        instruments[id].asked = .quote
    }

    /// The same for several levels a side (`QuoteLadder`, up to 16): exec keeps one order per
    /// level and moves only the levels that changed. Sent when it differs from the last one sent
    /// and `--min-requote-ms` passed (a side's number of levels changing goes at once).
    @inlinable
    public mutating func ladder(_ id: UInt32, _ ladder: QuoteLadder) {
        precondition(instruments.contains(id), "ladder for instrument \(id), which is not defined")
        if instruments[id].asked == .nothing { pendingQuotes.append(id) }
        instruments[id].desiredLadder = ladder
        instruments[id].asked = .ladder
    }

    /// Sends an order that takes at once, immediate-or-cancel: a market order (`price` nil), or a
    /// limit at `price` that takes what it can. exec checks it like any order and sizes it to the
    /// position limit with what works on its side; its reports come back through `onOrderUpdate`.
    /// Dropped while the instrument's book is invalid.
    @inlinable
    public mutating func order(_ id: UInt32, side: Side, size: Int64, price: Int64? = nil) {
        pendingOrders.append(PendingOrder(instrument: id, side: side, size: size, price: price))
    }

    /// Calls `onTimer(timer)` before the first event at or after `atNs` (market time); replaces
    /// the timer's earlier time. `timer` is 0 up to `timerSlots` less one.
    @inlinable
    public mutating func setTimer(_ timer: Int, atNs: Int64) {
        precondition(timer >= 0 && timer < StrategyContext.timerSlots, "timer \(timer): 0 to 15")
        timers[timer] = atNs
        // Not min(next, atNs): a timer moved later may have been the earliest.
        nextTimerNs = timers.min()!
    }

    @inlinable
    public mutating func cancelTimer(_ timer: Int) {
        precondition(timer >= 0 && timer < StrategyContext.timerSlots, "timer \(timer): 0 to 15")
        timers[timer] = .max
        nextTimerNs = timers.min()!
    }

    /// A problem worth one line on signal's standard error ("signal: " is put in front).
    public mutating func report(_ problem: String) { problems.append(problem) }

    /// Takes the earliest timer due by `timeNs` off, if any: its id and time.
    mutating func takeTimer(dueBy timeNs: Int64) -> (timer: Int, atNs: Int64)? {
        guard nextTimerNs <= timeNs, let timer = timers.firstIndex(of: nextTimerNs) else { return nil }
        let atNs = nextTimerNs
        timers[timer] = .max
        nextTimerNs = timers.min()!
        return (timer, atNs)
    }
}

/// An order a strategy asked for during an event (`StrategyContext.order`).
@usableFromInline
struct PendingOrder {
    @usableFromInline let instrument: UInt32
    @usableFromInline let side: Side
    @usableFromInline let size: Int64
    @usableFromInline let price: Int64?

    @inlinable
    init(instrument: UInt32, side: Side, size: Int64, price: Int64?) {
        self.instrument = instrument
        self.side = side
        self.size = size
        self.price = price
    }
}

/// signal's state for one instrument. A struct at module level, not nested in the generic
/// processor: nested, its layout would depend on the processor's type parameters, and every access
/// would go through runtime value witnesses.
@usableFromInline
struct QuotedInstrument {
    @usableFromInline enum Asked: UInt8 { case nothing, quote, ladder }

    @usableFromInline let instrument: Instrument
    @usableFromInline let quoteSizeLots: Int64
    @usableFromInline let maxPositionLots: Int64
    @usableFromInline var top: BookTop?
    @usableFromInline var positionLots: Int64 = 0
    var positionReport: PositionReport?
    /// Asked for during the current event, not yet judged by the requote rule: a quote or a
    /// ladder (`asked` says which; the other field is stale).
    @usableFromInline var asked = Asked.nothing
    @usableFromInline var desired = Quote.none
    @usableFromInline var desiredLadder = QuoteLadder()
    /// The last sent: a quote, or a ladder.
    var lastQuote: Quote?
    var lastLadder: QuoteLadder?
    var lastSentNs: Int64 = 0

    init(instrument: Instrument, quoteSize: Double, maxPosition: Double) {
        self.instrument = instrument
        quoteSizeLots = max(1, Int64((quoteSize / instrument.lotSize).rounded()))
        maxPositionLots = Int64((maxPosition / instrument.lotSize).rounded())
    }
}
