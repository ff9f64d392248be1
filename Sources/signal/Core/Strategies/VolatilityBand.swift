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
public struct VolatilityBand: Strategy {
    public struct Parameters: Equatable {
        public var stepMs: Int64 = 100
        public var volMultiplier = 2.0
        public var skewTicksPerUnit = 5.0
    }

    public static let name = "band"
    public static let summary = """
        hftbacktest's market-making example, to compare with it: every --step-ms, a half
        spread of max(1 tick, --vol-mult x the EWMA volatility of the mid per step + 1/2
        tick) around the mid skewed by --skew-ticks per unit of position, never inside
        the touch
        """
    public static var parameters: StrategyParameters<Parameters> {
        StrategyParameters(
            Parameters(),
            [
                .integer("step-ms", \.stepMs, in: 1...3_600_000, value: "MS"),
                .decimal("vol-mult", \.volMultiplier, in: 0...1_000, value: "M"),
                .decimal("skew-ticks", \.skewTicksPerUnit, in: 0...1e6, value: "T")
            ])
    }

    let parameters: Parameters
    var quoters = InstrumentTable<Quoter>()

    public init(_ parameters: Parameters) { self.parameters = parameters }

    public mutating func onInstrument(_ instrument: Instrument, context: inout StrategyContext) {
        let id = instrument.id
        quoters.set(
            id,
            Quoter(
                stepNs: parameters.stepMs * 1_000_000, volMultiplier: parameters.volMultiplier,
                skewTicksPerUnit: parameters.skewTicksPerUnit, quoteSizeLots: context.quoteSizeLots(id),
                maxPositionLots: context.maxPositionLots(id), lotsPerUnit: 1 / instrument.lotSize))
    }

    public mutating func onTop(_ top: BookTop, context: inout StrategyContext) {
        let id = top.header.instrument
        context.quote(id, quoters[id].quote(top, positionLots: context.position(id), nowNs: context.nowNs))
    }

    /// The model for one instrument.
    struct Quoter {
        let stepNs: Int64
        let volMultiplier: Double
        let skewTicksPerUnit: Double
        let quoteSizeLots: Int64
        let maxPositionLots: Int64
        /// Lots in one unit of the base asset (1 / lot size).
        let lotsPerUnit: Double
        private(set) var variance = 0.0
        private var lastMid: Double?
        private var nextStepNs: Int64?
        private var standing: Quote?

        init(
            stepNs: Int64, volMultiplier: Double, skewTicksPerUnit: Double, quoteSizeLots: Int64,
            maxPositionLots: Int64, lotsPerUnit: Double
        ) {
            self.stepNs = stepNs
            self.volMultiplier = volMultiplier
            self.skewTicksPerUnit = skewTicksPerUnit
            self.quoteSizeLots = quoteSizeLots
            self.maxPositionLots = maxPositionLots
            self.lotsPerUnit = lotsPerUnit
        }

        mutating func quote(_ top: BookTop, positionLots: Int64, nowNs: Int64) -> Quote {
            let step = stepNs
            if let next = nextStepNs, let standing, nowNs < next { return standing }
            if let next = nextStepNs, nowNs >= next + step {
                variance *= pow(0.99, Double((nowNs - next) / step)) // steps that saw no top
            }
            nextStepNs = (nowNs / step + 1) * step
            let mid = top.mid
            if let lastMid { variance = 0.99 * variance + 0.01 * (mid - lastMid) * (mid - lastMid) }
            lastMid = mid
            let half = max(1, volMultiplier * variance.squareRoot() + 0.5)
            let reservation = mid - Double(positionLots) / lotsPerUnit * skewTicksPerUnit
            let quote = Quote(
                bidPrice: min(Int64((reservation - half).rounded(.down)), top.bidPrice), bidSize: quoteSizeLots,
                askPrice: max(Int64((reservation + half).rounded(.up)), top.askPrice), askSize: quoteSizeLots)
            standing = InventoryLimit(maxPositionLots: maxPositionLots).apply(quote, position: positionLots)
            return standing!
        }
    }
}
