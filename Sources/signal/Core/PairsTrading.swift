import Glibc
import IPC

/// Statistical arbitrage on two instruments, A and B: a rolling hedge ratio β (exponentially
/// weighted least squares of A's mid on B's, with an intercept), the spread
/// s = (A − Ā) − β·(B − B̄) measured from the weighted means, and its z-score against its own
/// weighted mean and deviation. Enter when |z| > `entryZ` (short the spread when it is rich:
/// sell A, buy β of B; long when it is cheap), exit when |z| < `exitZ`. Each leg works towards its
/// target position with a passive order at its touch. Prices in ticks, the legs in lots of the same
/// size (as the synthetic market's pair is).
struct PairsTrading {
    struct Parameters: Equatable {
        var halfLifeSeconds = 60.0
        var entryZ = 2.0
        var exitZ = 0.5
        var legLots: Int64 = 1_000
        /// Samples before the statistics are trusted.
        var warmup = 200
    }

    enum Position: Equatable { case flat, longSpread, shortSpread }

    let parameters: Parameters
    private(set) var meanA = 0.0, meanB = 0.0, covariance = 0.0, varianceB = 0.0
    private(set) var spreadMean = 0.0, spreadVariance = 0.0
    private(set) var samples = 0
    private(set) var position = Position.flat
    private var lastNs: Int64?

    init(_ parameters: Parameters) { self.parameters = parameters }

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
        guard samples > parameters.warmup, spreadVariance > 0 else { return nil }
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
        let a: Int64 = position == .longSpread ? parameters.legLots : position == .shortSpread ? -parameters.legLots : 0
        return (a, -Int64((beta * Double(a)).rounded()))
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

    private func exp2(_ x: Double) -> Double { Glibc.exp(x * 0.693_147_180_559_945_3) }
}
