import IPC

/// Order latencies measured on a real connection, interpolated between the recorded orders, as
/// hftbacktest's `IntpOrderLatency` does (`--latency-file FILE`).
///
/// The file has one order per line, its timestamps in nanoseconds, separated by commas or spaces
/// (hftbacktest's `req_ts, exch_ts, resp_ts`; `#` starts a comment):
///
/// ```text
/// # request_ns          exchange_ns          response_ns
/// 1723075200000000000,1723075200004100000,1723075200008300000
/// 1723075200500000000,1723075200503900000,1723075200507700000
/// ```
///
/// The entry latency of an order sent at time t is `exchange - request`, linearly interpolated
/// between the two recorded orders around t (before the first and after the last: theirs). The
/// timestamps are the market's own (a replay's recording time): a file measured at another time
/// than the data replayed gives the first or last latency throughout. Responses must follow
/// their orders; they are checked, not used (the venue's reports are not delayed yet).
struct RecordedLatency: LatencyModel {
    /// Request times, increasing, and each order's entry latency.
    private let requestNs: [Int64]
    private let latencyNs: [Int64]
    /// The segment the last order fell in: orders are sent in increasing market time, so the
    /// search moves forward from here.
    private var cursor = 0

    /// Reads and checks `path`: every line three timestamps, requests increasing, exchange after
    /// request, response after exchange; a problem names the file and line.
    init(path: String) throws(InvalidArgument) {
        var requests: [Int64] = []
        var latencies: [Int64] = []
        for record in try TextFile.records(path, flag: "--latency-file") {
            let fields = record.fields
            let place = "--latency-file \(path):\(record.line)"
            guard fields.count == 3, let request = Int64(fields[0]), let exchange = Int64(fields[1]),
                let response = Int64(fields[2])
            else {
                throw InvalidArgument(
                    "\(place): expected three timestamps in nanoseconds (request, exchange, response), found "
                        + "'\(record.text)'"
                )
            }
            guard exchange >= request, response >= exchange else {
                throw InvalidArgument(
                    "\(place): the exchange time must follow the request and the response the exchange")
            }
            if let last = requests.last, request <= last {
                throw InvalidArgument("\(place): request times must increase (\(request) after \(last))")
            }
            requests.append(request)
            latencies.append(exchange - request)
        }
        guard !requests.isEmpty else { throw InvalidArgument("--latency-file \(path): no orders in it") }
        requestNs = requests
        latencyNs = latencies
    }

    mutating func entryLatency(sentAtNs: Int64) -> Int64 {
        let last = requestNs.count - 1
        if sentAtNs <= requestNs[0] { return latencyNs[0] }
        if sentAtNs >= requestNs[last] { return latencyNs[last] }
        if requestNs[cursor] > sentAtNs { cursor = 0 } // earlier than the last order: search again
        while requestNs[cursor + 1] <= sentAtNs { cursor += 1 }
        // Between orders `cursor` and `cursor + 1`; in 128 bits (a latency times a time gap).
        let span = Int128(requestNs[cursor + 1] - requestNs[cursor])
        let into = Int128(sentAtNs - requestNs[cursor])
        let from = Int128(latencyNs[cursor])
        let to = Int128(latencyNs[cursor + 1])
        return Int64(from + (to - from) * into / span)
    }
}
