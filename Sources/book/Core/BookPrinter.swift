import IPC

/// The text forms of books: `--dump` (levels and analytics) and `--json` (one line per top).
enum BookPrinter {
    /// One JSON object per top, decimal strings in the venue's precision for prices and sizes.
    static func json(_ top: BookTop, book: OrderBook) -> String {
        let instrument = book.instrument
        guard top.isValid else {
            return "{\"symbol\":\"\(instrument.symbol)\",\"update_id\":\(book.updateId),\"valid\":false"
                + ",\"event_time_ns\":\(top.header.eventTimeNs),\"receive_time_ns\":\(top.header.receiveTimeNs)}"
        }
        let tick = instrument.tickSize
        return "{\"symbol\":\"\(instrument.symbol)\",\"update_id\":\(book.updateId),\"valid\":true"
            + ",\"event_time_ns\":\(top.header.eventTimeNs),\"receive_time_ns\":\(top.header.receiveTimeNs)"
            + ",\"bid\":\"\(instrument.formatPrice(top.bidPrice))\",\"bid_siz"
            + "e\":\"\(instrument.formatSize(top.bidSize))\""
            + ",\"ask\":\"\(instrument.formatPrice(top.askPrice))\",\"ask_siz"
            + "e\":\"\(instrument.formatSize(top.askSize))\""
            + ",\"spread\":\"\(instrument.formatPrice(top.spreadTicks))\""
            + ",\"mid\":\(FixedDecimal.text(top.mid * tick, decimals: Int(instrument.tickDecimals) + 1))"
            + ",\"microprice\":\(FixedDecimal.text(top.microprice * tick, decimals: Int(instrument.tickDecimals) + 3))"
            + ",\"imbalance\":\(FixedDecimal.text(top.imbalance, decimals: 6))}"
    }

    /// The top `levels` of each side next to each other, then the analytics.
    static func dump(_ book: OrderBook, levels: Int, sizes: [Double], spreads: SpreadHistory, trades: [Trade]) -> String
    {
        let instrument = book.instrument
        var lines: [String] = []
        let state = book.isValid ? "valid" : "INVALID (\(book.state))"
        lines.append(
            "\(instrument.symbol)  update \(book.updateId)  \(state)  applied \(book.messagesApplied)  snapshots "
                + "\(book.snapshots)  stale \(book.staleMessages)  gaps \(book.gaps)  crossed \(book.crossings)  "
                + "incomplete \(book.incompleteMessages)"
        )
        lines.append(
            column("bid size", 16) + column("bid", 18) + "   " + column("ask", 18, left: true) + column("ask size", 16))
        for depth in 0..<levels {
            let bid = depth < book.bids.count ? book.bids.level(depth) : nil
            let ask = depth < book.asks.count ? book.asks.level(depth) : nil
            if bid == nil && ask == nil { break }
            lines.append(
                column(bid.map { instrument.formatSize($0.size) } ?? "", 16)
                    + column(bid.map { instrument.formatPrice($0.price) } ?? "", 18) + "   "
                    + column(ask.map { instrument.formatPrice($0.price) } ?? "", 18, left: true)
                    + column(ask.map { instrument.formatSize($0.size) } ?? "", 16))
        }
        if !book.bids.isEmpty && !book.asks.isEmpty {
            let mid = Double(book.bids.bestPrice + book.asks.bestPrice) / 2
            let tick = instrument.tickSize
            lines.append(
                "spread \(instrument.formatPrice(book.asks.bestPrice - book.bids.bestPrice))"
                    + "  history: mean \(format(spreads.mean * tick)) p50 "
                    + "\(instrument.formatPrice(spreads.percentile(0.5)))"
                    + " p95 \(instrument.formatPrice(spreads.percentile(0.95))) over \(spreads.samples) tops")
            if !sizes.isEmpty { lines.append("effective spread (VWAP buy - VWAP sell, vs mid):") }
            let lot = instrument.lotSize
            for size in sizes {
                let lots = Int64((size / lot).rounded(.up))
                if let cost = LiquidityAnalytics.cost(book, lots: lots) {
                    let bps = cost.effectiveSpread / mid * 10_000
                    lines.append(
                        "  \(column(format(size), 8)) \(format(cost.effectiveSpread * tick)) = \(format(bps)) bps"
                            + "  (buy +\(format((cost.buyVwap - mid) * tick)), sell "
                            + "-\(format((mid - cost.sellVwap) * tick)))"
                    )
                } else {
                    lines.append("  \(column(format(size), 8)) n/a: the book holds less")
                }
            }
        }
        if !trades.isEmpty {
            let recent = trades.suffix(5).reversed().map {
                "\($0.aggressor == .buy ? "buy" : "sell") \(instrument.formatSize($0.size))@"
                    + "\(instrument.formatPrice($0.price))"
            }
            lines.append("trades: " + recent.joined(separator: "  "))
        }
        return lines.joined(separator: "\n")
    }

    static func format(_ value: Double) -> String { FixedDecimal.text(value, decimals: 4) }

    static func column(_ text: String, _ width: Int, left: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return left ? text + padding : padding + text
    }
}
