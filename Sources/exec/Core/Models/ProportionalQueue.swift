/// Cancels leave ahead of and behind the order in proportion to the size there:
/// `cancelled × ahead / level` (hftbacktest's `ProbQueueModel` with a linear probability, and
/// the usual paper-venue rule). The default (`--queue-model proportional`).
struct ProportionalQueue: QueueModel {
    func cancelledAhead(_ cancelled: Int64, ahead: Int64, level: Int64) -> Int64 {
        // Rounded down: the queue never shrinks faster than the book. The product of two sizes
        // needs 128 bits (10^17 lots of a 1e-8 lot squared is 10^34); the quotient is at most
        // `cancelled`.
        Int64(Int128(cancelled) * Int128(ahead) / Int128(level))
    }
}
