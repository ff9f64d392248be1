/// Latency samples in fixed storage (no allocation after `init`), summarised as percentiles at
/// the end: `signal --latency` records tick-to-quote, `exec --latency` tick-to-order, each as
/// `CLOCK_REALTIME` now minus the frame's receive time (when the market data reached the feed).
public final class LatencyRecorder {
    private let samples: UnsafeMutablePointer<Int64>
    public let capacity: Int
    public private(set) var count = 0
    /// Samples that did not fit (counted, not kept).
    public private(set) var overflow = 0

    public init(capacity: Int = 1 << 20) {
        self.capacity = capacity
        samples = .allocate(capacity: capacity)
    }

    deinit { samples.deallocate() }

    public func record(_ nanoseconds: Int64) {
        guard count < capacity else {
            overflow += 1
            return
        }
        samples[count] = nanoseconds
        count += 1
    }

    /// "p50=… p99=… p999=… max=… n=…" in nanoseconds.
    public func summary() -> String {
        guard count > 0 else { return "no samples" }
        var sorted = UnsafeMutableBufferPointer(start: samples, count: count)
        sorted.sort()
        func at(_ fraction: Double) -> Int64 { sorted[min(count - 1, Int(Double(count) * fraction))] }
        return "p50=\(at(0.5)) p99=\(at(0.99)) p999=\(at(0.999)) max=\(sorted[count - 1]) n=\(count)"
            + (overflow > 0 ? " (+\(overflow) not kept)" : "")
    }
}
