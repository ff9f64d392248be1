import IPC

/// Mean reversion on Bollinger bands of the bar closes (`--bar-ms` of market time): the mean m
/// and standard deviation σ of the last `--period` closes, and where the mid stands in them,
/// z = (mid − m) / σ. The fair price leans against it, `--lean-ticks` × −z / `--width`, fully
/// (±1) at or past a band (|z| ≥ width); quoted `--spread-ticks` wide. No lean until `--period`
/// closes are in, or while σ is 0.
public struct Bollinger: Strategy {
    public struct Parameters: Equatable {
        public var barMs: Int64 = 1_000
        public var period: Int64 = 20
        public var width = 2.0
        public var leanTicks = 2.0
        /// On a turn to a full lean, an order taking this many quote sizes (0: none).
        public var takeQuotes: Int64 = 0
        public var spreadTicks: Int64 = 4
    }

    public static let name = "bollinger"
    public static let summary = """
        Bollinger bands of --period closes of --bar-ms, --width deviations wide: the fair price
        leans against where the mid stands in them, --lean-ticks at a band; quoted --spread-ticks wide;
        --take-quotes N: reaching a band, an order taking N quote sizes against it
        """
    public static var parameters: StrategyParameters<Parameters> {
        StrategyParameters(
            Parameters(),
            [
                .integer("bar-ms", \.barMs, in: 1...86_400_000, value: "MS"),
                .integer("period", \.period, in: 2...10_000, value: "BARS"),
                .decimal("width", \.width, in: 0.01...100, value: "SIGMAS"),
                .decimal("lean-ticks", \.leanTicks, in: 0...1e6, value: "T"),
                .integer("take-quotes", \.takeQuotes, in: 0...1_000),
                .integer("spread-ticks", \.spreadTicks, in: 1...1_000_000)
            ])
    }

    /// One instrument's last closes, in a ring sized at its definition.
    struct Band {
        var closes: [Double]
        var next = 0
        var count = 0

        init(period: Int) {
            closes = Array(repeating: 0, count: period)
        }

        mutating func add(_ close: Double) {
            closes[next] = close
            next = (next + 1) % closes.count
            count = min(count + 1, closes.count)
        }

        /// Where `mid` stands in the band, in deviations from the mean; nil until the ring is full
        /// or while the closes do not vary.
        func z(_ mid: Double) -> Double? {
            guard count == closes.count else { return nil }
            var sum = 0.0
            for close in closes { sum += close }
            let mean = sum / Double(count)
            var squares = 0.0
            for close in closes { squares += (close - mean) * (close - mean) }
            let deviation = (squares / Double(count)).squareRoot()
            return deviation > 0 ? (mid - mean) / deviation : nil
        }
    }

    let parameters: Parameters
    var taker: LeanTaker
    var bars = InstrumentTable<BarCloses>()
    var bands = InstrumentTable<Band>()

    public init(_ parameters: Parameters) {
        self.parameters = parameters
        taker = LeanTaker(quotes: parameters.takeQuotes)
    }

    public mutating func onInstrument(_ instrument: Instrument, context: inout StrategyContext) {
        bands.set(
            instrument.id,
            Band(period: Int(parameters.period)))
        bars.set(instrument.id, BarCloses(barNs: parameters.barMs * 1_000_000))
        taker.define(instrument.id)
    }

    public mutating func onTop(_ top: BookTop, context: inout StrategyContext) {
        let id = top.header.instrument
        if let close = bars[id].add(mid: top.mid, nowNs: context.nowNs) { bands[id].add(close) }
        let lean = bands[id].z(top.mid).map { max(-1, min(1, -$0 / parameters.width)) } ?? 0
        context.quote(top, lean: lean, leanTicks: parameters.leanTicks, spreadTicks: parameters.spreadTicks)
        taker.lean(lean, id: id, context: &context)
    }
}
