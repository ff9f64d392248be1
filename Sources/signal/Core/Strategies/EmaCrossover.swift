import IPC

/// Trend following on two exponential moving averages of the bar closes (`--bar-ms` of market
/// time): while the fast one is above the slow one the fair price leans `--lean-ticks` up from
/// the mid, while below, down; quoted `--spread-ticks` wide. An EMA of n bars weighs the new close
/// by α = 2 / (n + 1) and starts at the first close; it leans once the slow one has seen n bars.
public struct EmaCrossover: Strategy {
    public struct Parameters: Equatable {
        public var barMs: Int64 = 1_000
        public var fastBars: Int64 = 12
        public var slowBars: Int64 = 26
        public var leanTicks = 2.0
        /// On a turn to a full lean, an order taking this many quote sizes (0: none).
        public var takeQuotes: Int64 = 0
        public var spreadTicks: Int64 = 4
    }

    public static let name = "ema"
    public static let summary = """
        EMA crossover on --bar-ms closes: the fair price leans --lean-ticks up from the mid while
        the --fast EMA is above the --slow one, down while below; quoted --spread-ticks wide;
        --take-quotes N: on each turn, an order taking N quote sizes at market
        """
    public static var parameters: StrategyParameters<Parameters> {
        StrategyParameters(
            Parameters(),
            [
                .integer("bar-ms", \.barMs, in: 1...86_400_000, value: "MS"),
                .integer("fast", \.fastBars, in: 1...10_000, value: "BARS"),
                .integer("slow", \.slowBars, in: 2...10_000, value: "BARS"),
                .decimal("lean-ticks", \.leanTicks, in: 0...1e6, value: "T"),
                .integer("take-quotes", \.takeQuotes, in: 0...1_000),
                .integer("spread-ticks", \.spreadTicks, in: 1...1_000_000)
            ])
    }

    /// One instrument's averages.
    struct Averages {
        var fast = 0.0
        var slow = 0.0
        var closes: Int64 = 0

        /// Folds in a bar's close.
        mutating func add(_ close: Double, fastBars: Int64, slowBars: Int64) {
            closes += 1
            if closes == 1 {
                (fast, slow) = (close, close)
                return
            }
            fast += 2 / Double(fastBars + 1) * (close - fast)
            slow += 2 / Double(slowBars + 1) * (close - slow)
        }

        /// +1 (up), −1 (down) or 0 (not yet, or level).
        func lean(slowBars: Int64) -> Double {
            guard closes >= slowBars else { return 0 }
            return fast > slow ? 1 : fast < slow ? -1 : 0
        }
    }

    let parameters: Parameters
    var taker: LeanTaker
    var bars = InstrumentTable<BarCloses>()
    var averages = InstrumentTable<Averages>()

    public init(_ parameters: Parameters) throws(InvalidArgument) {
        guard parameters.fastBars < parameters.slowBars else {
            throw InvalidArgument("--fast \(parameters.fastBars) must be below --slow \(parameters.slowBars)")
        }
        self.parameters = parameters
        taker = LeanTaker(quotes: parameters.takeQuotes)
    }

    public mutating func onInstrument(_ instrument: Instrument, context: inout StrategyContext) {
        bars.set(instrument.id, BarCloses(barNs: parameters.barMs * 1_000_000))
        averages.set(instrument.id, Averages())
        taker.define(instrument.id)
    }

    public mutating func onTop(_ top: BookTop, context: inout StrategyContext) {
        let id = top.header.instrument
        if let close = bars[id].add(mid: top.mid, nowNs: context.nowNs) {
            averages[id].add(close, fastBars: parameters.fastBars, slowBars: parameters.slowBars)
        }
        let lean = averages[id].lean(slowBars: parameters.slowBars)
        context.quote(top, lean: lean, leanTicks: parameters.leanTicks, spreadTicks: parameters.spreadTicks)
        taker.lean(lean, id: id, context: &context)
    }
}
