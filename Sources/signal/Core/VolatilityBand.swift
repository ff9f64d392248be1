import Glibc
import IPC

/// hftbacktest's market-making example (its `mm`, as ../shared/peers/bench_hftbacktest.py runs
/// it), so that our pipeline and hftbacktest can trade the same strategy on the same events.
/// Every `step` of market time (between steps the quote stands):
///
/// ```text
/// var  = 0.99 · var + 0.01 · (mid − mid one step ago)²     (ticks²; a step without a top: Δ = 0)
/// half = max(1, volMultiplier · √var + ½)                   (ticks)
/// r    = mid − position · skewTicksPerUnit                  (position in units of the base asset)
/// bid  = min(⌊r − half⌋, best bid)      ask = max(⌈r + half⌉, best ask)
/// ```
///
/// no bid at +max position, no ask at −max.
struct VolatilityBand {
    struct Parameters: Equatable {
        var stepNs: Int64 = 100_000_000
        var volMultiplier = 2.0
        var skewTicksPerUnit = 5.0
        var quoteSizeLots: Int64 = 1
        var maxPositionLots: Int64 = 1
        /// Lots in one unit of the base asset (1 / lot size).
        var lotsPerUnit = 1.0
    }

    let parameters: Parameters
    private(set) var variance = 0.0
    private var lastMid: Double?
    private var nextStepNs: Int64?
    private var standing: Quote?

    init(_ parameters: Parameters) { self.parameters = parameters }

    mutating func quote(_ top: BookTop, positionLots: Int64, nowNs: Int64) -> Quote {
        let step = parameters.stepNs
        if let next = nextStepNs, let standing, nowNs < next { return standing }
        if let next = nextStepNs, nowNs >= next + step {
            variance *= pow(0.99, Double((nowNs - next) / step)) // steps that saw no top
        }
        nextStepNs = (nowNs / step + 1) * step
        let mid = top.mid
        if let lastMid { variance = 0.99 * variance + 0.01 * (mid - lastMid) * (mid - lastMid) }
        lastMid = mid
        let half = max(1, parameters.volMultiplier * variance.squareRoot() + 0.5)
        let reservation = mid - Double(positionLots) / parameters.lotsPerUnit * parameters.skewTicksPerUnit
        let quote = Quote(
            bidPrice: min(Int64((reservation - half).rounded(.down)), top.bidPrice), bidSize: parameters.quoteSizeLots,
            askPrice: max(Int64((reservation + half).rounded(.up)), top.askPrice), askSize: parameters.quoteSizeLots)
        standing = InventoryLimit(maxPositionLots: parameters.maxPositionLots).apply(quote, position: positionLots)
        return standing!
    }
}
