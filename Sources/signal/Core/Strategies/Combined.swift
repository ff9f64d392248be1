import Glibc
import IPC

/// Four signals, each trusted as far as it has lately been right. On the bar closes (`--bar-ms`
/// of market time): the EMA crossover (`ema`), Wilder's RSI (`rsi`) and the Bollinger bands
/// (`bollinger`), with the top of book's size imbalance; each leans −1 ... 1. A signal's
/// performance is its lean at a close times the move of the mid to the next close (ticks), an
/// EWMA over bars with a half-life of `--memory-bars`. Every `--rebalance-ms` of market time (a
/// timer) the weights become the performances that are positive, over their sum; none positive:
/// no weight, no lean. The fair price leans `--lean-ticks` × Σ weight × lean from the mid, quoted
/// `--spread-ticks` wide.
///
/// ```text
///   close ──► ema, rsi, bollinger, imbalance ──► leans ─┬──► Σ weight × lean ──► quote
///                      lean × next move ──► performance ─┴── weights (on the timer)
/// ```
public struct Combined: Strategy {
    public struct Parameters: Equatable {
        public var barMs: Int64 = 1_000
        public var fastBars: Int64 = 12
        public var slowBars: Int64 = 26
        public var rsiPeriod: Int64 = 14
        public var bandPeriod: Int64 = 20
        public var width = 2.0
        public var memoryBars: Int64 = 60
        public var rebalanceMs: Int64 = 10_000
        public var leanTicks = 2.0
        public var spreadTicks: Int64 = 4
    }

    public static let name = "combined"
    public static let summary = """
        EMA crossover, RSI, Bollinger bands and the top's imbalance on --bar-ms closes, weighted
        by how well each leaned lately (an EWMA of lean x next move, half-life --memory-bars),
        reweighted every --rebalance-ms; the fair price leans --lean-ticks by their weighted sum
        """
    public static var parameters: StrategyParameters<Parameters> {
        StrategyParameters(
            Parameters(),
            [
                .integer("bar-ms", \.barMs, in: 1...86_400_000, value: "MS"),
                .integer("fast", \.fastBars, in: 1...10_000, value: "BARS"),
                .integer("slow", \.slowBars, in: 2...10_000, value: "BARS"),
                .integer("rsi-period", \.rsiPeriod, in: 2...10_000, value: "BARS"),
                .integer("band-period", \.bandPeriod, in: 2...10_000, value: "BARS"),
                .decimal("width", \.width, in: 0.01...100, value: "SIGMAS"),
                .integer("memory-bars", \.memoryBars, in: 1...1_000_000, value: "BARS"),
                .integer("rebalance-ms", \.rebalanceMs, in: 1...86_400_000, value: "MS"),
                .decimal("lean-ticks", \.leanTicks, in: 0...1e6, value: "T"),
                .integer("spread-ticks", \.spreadTicks, in: 1...1_000_000)
            ])
    }

    /// One instrument's signals and what each has earned: leans, performances and weights in
    /// the order ema, rsi, bollinger, imbalance.
    struct Signals {
        var bars: BarCloses
        var ema = EmaCrossover.Averages()
        var rsi = RelativeStrength.Index()
        var band: Bollinger.Band
        /// The last close, and each signal's lean then (what the next move judges).
        var lastClose: Double?
        var leansAtClose = SIMD4<Double>()
        var performance = SIMD4<Double>()
        var weights = SIMD4<Double>()

        /// A bar's close: the move since the last one scores the leans held then (`memoryAlpha`:
        /// the weight of the newest bar); the indicators take the close; the leans now are what
        /// the next move will score.
        mutating func add(_ close: Double, imbalance: Double, _ parameters: Parameters, memoryAlpha: Double) {
            if let last = lastClose {
                performance += memoryAlpha * (leansAtClose * (close - last) - performance)
            }
            ema.add(close, fastBars: parameters.fastBars, slowBars: parameters.slowBars)
            rsi.add(close, period: parameters.rsiPeriod)
            band.add(close)
            lastClose = close
            leansAtClose = leans(mid: close, imbalance: imbalance, parameters)
        }

        /// Each signal's lean, −1 ... 1: the EMAs' side, the RSI past 70 or 30 (down, up), the
        /// mid's place in the bands (against it, fully at a band), the top's imbalance (with it).
        func leans(mid: Double, imbalance: Double, _ parameters: Parameters) -> SIMD4<Double> {
            var lean = 0.0
            if let value = rsi.value(period: parameters.rsiPeriod) { lean = value >= 70 ? -1 : value <= 30 ? 1 : 0 }
            let bandLean = band.z(mid).map { max(-1, min(1, -$0 / parameters.width)) } ?? 0
            return SIMD4(ema.lean(slowBars: parameters.slowBars), lean, bandLean, imbalance)
        }

        /// The weights: the positive performances over their sum (none positive: none).
        mutating func rebalance() {
            let earned = performance.replacing(with: 0, where: performance .< 0)
            let total = earned.sum()
            weights = total > 0 ? earned / total : SIMD4()
        }
    }

    let parameters: Parameters
    /// The weight the newest bar takes in a performance: 1 − 2^(−1 / memory-bars).
    let memoryAlpha: Double
    var signals = InstrumentTable<Signals>()
    var rebalancing = false

    public init(_ parameters: Parameters) throws(InvalidArgument) {
        guard parameters.fastBars < parameters.slowBars else {
            throw InvalidArgument("--fast \(parameters.fastBars) must be below --slow \(parameters.slowBars)")
        }
        self.parameters = parameters
        memoryAlpha = 1 - exp2(-1 / Double(parameters.memoryBars))
    }

    public mutating func onInstrument(_ instrument: Instrument, context: inout StrategyContext) {
        signals.set(
            instrument.id,
            Signals(
                bars: BarCloses(barNs: parameters.barMs * 1_000_000),
                band: Bollinger.Band(period: Int(parameters.bandPeriod))))
    }

    public mutating func onTop(_ top: BookTop, context: inout StrategyContext) {
        if !rebalancing {
            rebalancing = true
            context.setTimer(0, atNs: context.nowNs + parameters.rebalanceMs * 1_000_000)
        }
        let id = top.header.instrument
        if let close = signals[id].bars.add(mid: top.mid, nowNs: context.nowNs) {
            signals[id].add(close, imbalance: top.imbalance, parameters, memoryAlpha: memoryAlpha)
        }
        let lean = signals[id].leans(mid: top.mid, imbalance: top.imbalance, parameters)
        let weighted = max(-1, min(1, (signals[id].weights * lean).sum()))
        context.quote(top, lean: weighted, leanTicks: parameters.leanTicks, spreadTicks: parameters.spreadTicks)
    }

    public mutating func onTimer(_ timer: Int, context: inout StrategyContext) {
        for id in context.instrumentIds where signals.contains(id) { signals[id].rebalance() }
        context.setTimer(0, atNs: context.nowNs + parameters.rebalanceMs * 1_000_000)
    }
}
