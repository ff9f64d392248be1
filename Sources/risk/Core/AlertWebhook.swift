import Glibc
import IPC
import Network

/// `--alert-webhook URL`: what an operator must hear about at once — a halt, a flatten, risk's
/// venue session lost, the venue confirming the kill — POSTed as one JSON object each:
///
/// ```text
///   {"session":"live1","event":"halt","detail":"max position 1 BTCUSDT breached: …","time_ns":…,"pid":4242}
/// ```
///
/// Never in the way of risk's loop: one request at a time, moved on in steps from the duty
/// cycle (`HTTPExchange`); an alert not answered 2xx within 5 s is sent again after 1 s, doubling
/// to 30 s, eight times at most, then given up with a line. Alerts wait in order, 256 at most
/// (the oldest dropped, and said).
final class AlertWebhook {
    static let attempts = 8
    static let timeoutMs: Int64 = 5_000
    static let queueLimit = 256

    private struct Alert {
        var body: [UInt8]
        var event: String
        var attempt = 0
    }

    let url: NetworkURL
    private let tls: TLSContext?
    private let session: String
    private var queue: [Alert] = []
    private var exchange: HTTPExchange?
    private var nextAttemptNs: Int64 = 0
    private(set) var delivered = 0

    init(url: NetworkURL, tls: TLSContext?, session: String) {
        self.url = url
        self.tls = tls
        self.session = session
    }

    /// Queues an alert; it leaves on a later `poll`.
    func send(_ event: String, _ detail: String) {
        let body =
            "{\"session\":\(JSONText.quoted(session)),\"event\":\(JSONText.quoted(event)),"
            + "\"detail\":\(JSONText.quoted(detail)),\"time_ns\":\(SystemClock.realtimeNanoseconds()),"
            + "\"pid\":\(getpid())}"
        if queue.count >= AlertWebhook.queueLimit {
            StandardError.line("risk: alert webhook: \(queue.count) alerts waiting; dropped the oldest")
            queue.removeFirst()
        }
        queue.append(Alert(body: Array(body.utf8), event: event))
    }

    /// Moves the alert at the head of the queue on. No allocation while nothing waits.
    func poll(nowNs: Int64) {
        guard !queue.isEmpty, nowNs >= nextAttemptNs else { return }
        if exchange == nil {
            queue[0].attempt += 1
            do {
                exchange = try HTTPExchange(
                    method: "POST", url: url, body: queue[0].body, tls: tls, timeoutMs: AlertWebhook.timeoutMs)
            } catch {
                return retry("\(error)", nowNs: nowNs)
            }
        }
        switch exchange!.progress(nowNs: nowNs) {
        case .working:
            return
        case .failed(let reason):
            retry(reason, nowNs: nowNs)
        case .answered(let response):
            guard (200..<300).contains(response.status) else {
                return retry("\(url) answered \(response.status)", nowNs: nowNs)
            }
            exchange = nil
            queue.removeFirst()
            delivered += 1
        }
    }

    private func retry(_ reason: String, nowNs: Int64) {
        exchange = nil
        let alert = queue[0]
        guard alert.attempt < AlertWebhook.attempts else {
            StandardError.line(
                "risk: alert webhook: the \(alert.event) alert not delivered after \(alert.attempt) attempts "
                    + "(\(reason)); given up")
            queue.removeFirst()
            return
        }
        let delayMs = min(1_000 << (alert.attempt - 1), 30_000)
        StandardError.line("risk: alert webhook: \(reason); the \(alert.event) alert again in \(delayMs) ms")
        nextAttemptNs = nowNs + Int64(delayMs) * 1_000_000
    }

    /// Alerts still waiting (a stopping risk gives them a moment).
    var pending: Int { queue.count }
}
