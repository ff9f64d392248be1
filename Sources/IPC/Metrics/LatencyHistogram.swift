/// Latency samples counted in fixed log-linear buckets: constant time and no allocation per
/// sample, percentiles within 12.5 % (the bucket's upper bound), reset every window. signal and
/// exec keep one each, always on, and publish its percentiles to the control block's gauges
/// every second (the dashboard's latency panel); `LatencyRecorder` keeps exact samples instead.
///
/// ```text
/// value (ns)        bucket
/// 0 ..< 16          the value itself (exact)
/// 2^m ..< 2^(m+1)   16 + (m − 4) × 8 + the 3 bits after the leading one, for m = 4 ... 62
/// ```
public final class LatencyHistogram {
    @usableFromInline static let bucketCount = 16 + (62 - 4 + 1) * 8
    @usableFromInline let buckets: UnsafeMutablePointer<UInt64>
    // Written by one thread (its stage's duty cycle): no dynamic exclusivity checks.
    @exclusivity(unchecked) @usableFromInline var samples: UInt64 = 0
    @exclusivity(unchecked) @usableFromInline var largest: Int64 = 0

    public init() {
        buckets = .allocate(capacity: LatencyHistogram.bucketCount)
        buckets.initialize(repeating: 0, count: LatencyHistogram.bucketCount)
    }

    deinit { buckets.deallocate() }

    /// The bucket a value falls in (negative values, a clock step, count as 0).
    @inlinable
    static func bucket(_ value: Int64) -> Int {
        guard value >= 16 else { return Int(Swift.max(0, value)) }
        let magnitude = 63 - value.leadingZeroBitCount
        let fraction = Int(value >> (magnitude - 3)) & 7
        return 16 + (magnitude - 4) * 8 + fraction
    }

    /// The largest value a bucket holds.
    static func upperBound(_ bucket: Int) -> Int64 {
        guard bucket >= 16 else { return Int64(bucket) }
        let magnitude = (bucket - 16) / 8 + 4
        let lower = Int64(8 + (bucket - 16) % 8) << (magnitude - 3)
        return lower + ((Int64(1) << (magnitude - 3)) - 1)
    }

    @inlinable
    public func record(_ nanoseconds: Int64) {
        buckets[LatencyHistogram.bucket(nanoseconds)] &+= 1
        samples &+= 1
        if nanoseconds > largest { largest = nanoseconds }
    }

    public var count: UInt64 { samples }
    public var max: Int64 { largest }

    /// The upper bound of the bucket holding the sample at `fraction` (0.5: the median), or nil
    /// with no samples.
    public func percentile(_ fraction: Double) -> Int64? {
        guard samples > 0 else { return nil }
        let rank = Swift.max(1, UInt64((Double(samples) * fraction).rounded(.up)))
        var seen: UInt64 = 0
        for bucket in 0..<LatencyHistogram.bucketCount {
            seen += buckets[bucket]
            if seen >= rank { return Swift.min(LatencyHistogram.upperBound(bucket), largest) }
        }
        return largest
    }

    /// Starts a new window.
    public func reset() {
        buckets.update(repeating: 0, count: LatencyHistogram.bucketCount)
        samples = 0
        largest = 0
    }
}
