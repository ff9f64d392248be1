import IPC

/// Mean reversion on Wilder's relative strength index of the bar closes (`--bar-ms` of market
/// time) over `--period` bars:
///
/// ```text
/// gain, loss   = the close's rise or fall from the one before (the other 0)
/// avg          = the mean of the first n; then avg = (avg · (n − 1) + new) / n
/// RSI          = 100 − 100 / (1 + avgGain / avgLoss)      (100 when avgLoss is 0)
/// ```
///
/// At or above `--overbought` the fair price leans `--lean-ticks` down from the mid (a fall is
/// expected), at or below `--oversold` up, else not at all; quoted `--spread-ticks` wide.
public struct RelativeStrength: Strategy {
    public struct Parameters: Equatable {
        public var barMs: Int64 = 1_000
        public var period: Int64 = 14
        public var overbought = 70.0
        public var oversold = 30.0
        public var leanTicks = 2.0
        /// On a turn to a full lean, an order taking this many quote sizes (0: none).
        public var takeQuotes: Int64 = 0
        public var spreadTicks: Int64 = 4
    }

    public static let name = "rsi"
    public static let summary = """
        RSI mean reversion on --bar-ms closes over --period bars (Wilder): the fair price leans
        --lean-ticks down from the mid at or above --overbought, up at or below --oversold;
        quoted --spread-ticks wide; --take-quotes N: on each turn, an order taking N quote sizes
        """
    public static var parameters: StrategyParameters<Parameters> {
        StrategyParameters(
            Parameters(),
            [
                .integer("bar-ms", \.barMs, in: 1...86_400_000, value: "MS"),
                .integer("period", \.period, in: 2...10_000, value: "BARS"),
                .decimal("overbought", \.overbought, in: 0...100, value: "RSI"),
                .decimal("oversold", \.oversold, in: 0...100, value: "RSI"),
                .decimal("lean-ticks", \.leanTicks, in: 0...1e6, value: "T"),
                .integer("take-quotes", \.takeQuotes, in: 0...1_000),
                .integer("spread-ticks", \.spreadTicks, in: 1...1_000_000)
            ])
    }

    /// One instrument's index.
    struct Index {
        var previous: Double?
        var averageGain = 0.0
        var averageLoss = 0.0
        var changes: Int64 = 0

        /// Folds in a bar's close over `period` bars.
        mutating func add(_ close: Double, period: Int64) {
            defer { previous = close }
            guard let previous else { return }
            let (gain, loss) = (max(close - previous, 0), max(previous - close, 0))
            changes += 1
            let n = Double(period)
            if changes <= period {
                averageGain += gain / n
                averageLoss += loss / n
            } else {
                averageGain = (averageGain * (n - 1) + gain) / n
                averageLoss = (averageLoss * (n - 1) + loss) / n
            }
        }

        /// The index once `period` changes are in.
        func value(period: Int64) -> Double? {
            guard changes >= period else { return nil }
            return averageLoss == 0 ? 100 : 100 - 100 / (1 + averageGain / averageLoss)
        }
    }

    let parameters: Parameters
    var taker: LeanTaker
    var bars = InstrumentTable<BarCloses>()
    var indices = InstrumentTable<Index>()

    public init(_ parameters: Parameters) throws(InvalidArgument) {
        guard parameters.oversold < parameters.overbought else {
            throw InvalidArgument(
                "--oversold \(parameters.oversold) must be below --overbought \(parameters.overbought)")
        }
        self.parameters = parameters
        taker = LeanTaker(quotes: parameters.takeQuotes)
    }

    public mutating func onInstrument(_ instrument: Instrument, context: inout StrategyContext) {
        bars.set(instrument.id, BarCloses(barNs: parameters.barMs * 1_000_000))
        indices.set(instrument.id, Index())
        taker.define(instrument.id)
    }

    public mutating func onTop(_ top: BookTop, context: inout StrategyContext) {
        let id = top.header.instrument
        if let close = bars[id].add(mid: top.mid, nowNs: context.nowNs) {
            indices[id].add(close, period: parameters.period)
        }
        var lean = 0.0
        if let rsi = indices[id].value(period: parameters.period) {
            lean = rsi >= parameters.overbought ? -1 : rsi <= parameters.oversold ? 1 : 0
        }
        context.quote(top, lean: lean, leanTicks: parameters.leanTicks, spreadTicks: parameters.spreadTicks)
        taker.lean(lean, id: id, context: &context)
    }
}
