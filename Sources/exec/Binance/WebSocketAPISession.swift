import Glibc
import IPC
import Network

/// A session on Binance's spot WebSocket API (BINANCE.md G.1–G.2), driven from a duty cycle and
/// never blocking it: `poll` opens the connection in steps, reads what has arrived and hands
/// each answer and event to the caller; `send` writes one request through the socket's queue.
///
/// On every connection, before anything else: `time`, for the offset of the server's clock to
/// ours (timestamps are sent in the server's time, and resynchronised every minute); then, with an
/// Ed25519 key, `session.logon`, after which requests carry no key or signature. With an HMAC
/// key every signed request carries `apiKey` and `signature`. A connection lost (closed, an
/// error, no message for 60 s, `serverShutdown`) is opened again after a backoff of 0.5 s
/// doubling to 30 s, and the caller told (`connectionLost`). A request refused for its timestamp
/// (-1021: one of the clocks jumped) has the server's time asked at once, and signed requests
/// are held back until it is known again: the caller sends them again then.
public final class WebSocketAPISession {
    public enum State: Equatable {
        /// Not connected; the next attempt at `nextAttemptNs`.
        case waiting
        case connecting
        /// Connected, asking the server's time.
        case synchronising
        /// Time known, `session.logon` sent (Ed25519 keys).
        case loggingOn
        case ready
    }

    public static let silenceLimitNs: Int64 = 60_000_000_000
    public static let clockResyncNs: Int64 = 60_000_000_000
    public static let maxBackoffNs: Int64 = 30_000_000_000

    public let url: NetworkURL
    private let tls: TLSContext
    public let credentials: APICredentials
    public let recvWindowMs: Int64
    /// Names the session in what it reports ("risk", "exec").
    private let name: String
    private let report: (String) -> Void
    private var client: WebSocketClient?
    /// The host's addresses, kept between connections.
    private var addresses: [[UInt8]]?
    public private(set) var state = State.waiting
    private var request = APIRequest()
    private var nextRequestId: UInt64 = 1
    private var timeRequestId: UInt64 = 0
    private var timeRequestSentMs: Int64 = 0
    private var logonRequestId: UInt64 = 0
    /// The server's clock minus ours, in ms (from the last `time`).
    public private(set) var clockOffsetMs: Int64 = 0
    private var nextClockSyncNs: Int64 = 0
    private var nextAttemptNs: Int64 = 0
    private var backoffNs: Int64 = 500_000_000
    private var lastMessageNs: Int64 = 0
    private var pongsSeen: UInt64 = 0
    /// The API key's bytes, for requests signed one by one.
    private let apiKeyBytes: UnsafeMutableRawBufferPointer
    public private(set) var connections: UInt64 = 0
    /// Why the last connection ended (nil while the first is open).
    public private(set) var lastLoss: String?
    /// Where every request `send` writes is journaled (its key and signature redacted).
    public var journal: VenueJournal?
    /// The venue refused the key (-2015), and has not taken it since.
    private var keyRefusedSaid = false
    /// What the venue counts against us, from every answer.
    public private(set) var budget = RateBudget()
    /// The last refusal said, so a paused session says so once.
    private var refusalSaid = false
    /// A loss `poll` has yet to tell the caller of.
    private var unreportedLoss: String?
    /// A timestamp was refused (-1021) and the server's time is being asked again.
    private var clockInDoubt = false

    public init(
        url: NetworkURL, tls: TLSContext, credentials: APICredentials, recvWindowMs: Int64, name: String,
        report: @escaping (String) -> Void
    ) {
        self.url = url
        self.tls = tls
        self.credentials = credentials
        self.recvWindowMs = recvWindowMs
        self.name = name
        self.report = report
        apiKeyBytes = .allocate(byteCount: credentials.apiKey.utf8.count, alignment: 1)
        apiKeyBytes.copyBytes(from: credentials.apiKey.utf8)
    }

    deinit {
        client?.close()
        SecretMemory.wipe(apiKeyBytes)
        apiKeyBytes.deallocate()
    }

    public var isReady: Bool { state == .ready }

    /// The venue's time now, in ms: timestamps for requests.
    public func serverTimeMs() -> Int64 { SystemClock.realtimeNanoseconds() / 1_000_000 + clockOffsetMs }

