/// Only trades move the order up: every cancel is taken to have been behind it, unless more
/// left than stood behind (hftbacktest's `RiskAverseQueueModel`; `--queue-model risk-averse`).
/// The least fills a queue model gives: a strategy that makes money under it does not owe it to
/// an optimistic queue.
struct RiskAverseQueue: QueueModel {
    func cancelledAhead(_ cancelled: Int64, ahead: Int64, level: Int64) -> Int64 { 0 }
}
