import Glibc

/// A cancel is likelier on the longer side of the order: the share of cancels ahead of it is
/// `ahead^n / (ahead^n + behind^n)` (hftbacktest's `power_prob_queue_model(n)`;
/// `--queue-model power --queue-power N`, n > 1).
struct PowerQueue: QueueModel {
    let power: Double

    init(power: Double) {
        precondition(power > 1, "power 1 is ProportionalQueue, in exact integers")
        self.power = power
    }

    func cancelledAhead(_ cancelled: Int64, ahead: Int64, level: Int64) -> Int64 {
        let behind = max(0, level - ahead)
        let front = raised(Double(ahead))
        let back = raised(Double(behind))
        var share = front / (front + back)
        // Both powers past Double's range (inf / inf): the share the sizes themselves give.
        if !share.isFinite { share = Double(ahead) / Double(level) }
        let leaving = (Double(cancelled) * share).rounded(.down)
        return leaving < Double(cancelled) ? Int64(leaving) : cancelled
    }

    /// `x` to the `n`: a square (hftbacktest's usual power) is one multiplication, not a `pow` call.
    private func raised(_ x: Double) -> Double { power == 2 ? x * x : pow(x, power) }
}