    /// Moves the session on and hands every answer and event that arrived to `body` (the
    /// message's bytes are valid during the call). `connectionLost` is called once for every
    /// connection that ends, with the reason. Returns the messages handled.
    public func poll(
        nowNs: Int64, _ body: (APIMessage, UnsafeBufferPointer<UInt8>) -> Void,
        connectionLost: (String) -> Void = { _ in }
    ) -> Int {
        defer {
            if let loss = unreportedLoss {
                unreportedLoss = nil
                connectionLost(loss)
            }
        }
        guard let client else {
            if state == .waiting, nowNs >= nextAttemptNs { connect(nowNs: nowNs) }
            return 0
        }
        if state == .connecting {
            do {
                guard try client.continueOpening() else { return 0 }
            } catch {
                addresses = nil
                lose("\(error)", nowNs: nowNs)
                return 0
            }
            connections &+= 1
            lastMessageNs = nowNs
            pongsSeen = 0
            state = .synchronising
            askTime(nowNs: nowNs)
        }
        if state == .ready, nowNs >= nextClockSyncNs { askTime(nowNs: nowNs) }
        var handled = 0
        while handled < 64 {
            let event: WebSocketClient.Event
            do { event = try client.next(timeoutMs: 0) } catch {
                lose("\(error)", nowNs: nowNs)
                return handled
            }
            switch event {
            case .nothingYet:
                // The server's pings (every 20 s) keep a quiet session alive too.
                if client.pongsSent != pongsSeen {
                    pongsSeen = client.pongsSent
                    lastMessageNs = nowNs
                }
                if nowNs - lastMessageNs > WebSocketAPISession.silenceLimitNs {
                    lose("no message for \(WebSocketAPISession.silenceLimitNs / 1_000_000_000) s", nowNs: nowNs)
                }
                return handled
            case .closed(let reason):
                lose(reason, nowNs: nowNs)
                return handled
            case .message(let bytes):
                lastMessageNs = nowNs
                handled += 1
                let message: APIMessage
                do { message = try APIMessage(bytes) } catch {
                    report(
                        "\(name): \(url.host): a message the API would not send, byte \(error.offset + 1): "
                            + "\(error.message); skipped")
                    continue
                }
                recordLimits(message, bytes)
                if let id = message.id { budget.answered(id) }
                if message.errorCode == -1021 { doubtClock(message, bytes, nowNs: nowNs) }
                if let id = message.id, id == timeRequestId || id == logonRequestId {
                    guard answerOwn(message, bytes, nowNs: nowNs) else { return handled }
                    continue
                }
                // An error for no request: the key revoked mid-session (401, -2015) or the like.
                // The session is no longer what it was: open it again, and log on again.
                if message.id == nil, !message.isEvent {
                    if message.errorCode == -2015 { keyRefused() }
                    lose("the venue says \(Self.describe(message, bytes))", nowNs: nowNs)
                    return handled
                }
                if message.isEvent, let type = message.eventType,
                    JSONScanner(bytes).equals(type, "serverShutdown")
                {
                    lose("the server is shutting down (serverShutdown)", nowNs: nowNs, backoff: false)
                    return handled
                }
                body(message, bytes)
            }
        }
        return handled
    }

    /// The session's own requests: the clock, the logon. False when the connection was dropped.
    private func answerOwn(_ message: APIMessage, _ bytes: UnsafeBufferPointer<UInt8>, nowNs: Int64) -> Bool {
        if message.id == timeRequestId {
            timeRequestId = 0
            guard message.isSuccess, let result = message.result, let serverTime = Self.serverTime(bytes, result) else {
                lose("time: \(Self.describe(message, bytes))", nowNs: nowNs)
                return false
            }
            // The server read its clock about halfway through the round trip.
            let localMs = SystemClock.realtimeNanoseconds() / 1_000_000
            clockOffsetMs = serverTime - (timeRequestSentMs + localMs) / 2
            nextClockSyncNs = nowNs + WebSocketAPISession.clockResyncNs
            if clockInDoubt {
                clockInDoubt = false
                report("\(name): \(url.host): clock offset now \(clockOffsetMs) ms; signed requests go again")
            }
            if state == .synchronising {
                if case .ed25519(let key) = credentials.signer {
                    logOn(key)
                } else {
                    becomeReady()
                }
            }
            return true
        }
        logonRequestId = 0
        guard message.isSuccess else {
            if message.errorCode == -2015 { keyRefused() }
            lose("session.logon refused: \(Self.describe(message, bytes))", nowNs: nowNs)
            return false
        }
        becomeReady()
        return true
    }

