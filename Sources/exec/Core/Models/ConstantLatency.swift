/// The same latency for every order and cancel (`--entry-latency-ms`, 5 ms by default).
struct ConstantLatency: LatencyModel {
    let latencyNs: Int64

    init(latencyNs: Int64) {
        precondition(latencyNs >= 0, "a latency is never negative")
        self.latencyNs = latencyNs
    }

    func entryLatency(sentAtNs: Int64) -> Int64 { latencyNs }
}
