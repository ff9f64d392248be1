/// Bars of market time for a strategy's indicators: a bar's close is the last mid seen before
/// its end. A bar no top fell in is not a bar (the indicators count bars with prices).
struct BarCloses {
    let barNs: Int64
    private var barEndNs: Int64?
    private var lastMid = 0.0

    init(barNs: Int64) {
        precondition(barNs > 0, "a bar of no time")
        self.barNs = barNs
    }

    /// Folds in the mid at `nowNs` (market time, not going back); the close of the bar that ended
    /// before it, if one did.
    mutating func add(mid: Double, nowNs: Int64) -> Double? {
        defer { lastMid = mid }
        guard let end = barEndNs else {
            barEndNs = (nowNs / barNs + 1) * barNs
            return nil
        }
        guard nowNs >= end else { return nil }
        barEndNs = (nowNs / barNs + 1) * barNs
        return lastMid
    }
}
