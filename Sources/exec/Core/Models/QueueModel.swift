/// Where size that leaves a price level without trading (cancels) was, relative to a resting
/// order of ours: ahead of it (we move up) or behind it (hftbacktest's `QueueModel`).
/// `QueuePosition` keeps the order's place and applies the model's answer.
///
/// Implementations are concrete types the venue is specialised for: `ProportionalQueue` (the
/// default), `PowerQueue`, `RiskAverseQueue`.
protocol QueueModel {
    /// Of `cancelled` lots that left a level of `level` lots (others' orders) without trading,
    /// how many stood ahead of an order with `ahead` lots ahead of it (0 ... `cancelled`).
    func cancelledAhead(_ cancelled: Int64, ahead: Int64, level: Int64) -> Int64
}
