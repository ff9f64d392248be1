import IPC

/// Position and PnL of one instrument, booked from fills, exactly: lots matched first in, first
/// out, so realized PnL is a sum of (exit − entry) × lots in units of tick × lot, no averages.
/// An adjustment (the venue's account moved the position without a trade) is booked as a trade
/// at its mark, without a fee, and counted apart from fills: at the mark it moves no PnL.
/// Rebuilding it from a journal's fills gives the same figures as booking them live.
///
/// Money and volume are 128-bit: a price and a size each reach 10^18 (`FrameLayout.maxQuantity`),
/// so one fill's notional reaches 10^36 and their sums grow from there; 128 bits hold 1.7 × 10^38.
/// The position is a size, bounded by exec's position limit (`OrderManager`).
struct PositionLedger: Equatable {
    /// Open lots in the order they were opened: (price, lots), lots > 0 long, < 0 short.
    private(set) var open: [(price: Int64, lots: Int64)] = []
    private(set) var position: Int64 = 0
    private(set) var realizedPnl: Int128 = 0
    private(set) var fees: Int128 = 0
    private(set) var fills: UInt64 = 0
    private(set) var volume: Int128 = 0
    /// Σ price × size of the fills, ticks × lots: the turnover in the quote currency.
    private(set) var notional: Int128 = 0
    private(set) var adjustments: UInt64 = 0

    static func == (lhs: PositionLedger, rhs: PositionLedger) -> Bool {
        lhs.position == rhs.position && lhs.realizedPnl == rhs.realizedPnl && lhs.fees == rhs.fees
            && lhs.fills == rhs.fills && lhs.volume == rhs.volume && lhs.notional == rhs.notional
            && lhs.open.elementsEqual(rhs.open, by: { $0.price == $1.price && $0.lots == $1.lots })
    }

    /// Books a fill, partial fill or adjustment (other reports are ignored).
    mutating func book(_ report: ExecutionReport) {
        guard report.size > 0 else { return }
        switch report.report {
        case .fill, .partialFill:
            fills &+= 1
            volume += Int128(report.size)
            notional += Int128(report.price) * Int128(report.size)
            fees += Int128(report.fee)
        case .adjustment:
            adjustments &+= 1
        case .ack, .reject, .cancelled:
            return
        }
        var remaining = report.side == .buy ? report.size : -report.size
        // Close against the oldest opposite lots first.
        while remaining != 0, let first = open.first, (first.lots > 0) != (remaining > 0) {
            let closing = min(abs(first.lots), abs(remaining))
            // A long closed by a sale gains (exit − entry); a short closed by a purchase, (entry − exit).
            let gain =
                first.lots > 0 ? Int128(report.price) - Int128(first.price) : Int128(first.price) - Int128(report.price)
            realizedPnl += gain * Int128(closing)
            let sign: Int64 = first.lots > 0 ? 1 : -1
            if abs(first.lots) == closing { open.removeFirst() } else { open[0].lots -= sign * closing }
            remaining += remaining > 0 ? -closing : closing
        }
        if remaining != 0 {
            // Lots opened at the price of the newest one join it: the same FIFO matching, and the
            // list stays as short as the distinct entry prices (no allocation as fills go on).
            if let last = open.last, last.price == report.price, (last.lots > 0) == (remaining > 0) {
                open[open.count - 1].lots += remaining
            } else {
                if open.capacity == 0 { open.reserveCapacity(64) }
                open.append((report.price, remaining))
            }
        }
        position = open.reduce(0) { $0 + $1.lots }
    }

    /// The open position valued at `mark` (ticks), in ticks × lots.
    func unrealizedPnl(mark: Int64) -> Int128 {
        open.reduce(0) { $0 + (Int128(mark) - Int128($1.price)) * Int128($1.lots) }
    }

    func report(instrument: UInt32, bot: UInt16 = 0, timeNs: Int64, mark: Int64?) -> PositionReport {
        PositionReport(
            instrument: instrument, bot: bot, timeNs: timeNs, position: position, markPrice: mark,
            unrealizedPnl: mark.map(unrealizedPnl) ?? 0, realizedPnl: realizedPnl, fees: fees)
    }
}
