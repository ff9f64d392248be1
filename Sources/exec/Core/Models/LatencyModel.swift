/// How long an order or a cancel takes from exec to the venue's matching engine, in the market
/// data's receive times (hftbacktest's `LatencyModel`, entry side). The paper venue adds the
/// market data's own age (`--md-latency-ms`): what meets the order is the book as it was then.
///
/// Implementations are concrete types the venue is specialised for: `ConstantLatency`,
/// `RecordedLatency`.
protocol LatencyModel {
    /// The latency of an order or cancel sent at `sentAtNs` (market time), in nanoseconds, ≥ 0.
    mutating func entryLatency(sentAtNs: Int64) -> Int64
}