    /// -1021: the server's time is asked now (once, however many requests were refused), and
    /// signed requests wait for it.
    private func doubtClock(_ message: APIMessage, _ bytes: UnsafeBufferPointer<UInt8>, nowNs: Int64) {
        guard state == .ready, !clockInDoubt else { return }
        clockInDoubt = true
        report(
            "\(name): \(url.host): \(Self.describe(message, bytes)) (clock offset \(clockOffsetMs) ms); "
                + "asking the server's time, signed requests held back until then")
        if timeRequestId == 0 { askTime(nowNs: nowNs) }
    }

    /// Why `send` would hold a request of `kind` back now, or nil if it would send it.
    public func heldBack(_ kind: RateBudget.RequestKind, signed: Bool) -> String? {
        if signed && clockInDoubt { return "held back until the venue's time is read again (-1021)" }
        if !budget.allows(kind, nowMs: serverTimeMs()) { return "held back by the venue's rate limits" }
        return nil
    }

    private func recordLimits(_ message: APIMessage, _ bytes: UnsafeBufferPointer<UInt8>) {
        guard message.rateLimits.count > 0 || message.status == 429 || message.status == 418 else { return }
        budget.record(message, nowMs: serverTimeMs())
        if message.status == 429 || message.status == 418 {
            refusalSaid = false
            report(
                "\(name): \(url.host): \(Self.describe(message, bytes)); "
                    + (message.status == 418 ? "banned: nothing is sent " : "pausing ")
                    + "until \(max(budget.pausedUntilMs, budget.ordersPausedUntilMs)) (venue ms)")
        }
    }

    /// -2015 for the session: said once until the venue takes the key again.
    private func keyRefused() {
        guard !keyRefusedSaid else { return }
        keyRefusedSaid = true
        report(
            "\(name): \(url.host): the venue refuses the API key (-2015: revoked, this IP not allowed, or no "
                + "permission to trade): nothing can be placed or cancelled with it; logging on again with a backoff")
    }

    private func becomeReady() {
        state = .ready
        if keyRefusedSaid {
            keyRefusedSaid = false
            report("\(name): \(url.host): the venue takes the API key again")
        }
        backoffNs = 500_000_000
        report(
            "\(name): \(url.host):\(url.port): session ready (\(credentials), clock offset \(clockOffsetMs) ms)")
    }

    private static func serverTime(_ bytes: UnsafeBufferPointer<UInt8>, _ result: Range<Int>) -> Int64? {
        var scanner = JSONScanner(bytes, offset: result.lowerBound)
        var time: Int64?
        try? scanner.object { (scanner, key) throws(JSONScanner.Failure) in
            if scanner.equals(key, "serverTime") { time = try scanner.signed() } else { try scanner.skipValue() }
        }
        return time
    }

    /// "status 400, code -2010: <msg>", the venue's words, for logs and journals.
    public static func describe(_ message: APIMessage, _ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let text = message.errorMessage.map {
            String(decoding: UnsafeBufferPointer(rebasing: bytes[$0]), as: UTF8.self)
        }
        return "status \(message.status)" + (message.errorCode != 0 ? ", code \(message.errorCode)" : "")
            + (text.map { ": \($0)" } ?? "")
    }

    private func connect(nowNs: Int64) {
        state = .connecting
        do {
            // The host is resolved on the first connection and after one that failed to open:
            // a reconnection from the duty cycle does not wait on the resolver.
            if addresses == nil { addresses = try SecureSocket.resolve(url) }
            client = try WebSocketClient(startingTo: url, tls: tls, addresses: addresses)
        } catch {
            addresses = nil
            client = nil
            state = .waiting
            report("\(name): \(error); retrying in \(backoffNs / 1_000_000) ms")
            nextAttemptNs = nowNs + backoffNs
            backoffNs = min(backoffNs * 2, WebSocketAPISession.maxBackoffNs)
        }
    }

