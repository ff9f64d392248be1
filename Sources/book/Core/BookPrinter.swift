import IPC

/// The text forms of books: `--dump` (levels and analytics) and `--json` (one line per top).
enum BookPrinter {
    /// One JSON object per top, decimal strings in the venue's precision for prices and sizes;
    /// an invalid top's prices, sizes and figures null (every field keeps one type); with
    /// `depth`, the top `depth` levels a side as `bids` and `asks`, best first.
    static func json(_ top: BookTop, book: OrderBook, depth: Int = 0) -> String {
        let instrument = book.instrument
        let head =
            "{\"type\":\"top\",\"symbol\":\"\(instrument.symbol)\",\"update_id\":\(book.updateId)"
            + ",\"valid\":\(top.isValid),\"event_time_ns\":\(top.header.eventTimeNs)"
            + ",\"receive_time_ns\":\(top.header.receiveTimeNs)"
        var levels = ""
        if depth > 0 {
            levels =
                ",\"bids\":\(json(book.bids, depth: top.isValid ? depth : 0, instrument))"
                + ",\"asks\":\(json(book.asks, depth: top.isValid ? depth : 0, instrument))"
        }
        guard top.isValid else {
            return head + ",\"bid\":null,\"bid_size\":null,\"ask\":null,\"ask_size\":null,\"spread\":null"
                + ",\"mid\":null,\"microprice\":null,\"imbalance\":null\(levels)}"
        }
        let tick = instrument.tickSize
        return head
            + ",\"bid\":\"\(instrument.formatPrice(top.bidPrice))\",\"bid_siz"
            + "e\":\"\(instrument.formatSize(top.bidSize))\""
            + ",\"ask\":\"\(instrument.formatPrice(top.askPrice))\",\"ask_siz"
            + "e\":\"\(instrument.formatSize(top.askSize))\""
            + ",\"spread\":\"\(instrument.formatPrice(top.spreadTicks))\""
            + ",\"mid\":\(FixedDecimal.text(top.mid * tick, decimals: Int(instrument.tickDecimals) + 1))"
            + ",\"microprice\":\(FixedDecimal.text(top.microprice * tick, decimals: Int(instrument.tickDecimals) + 3))"
            + ",\"imbalance\":\(FixedDecimal.text(top.imbalance, decimals: 6))\(levels)}"
    }

    /// A side's top `depth` levels: `[{"price":…,"size":…},…]`, best first.
    static func json(_ side: BookSide, depth: Int, _ instrument: Instrument) -> String {
        "["
            + (0..<min(depth, side.count)).map {
                let (price, size) = side.level($0)
                return "{\"price\":\"\(instrument.formatPrice(price))\",\"size\":\"\(instrument.formatSize(size))\"}"
            }.joined(separator: ",") + "]"
    }

    /// A trade: `{"type":"trade","symbol":…,"trade_id":…,"event_time_ns":…,"receive_time_ns":…,
    /// "price":…,"size":…,"aggressor":"buy"|"sell"}`.
    static func json(_ trade: Trade, instrument: Instrument) -> String {
        "{\"type\":\"trade\",\"symbol\":\"\(instrument.symbol)\",\"trade_id\":\(trade.tradeId)"
            + ",\"event_time_ns\":\(trade.header.eventTimeNs),\"receive_time_ns\":\(trade.header.receiveTimeNs)"
            + ",\"price\":\"\(instrument.formatPrice(trade.price))\",\"size\":\"\(instrument.formatSize(trade.size))\""
            + ",\"aggressor\":\"\(trade.aggressor == .buy ? "buy" : "sell")\"}"
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
