import Glibc
import IPC

/// Statistical arbitrage on two instruments, A and B: a rolling hedge ratio β (exponentially
/// weighted least squares of A's mid on B's, with an intercept), the spread
/// s = (A − Ā) − β·(B − B̄) measured from the weighted means, and its z-score against its own
/// weighted mean and deviation. Enter when |z| > `entryZ` (short the spread when it is rich:
/// sell A, buy β of B; long when it is cheap), exit when |z| < `exitZ`. Each leg works towards its
/// target position with a passive order at its touch. Prices in ticks, the legs in lots of the same
/// size (as the synthetic market's pair is).
public struct PairsTrading: Strategy {
    public struct Parameters: Equatable {
        public var halfLifeSeconds = 60.0
        public var entryZ = 2.0
        public var exitZ = 0.5
    }

    public static let name = "pairs"
    public static let summary = """
        the first two instruments as a pair: rolling hedge ratio and z-score of the spread
        (--half-life), in at |z| > --entry-z, out at |z| < --exit-z, --quote-size per leg
        """
    public static var parameters: StrategyParameters<Parameters> {
        StrategyParameters(
            Parameters(),
            [
                .decimal("half-life", \.halfLifeSeconds, in: 0.001...1e6, value: "SECONDS"),
                .decimal("entry-z", \.entryZ, in: 0.01...100, value: "Z"),
                .decimal("exit-z", \.exitZ, in: 0...100, value: "Z")
            ])
    }
    /// How long one leg may quote alone before it is said once that the pair cannot trade (a
    /// second symbol may be on its way).
    static var legWaitNs: Int64 { 5_000_000_000 }
    static let (a, b): (UInt32, UInt32) = (1, 2)

    let parameters: Parameters
    /// The pair's statistics, once instrument A is defined (its lots size the legs).
    private(set) var model: Model?
    /// When the pair first had one leg and not the other (market time).
    private var legMissingSinceNs: Int64?
    private var legMissingSaid = false

    public init(_ parameters: Parameters) throws(InvalidArgument) {
        guard parameters.exitZ < parameters.entryZ else {
            throw InvalidArgument("--exit-z \(parameters.exitZ) must be below --entry-z \(parameters.entryZ)")
        }
        self.parameters = parameters
    }

    public mutating func onInstrument(_ instrument: Instrument, context: inout StrategyContext) {
        if model == nil { model = Model(parameters, legLots: context.quoteSizeLots(instrument.id)) }
    }

    /// Both legs, once both have a valid top: the z-score moves the targets, each leg works
    /// towards its own.
    public mutating func onTop(_ top: BookTop, context: inout StrategyContext) {
        guard context.isDefined(PairsTrading.a), context.isDefined(PairsTrading.b) else {
            return legMissing(context: &context)
        }
        guard let topA = context.top(PairsTrading.a), let topB = context.top(PairsTrading.b) else { return }
        _ = model!.update(midA: topA.mid, midB: topB.mid, nowNs: context.nowNs)
        let targets = model!.targets
        context.quote(
            PairsTrading.a,
            PairsTrading.legQuote(top: topA, position: context.position(PairsTrading.a), target: targets.a))
        context.quote(
            PairsTrading.b,
            PairsTrading.legQuote(top: topB, position: context.position(PairsTrading.b), target: targets.b))
    }

    /// One leg quotes and the other was never defined: said once, 5 s of market time on, rather
    /// than quoting nothing in silence.
    private mutating func legMissing(context: inout StrategyContext) {
        guard !legMissingSaid else { return }
        let since = legMissingSinceNs ?? context.nowNs
        legMissingSinceNs = since
        guard Int128(context.nowNs) - Int128(since) >= Int128(PairsTrading.legWaitNs) else { return }
        legMissingSaid = true
        let defined = context.instrumentIds.map { context.instrument($0).symbol }.joined(separator: ", ")
        context.report(
            "--strategy pairs trades the first two instruments as a pair; after "
                + "\(PairsTrading.legWaitNs / 1_000_000_000) s only \(defined) is defined: nothing is quoted "
                + "(give two symbols)")
    }

    /// A passive order on the side that moves `position` towards `target`, or none.
    static func legQuote(top: BookTop, position: Int64, target: Int64) -> Quote {
        if position < target {
            return Quote(bidPrice: top.bidPrice, bidSize: target - position, askPrice: 0, askSize: 0)
        }
        if position > target {
            return Quote(bidPrice: 0, bidSize: 0, askPrice: top.askPrice, askSize: position - target)
        }
        return .none
    }

    /// The statistics of the pair.
    struct Model {
        enum Position: Equatable { case flat, longSpread, shortSpread }

        let parameters: Parameters
        /// Target position of A in lots when in the spread.
        let legLots: Int64
        /// Samples before the statistics are trusted.
        let warmup: Int
        private(set) var meanA = 0.0, meanB = 0.0, covariance = 0.0, varianceB = 0.0
        private(set) var spreadMean = 0.0, spreadVariance = 0.0
        private(set) var samples = 0
        private(set) var position = Position.flat
        private var lastNs: Int64?

        init(_ parameters: Parameters, legLots: Int64, warmup: Int = 200) {
            self.parameters = parameters
            self.legLots = legLots
            self.warmup = warmup
        }

        var beta: Double { varianceB > 0 ? covariance / varianceB : 0 }

        func spread(midA: Double, midB: Double) -> Double { (midA - meanA) - beta * (midB - meanB) }

        /// Folds in both mids at `nowNs`; returns the z-score once warmed up.
        mutating func update(midA: Double, midB: Double, nowNs: Int64) -> Double? {
            let dt = lastNs.map { Double(nowNs - $0) / 1e9 } ?? 0
            lastNs = nowNs
            if samples == 0 {
                (meanA, meanB) = (midA, midB)
            } else {
                let weight = 1 - exp2(-max(dt, 1e-3) / parameters.halfLifeSeconds)
                let (deltaA, deltaB) = (midA - meanA, midB - meanB)
                meanA += weight * deltaA
                meanB += weight * deltaB
                covariance = (1 - weight) * (covariance + weight * deltaA * deltaB)
                varianceB = (1 - weight) * (varianceB + weight * deltaB * deltaB)
                let deviation = spread(midA: midA, midB: midB) - spreadMean
                spreadMean += weight * deviation
                spreadVariance = (1 - weight) * (spreadVariance + weight * deviation * deviation)
            }
            samples += 1
            guard samples > warmup, spreadVariance > 0 else { return nil }
            let z = (spread(midA: midA, midB: midB) - spreadMean) / spreadVariance.squareRoot()
            switch position {
            case .flat:
                if z > parameters.entryZ {
                    position = .shortSpread
                } else if z < -parameters.entryZ {
                    position = .longSpread
                }
            case .longSpread, .shortSpread:
                if abs(z) < parameters.exitZ { position = .flat }
            }
            return z
        }

        /// Target positions in lots for A and B.
        var targets: (a: Int64, b: Int64) {
            let a: Int64 = position == .longSpread ? legLots : position == .shortSpread ? -legLots : 0
            return (a, -Int64((beta * Double(a)).rounded()))
        }

        private func exp2(_ x: Double) -> Double { Glibc.exp(x * 0.693_147_180_559_945_3) }
    }
}
