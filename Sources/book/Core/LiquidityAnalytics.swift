import IPC

/// What it costs to trade a given size now: the volume-weighted average price of sweeping the
/// book for it, against the mid.
enum LiquidityAnalytics {
    struct Cost: Equatable {
        /// VWAP of buying (sweeping asks) and selling (sweeping bids), in ticks.
        var buyVwap: Double
        var sellVwap: Double
        /// `buyVwap - sellVwap`, in ticks: the round-trip cost of the size.
        var effectiveSpread: Double { buyVwap - sellVwap }
    }

    /// VWAP in ticks of taking `lots` from `side`, or nil if the side holds less than that.
    static func vwap(_ side: BookSide, lots: Int64) -> Double? {
        var remaining = lots
        var notional = 0.0
        side.forEachLevel { price, size in
            let taken = min(size, remaining)
            notional += Double(price) * Double(taken)
            remaining -= taken
            return remaining > 0
        }
        return remaining > 0 ? nil : notional / Double(lots)
    }

    static func cost(_ book: OrderBook, lots: Int64) -> Cost? {
        guard let buy = vwap(book.asks, lots: lots), let sell = vwap(book.bids, lots: lots) else { return nil }
        return Cost(buyVwap: buy, sellVwap: sell)
    }
}

/// The spread of every published top, in ticks: a fixed histogram (no allocation per update)
/// for percentiles, and the running mean.
struct SpreadHistory {
    static let buckets = 1_024
    private var counts = [UInt64](repeating: 0, count: SpreadHistory.buckets + 1)
    private(set) var samples: UInt64 = 0
    private var sum = 0.0

    mutating func record(_ spreadTicks: Int64) {
        counts[Int(min(max(spreadTicks, 0), Int64(SpreadHistory.buckets)))] &+= 1
        samples &+= 1
        sum += Double(spreadTicks)
    }

    var mean: Double { samples == 0 ? 0 : sum / Double(samples) }

    /// The spread (ticks) at or below which `fraction` of samples fall; the last bucket means
    /// "at least 1024".
    func percentile(_ fraction: Double) -> Int64 {
        guard samples > 0 else { return 0 }
        let target = UInt64((Double(samples) * fraction).rounded(.up))
        var seen: UInt64 = 0
        for (ticks, count) in counts.enumerated() {
            seen += count
            if seen >= max(target, 1) { return Int64(ticks) }
        }
        return Int64(SpreadHistory.buckets)
    }
}
