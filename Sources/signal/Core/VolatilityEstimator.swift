import Glibc

/// σ² of the mid price, online: an exponentially weighted mean of squared mid changes per
/// second, in ticks² / s, with a half-life in seconds. Mid changes are measured between tops, so
/// the estimate is per unit of time whatever the update rate.
struct VolatilityEstimator {
    let halfLifeSeconds: Double
    private(set) var variancePerSecond: Double
    private var lastMid: Double?
    private var lastTimeNs: Int64 = 0

    init(halfLifeSeconds: Double, initialVariancePerSecond: Double) {
        self.halfLifeSeconds = halfLifeSeconds
        variancePerSecond = initialVariancePerSecond
    }

    /// Folds in a mid (ticks) seen at `timeNs`.
    mutating func update(mid: Double, timeNs: Int64) {
        defer {
            lastMid = mid
            lastTimeNs = timeNs
        }
        guard let previous = lastMid, timeNs > lastTimeNs else { return }
        let dt = Double(timeNs - lastTimeNs) / 1e9
        let change = mid - previous
        // The weight of the new observation grows with the time it covers.
        let weight = 1 - pow2(-dt / halfLifeSeconds)
        variancePerSecond += weight * (change * change / dt - variancePerSecond)
    }

    /// σ in ticks per √second.
    var sigma: Double { variancePerSecond.squareRoot() }

    private func pow2(_ exponent: Double) -> Double { exp(exponent * 0.693_147_180_559_945_3) }
}

/// κ, the decay of the fill intensity with distance from the mid, estimated from trades: for
/// exponentially distributed distances the maximum-likelihood κ is 1 / mean distance (ticks).
struct ArrivalDecayEstimator {
    private(set) var meanDistance: Double
    let weight: Double

    init(initialKappa: Double, weight: Double = 0.01) {
        meanDistance = 1 / initialKappa
        self.weight = weight
    }

    /// A trade `distance` ticks from the mid at the time.
    mutating func update(distance: Double) {
        meanDistance += weight * (max(distance, 0.5) - meanDistance)
    }

    var kappa: Double { 1 / meanDistance }
}