    private func lose(_ reason: String, nowNs: Int64, backoff: Bool = true) {
        client?.close()
        client = nil
        state = .waiting
        timeRequestId = 0
        logonRequestId = 0
        lastLoss = reason
        budget.connectionLost()
        clockInDoubt = false // every connection asks the time first
        let delay = backoff ? backoffNs : 0
        report("\(name): \(url.host):\(url.port): connection lost: \(reason); reconnecting in \(delay / 1_000_000) ms")
        nextAttemptNs = nowNs + delay
        if backoff { backoffNs = min(backoffNs * 2, WebSocketAPISession.maxBackoffNs) }
        unreportedLoss = reason
    }

    private func askTime(nowNs: Int64) {
        timeRequestId = takeId()
        timeRequestSentMs = SystemClock.realtimeNanoseconds() / 1_000_000
        nextClockSyncNs = nowNs + WebSocketAPISession.clockResyncNs
        request.begin(id: timeRequestId, method: "time")
        write(request.finish(hmac: nil))
    }

    /// `session.logon`: the sorted `apiKey`, `recvWindow`, `timestamp`, signed with the Ed25519 key.
    private func logOn(_ key: Ed25519Key) {
        state = .loggingOn
        logonRequestId = takeId()
        request.begin(id: logonRequestId, method: "session.logon", authentication: authentication(keyed: true))
        request.apiKey()
        request.recvWindow()
        request.timestamp()
        let signature = key.sign(Array(request.signingPayload))
        request.string("signature", signature)
        write(request.finish(hmac: nil))
    }

    private func authentication(keyed: Bool) -> APIRequest.Authentication {
        APIRequest.Authentication(
            apiKey: keyed ? UnsafeRawBufferPointer(apiKeyBytes) : nil, timestampMs: serverTimeMs(),
            recvWindowMs: recvWindowMs)
    }

    private func takeId() -> UInt64 {
        defer { nextRequestId &+= 1 }
        return nextRequestId
    }

    /// Sends one request once the session is ready and the rate budget has room for its `kind`:
    /// `parameters` writes them in ASCII order of
    /// their names, placing `apiKey()`, `recvWindow()` and `timestamp()` where they sort when
    /// `signed`. Returns the request's id, or nil if the session is not ready or the request could
    /// not be written or sent (the connection is then dropped and opened again).
    public func send(
        method: StaticString, kind: RateBudget.RequestKind, signed: Bool, _ parameters: (inout APIRequest) -> Void
    ) -> UInt64? {
        guard state == .ready, client != nil, !(signed && clockInDoubt) else { return nil }
        guard budget.allows(kind, nowMs: serverTimeMs()) else {
            if !refusalSaid {
                refusalSaid = true
                let readings = budget.description(nowMs: serverTimeMs())
                report("\(name): \(method) held back: the venue's rate limits (\(readings)) leave no room for it now")
            }
            return nil
        }
        let id = takeId()
        var hmac: HMACSHA256?
        var keyed = false
        if signed, case .hmac(let key) = credentials.signer {
            hmac = key
            keyed = true
        }
        request.begin(id: id, method: method, authentication: authentication(keyed: keyed))
        parameters(&request)
        guard let bytes = request.finish(hmac: hmac) else {
            report("\(name): \(method) request longer than \(APIRequest.capacity) bytes; not sent")
            return nil
        }
        // Journaled before it is written: a write that fails may still have reached the venue.
        journal?.sent(bytes)
        guard write(bytes) else { return nil }
        budget.sent(kind, id: id)
        return id
    }

    /// A request into the socket's queue; false (the connection dropped, to be opened again) if
    /// it could not be, or it did not fit.
    @discardableResult
    private func write(_ bytes: UnsafeRawBufferPointer?) -> Bool {
        guard let bytes, let client else { return false }
        do { try client.sendText(bytes) } catch {
            lose("\(error)", nowNs: SystemClock.monotonicNanoseconds())
            return false
        }
        return true
    }

    /// Closes the connection (a goodbye frame), as a stage stops.
    public func close() {
        client?.close()
        client = nil
        state = .waiting
    }
}
