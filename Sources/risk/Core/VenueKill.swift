import BinanceAPI
import Glibc
import IPC
import Network

/// Risk's own session on the venue, with the same key as exec's and nothing to do with exec: the
/// kill that works when exec is dead or hung. Opened at start and kept alive; when trading halts
/// (a limit, `kill -USR1`, the watchdog seeing exec die) it sends `openOrders.cancelAll` for
/// every instrument of the session, then asks `openOrders.status` until the venue shows none open
/// (cancelling again what it still shows, up to `maxRounds` times). A connection lost meanwhile
/// is opened again and the work resumed where it stood.
///
/// Every request it sends and every answer go to its own `VenueJournal` (exec's format), with
/// notes for the kill, a lost connection and each symbol the venue shows flat:
///
/// ```text
///   {"t_ns":…,"note":"kill: <the halt's reason>; cancelling every open order on BTCUSDT"}
///   {"t_ns":…,"sent":{"id":5,"method":"openOrders.cancelAll","params":{…,"apiKey":"(redacted)",…}}}
///   {"t_ns":…,"received":{"id":5,"status":200,"result":[…],"rateLimits":[…]}}
///   {"t_ns":…,"note":"flat: BTCUSDT: the venue shows no open order"}
/// ```
///
/// The session's own traffic (time, logon: the logon's answer names the key) is not journaled.
final class VenueKill {
    static let maxRounds = 5

    private enum Step {
        case cancel, verify
    }

    private struct Work {
        var symbol: String
        var step = Step.cancel
        /// The request out for this symbol (0: none).
        var requestId: UInt64 = 0
        var rounds = 0
        var flat = false
    }

    let session: WebSocketAPISession
    private let journal: VenueJournal
    private var journalFailureSaid = false
    private var work: [Work] = []
    /// When the kill began (monotonic), for the operator's line.
    private var startedNs: Int64 = 0
    /// Told of what an operator must hear: the session lost, the kill's outcome (event, detail).
    var alert: (String, String) -> Void = { _, _ in }
    private(set) var triggered = false
    private(set) var finished = false

    init(session: WebSocketAPISession, journalPath: String) throws(SystemError) {
        self.session = session
        journal = try VenueJournal(path: journalPath)
        session.journal = journal
        journal.note("risk's kill session opened to \(session.url.host):\(session.url.port)")
        journal.flush()
    }

    /// How long a stopping risk waits for an unfinished kill.
    static let settleLimitNs: Int64 = 10_000_000_000

    /// Nothing left to wait for: no kill, a finished one, or one that has had `settleLimitNs`.
    func settled(nowNs: Int64) -> Bool { !triggered || finished || nowNs - startedNs > VenueKill.settleLimitNs }

    /// Halted: cancel everything on `symbols`, now or as soon as the session is ready.
    func trigger(reason: String, symbols: [String], nowNs: Int64) {
        guard !triggered else { return }
        triggered = true
        startedNs = nowNs
        work = symbols.map { Work(symbol: $0) }
        journal.note("kill: \(reason); cancelling every open order on \(symbols.joined(separator: ", "))")
        if symbols.isEmpty {
            StandardError.line("risk: kill: the session has no instrument to cancel orders on")
            finished = true
        } else {
            StandardError.line(
                "risk: kill: cancelling every open order on \(symbols.joined(separator: ", ")) at "
                    + "\(session.url.host):\(session.url.port) on risk's own session")
        }
        sendDue()
    }

    /// Keeps the session alive and moves the kill on. No allocation when nothing arrives.
    func poll(nowNs: Int64) {
        _ = session.poll(nowNs: nowNs) { message, bytes in
            answer(message, bytes, nowNs: nowNs)
        } connectionLost: { reason in
            for index in work.indices { work[index].requestId = 0 }
            alert("venue-disconnect", "risk's session to \(session.url.host):\(session.url.port): \(reason)")
            if triggered && !finished { journal.note("connection lost: \(reason)") }
        }
        if triggered && !finished && session.isReady { sendDue() }
        journal.flush()
        if let failure = journal.failure, !journalFailureSaid {
            journalFailureSaid = true
            StandardError.line("risk: \(failure)")
        }
    }

    private func sendDue() {
        guard session.isReady else { return }
        for index in work.indices where !work[index].flat && work[index].requestId == 0 {
            let symbol = work[index].symbol
            let method: StaticString = work[index].step == .cancel ? "openOrders.cancelAll" : "openOrders.status"
            guard
                let id = session.send(
                    method: method, kind: work[index].step == .cancel ? .cancel : .query, signed: true,
                    { request in
                        request.apiKey()
                        request.recvWindow()
                        request.string("symbol", symbol)
                        request.timestamp()
                    })
            else { return }
            work[index].requestId = id
        }
    }

    private func answer(_ message: APIMessage, _ bytes: UnsafeBufferPointer<UInt8>, nowNs: Int64) {
        journal.received(bytes)
        guard let id = message.id, let index = work.firstIndex(where: { $0.requestId == id }) else { return }
        work[index].requestId = 0
        let symbol = work[index].symbol
        switch work[index].step {
        case .cancel:
            // -2011: nothing was open. Either way, what the venue shows now decides.
            if !message.isSuccess && message.errorCode != -2011 {
                StandardError.line(
                    "risk: kill: openOrders.cancelAll \(symbol): \(WebSocketAPISession.describe(message, bytes))")
            }
            work[index].step = .verify
        case .verify:
            let open = message.isSuccess ? Self.arrayCount(bytes, message.result) : nil
            if open == 0 {
                work[index].flat = true
                journal.note("flat: \(symbol): the venue shows no open order")
                StandardError.line(
                    "risk: kill: the venue shows no open order on \(symbol), "
                        + "\((nowNs - startedNs) / 1_000_000) ms after the halt")
            } else {
                work[index].rounds += 1
                guard work[index].rounds < VenueKill.maxRounds else {
                    StandardError.line(
                        "risk: kill: \(symbol) still shows \(open.map(String.init) ?? "unknown") open orders after "
                            + "\(VenueKill.maxRounds) rounds of cancelling; giving up: see the venue")
                    work[index].flat = true
                    break
                }
                work[index].step = .cancel
            }
        }
        if !finished && work.allSatisfy(\.flat) {
            finished = true
            alert("kill-done", "the venue shows no open order on \(work.map(\.symbol).joined(separator: ", "))")
        }
        sendDue()
    }

    /// The end of risk's run: the session closed, the journal written out.
    func close() {
        journal.note("risk's kill session closing")
        journal.flush()
        session.close()
    }

    /// The number of elements of the array at `range`, nil if it is not one.
    private static func arrayCount(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>?) -> Int? {
        guard let range else { return nil }
        var scanner = JSONScanner(bytes, offset: range.lowerBound)
        var count = 0
        do {
            try scanner.array { (scanner) throws(JSONScanner.Failure) in
                try scanner.skipValue()
                count += 1
            }
        } catch { return nil }
        return count
    }
}
