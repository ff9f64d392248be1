import Glibc

/// A small, fast, seedable pseudo-random generator (SplitMix64, Steele, Lea and Flood 2014):
/// the synthetic market is a pure function of its seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Standard normal (Box–Muller).
    mutating func normal() -> Double {
        let u1 = max(unit(), 1e-300)
        let u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Poisson with mean `lambda` (Knuth's method; the means here are small).
    mutating func poisson(_ lambda: Double) -> Int {
        let limit = exp(-lambda)
        var product = unit()
        var count = 0
        while product > limit {
            product *= unit()
            count += 1
        }
        return count
    }

    /// Geometric on {0, 1, 2, ...} with success probability `p`.
    mutating func geometric(_ p: Double) -> Int {
        Int(log(max(unit(), 1e-300)) / log(1 - p))
    }

    /// Log-normal with the given median and log-space standard deviation.
    mutating func logNormal(median: Double, sigma: Double) -> Double {
        median * exp(sigma * normal())
    }
}
