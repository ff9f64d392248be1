/// Round-trip times collected into preallocated storage, summarised as percentiles.
struct LatencySamples {
    private var values: [Int64]

    init(capacity: Int) {
        values = []
        values.reserveCapacity(capacity)
    }

    mutating func record(_ nanoseconds: Int64) { values.append(nanoseconds) }

    struct Summary {
        var p50: Int64, p99: Int64, p999: Int64, max: Int64, count: Int
    }

    func summary() -> Summary {
        let sorted = values.sorted()
        func at(_ fraction: Double) -> Int64 { sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))] }
        return Summary(p50: at(0.50), p99: at(0.99), p999: at(0.999), max: sorted.last ?? 0, count: sorted.count)
    }
}
