import IPC

/// The indicator strategies' taking side (`--take-quotes N`): when an instrument's lean turns
/// full (+1 or −1, from anything less), an order that takes N quote sizes at market in its
/// direction, once a turn, as much of it as the position limit leaves room for (none at the
/// limit); exec checks it again. 0: quoting only.
struct LeanTaker {
    let quotes: Int64
    /// Each instrument's last lean: −1, 0 (not full) or +1.
    private var last = InstrumentTable<Int8>()

    init(quotes: Int64) { self.quotes = quotes }

    mutating func define(_ id: UInt32) { last.set(id, 0) }

    /// The lean now (−1 ... 1); an order if it just turned full.
    mutating func lean(_ lean: Double, id: UInt32, context: inout StrategyContext) {
        guard quotes > 0 else { return }
        let full: Int8 = lean >= 1 ? 1 : lean <= -1 ? -1 : 0
        defer { last[id] = full }
        guard full != 0, full != last[id] else { return }
        // Within the position limit as the strategy knows the position (exec checks again).
        let room = context.maxPositionLots(id) - (full > 0 ? context.position(id) : -context.position(id))
        // N quote sizes of 10^9 units at a lot of 10^-8 pass 64 bits: then the room is the size.
        let (wanted, overflow) = quotes.multipliedReportingOverflow(by: context.quoteSizeLots(id))
        let size = overflow ? room : min(wanted, room)
        guard size > 0 else { return }
        context.order(id, side: full > 0 ? .buy : .sell, size: size)
    }
}
