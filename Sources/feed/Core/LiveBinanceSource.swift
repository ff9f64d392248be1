import Glibc
import IPC
import Network

/// Live Binance market data: the combined stream of `<sym>@depth@100ms`, `<sym>@trade` and
/// `<sym>@bookTicker` over a WebSocket (TLS through the system's OpenSSL), and the REST depth
/// snapshot, synchronised as Binance documents it: diffs are buffered from the first one, the
/// snapshot is fetched then, the ones it contains are dropped (`DepthSnapshotSync`).
///
/// On a disconnect (the server's close, a silent stream, an error) the books are reset
/// (`Control.bookReset`), and the source reconnects with exponential backoff (0.5 s doubling to
/// 30 s) and resyncs from a new snapshot. A connection is rotated after 23 h 50 min, ahead of
/// Binance's 24-hour limit. Server pings are answered by the WebSocket client.
final class LiveBinanceSource: MarketDataSource {
    enum Venue: String {
        case spot, usdm

        var defaultStream: String { self == .spot ? "wss://stream.binance.com:9443" : "wss://fstream.binance.com" }
        var defaultREST: String { self == .spot ? "https://api.binance.com" : "https://fapi.binance.com" }
        var depthPath: String { self == .spot ? "/api/v3/depth" : "/fapi/v1/depth" }
        var exchangeInfoPath: String { self == .spot ? "/api/v3/exchangeInfo" : "/fapi/v1/exchangeInfo" }
    }

    static let silenceLimitNs: Int64 = 60_000_000_000
    static let rotationNs: Int64 = (23 * 3600 + 50 * 60) * 1_000_000_000
    static let maxBackoffNs: Int64 = 30_000_000_000

    let venue: Venue
    let symbols: [String]
    private let streamURL: NetworkURL
    private let restURL: NetworkURL
    private let tls: TLSContext
    let translator: BinanceTranslator
    private let report: (String) -> Void
    private let pollTimeoutMs: Int32
    /// The last step read a message: the next only reads what is already there.
    private var messageLastStep = false
    var mayWait: Bool { true }
    /// The session's control block, where books ask for a resync; the counts already acted on.
    private let controlBlock: ControlBlock?
    private var resyncsHandled: [UInt32] = Array(repeating: 0, count: ControlBlockDescriptor.maxInstruments)

    private var socket: WebSocketClient?
    @exclusivity(unchecked) private var connectedAt: Int64 = 0
    @exclusivity(unchecked) private var lastMessageAt: Int64 = 0
    @exclusivity(unchecked) private var nextConnectAt: Int64 = 0
    @exclusivity(unchecked) private var backoffNs: Int64 = 500_000_000
    /// Per instrument index: the monotonic time a snapshot may be fetched again.
    private var snapshotNotBefore: [Int64] = []
    @exclusivity(unchecked) private(set) var connections: UInt64 = 0
    @exclusivity(unchecked) private(set) var messages: UInt64 = 0
    @exclusivity(unchecked) private(set) var malformed: UInt64 = 0
    @exclusivity(unchecked) private(set) var snapshotsFetched: UInt64 = 0
    private var noticesReported = 0

    var instruments: [Instrument] { translator.instruments }

    /// `symbols` as Binance names them ("BTCUSDT"). Tick and lot sizes come from `catalog`, or
    /// from the venue's exchangeInfo, fetched now, for the symbols the catalog lacks.
    init(
        venue: Venue, symbols: [String], streamURL: String?, restURL: String?, caFile: String?,
        catalog: InstrumentCatalog, pollTimeoutMs: Int32, controlBlock: ControlBlock?,
        report: @escaping (String) -> Void
    ) throws(FeedError) {
        self.controlBlock = controlBlock
        self.venue = venue
        self.symbols = symbols.map { $0.uppercased() }
        let streams = self.symbols.map { symbol -> String in
            let lower = symbol.lowercased()
            return "\(lower)@depth@100ms/\(lower)@trade/\(lower)@bookTicker"
        }.joined(separator: "/")
        do {
            let base = try NetworkURL(streamURL ?? venue.defaultStream)
            self.streamURL = base.with(target: "/stream?streams=" + streams)
            self.restURL = try NetworkURL(restURL ?? venue.defaultREST)
            tls = try TLSContext(caFile: caFile)
        } catch { throw FeedError(error) }
        self.report = report
        self.pollTimeoutMs = pollTimeoutMs
        var catalog = catalog
        if self.symbols.contains(where: { catalog.entries[$0] == nil }) {
            let info = self.restURL.with(target: venue.exchangeInfoPath)
            let response: HTTPResponseReader.Response
            do { response = try HTTPClient.get(info, tls: tls) } catch { throw FeedError(error) }
            guard response.status == 200 else {
                throw .system(
                    "feed: GET \(info) answered \(response.status): "
                        + "\(String(decoding: response.body.prefix(200), as: UTF8.self))"
                )
            }
            try catalog.add(
                exchangeInfoBody: response.body, source: "exchangeInfo from \(restURL ?? venue.defaultREST)")
        }
        translator = BinanceTranslator(catalog: catalog, resyncOnGap: true)
    }

    func next(into batch: FrameBatch) throws(FeedError) -> SourceStep {
        let now = SystemClock.monotonicNanoseconds()
        guard let socket else {
            if now >= nextConnectAt { connect(now: now) }
            return .idle
        }
        if now - connectedAt > LiveBinanceSource.rotationNs {
            return disconnect(
                "rotating the connection ahead of Binance's 24-hour limit", now: now, into: batch, backoff: false)
        }
        if now - lastMessageAt > LiveBinanceSource.silenceLimitNs {
            return disconnect(
                "no data for \(LiveBinanceSource.silenceLimitNs / 1_000_000_000) s", now: now, into: batch,
                backoff: true)
        }
        let event: WebSocketClient.Event
        do {
            // Right after a message only what has already arrived is read: an empty socket is
            // .idle at once, so the agent publishes that message's frames now, not once the
            // stream pauses for a whole poll timeout.
            event = try socket.next(timeoutMs: messageLastStep ? 0 : pollTimeoutMs)
        } catch {
            return disconnect(error.description, now: now, into: batch, backoff: true)
        }
        messageLastStep = false
        switch event {
        case .nothingYet:
            return .idle
        case .closed(let reason):
            return disconnect(reason, now: now, into: batch, backoff: true)
        case .message(let bytes):
            messageLastStep = true
            let receiveTime = SystemClock.realtimeNanoseconds()
            lastMessageAt = SystemClock.monotonicNanoseconds()
            messages &+= 1
            do {
                try translator.translate(bytes, from: 0, receiveTimeNs: receiveTime, snapshotSymbol: nil, into: batch)
            } catch {
                if error.isConfiguration { throw .data("feed: stream message \(messages): \(error.message)") }
                malformed &+= 1
                report(
                    "feed: stream message \(messages): \(error.offset.map { "byte \($0 + 1): " } ?? "")\(error.message)"
                )
            }
            honourResyncRequests(receiveTime: receiveTime, into: batch)
            fetchSnapshotsIfDue(receiveTime: receiveTime, into: batch)
            reportNotices()
            return batch.count > 0 ? .frames(at: receiveTime) : .idle
        }
    }

    private func connect(now: Int64) {
        do {
            socket = try WebSocketClient(streamURL, tls: tls)
            connections &+= 1
            connectedAt = now
            lastMessageAt = now
            backoffNs = 500_000_000
            snapshotNotBefore = Array(repeating: 0, count: LiveBinanceSource.maxInstruments)
            report("feed: connected to \(streamURL.host):\(streamURL.port) (\(symbols.joined(separator: ", ")))")
        } catch {
            report("feed: \(error.description); retrying in \(backoffNs / 1_000_000) ms")
            scheduleReconnect(now: now)
        }
    }

    static let maxInstruments = ControlBlockDescriptor.maxInstruments

    private func scheduleReconnect(now: Int64) {
        nextConnectAt = now + backoffNs
        backoffNs = min(backoffNs * 2, LiveBinanceSource.maxBackoffNs)
    }

    /// Drops the connection, resets the books, and schedules the next attempt.
    private func disconnect(_ reason: String, now: Int64, into batch: FrameBatch, backoff: Bool) -> SourceStep {
        socket?.close()
        socket = nil
        if backoff {
            report("feed: stream lost: \(reason); books reset, reconnecting in \(backoffNs / 1_000_000) ms")
            scheduleReconnect(now: now)
        } else {
            report("feed: \(reason)")
            nextConnectAt = now
        }
        let receiveTime = SystemClock.realtimeNanoseconds()
        translator.resetAll(receiveTimeNs: receiveTime, into: batch)
        return batch.count > 0 ? .frames(at: receiveTime) : .idle
    }

    /// Binance's step 3: once an instrument's diffs are buffered, fetch its snapshot; if the
    /// snapshot turns out older than the buffered diffs, fetch again after 250 ms.
    private func fetchSnapshotsIfDue(receiveTime: Int64, into batch: FrameBatch) {
        for index in translator.instruments.indices where translator.awaitingSnapshot(index) {
            let now = SystemClock.monotonicNanoseconds()
            guard now >= snapshotNotBefore[index] else { continue }
            snapshotNotBefore[index] = now + 250_000_000
            let symbol = translator.instruments[index].symbol
            let url = restURL.with(target: "\(venue.depthPath)?symbol=\(symbol)&limit=1000")
            do {
                let response = try HTTPClient.get(url, tls: tls)
                guard response.status == 200 else {
                    report("feed: GET \(url) answered \(response.status); retrying")
                    snapshotNotBefore[index] = now + backoffNs
                    continue
                }
                snapshotsFetched &+= 1
                let received = SystemClock.realtimeNanoseconds()
                let body = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(response.body.count, 1))
                defer { body.deallocate() }
                _ = body.initialize(from: response.body)
                try translator.translate(
                    UnsafeBufferPointer(rebasing: body[0..<response.body.count]), from: 0,
                    receiveTimeNs: received, snapshotSymbol: symbol, into: batch)
            } catch let error as BinanceTranslator.Failure {
                report("feed: \(symbol) snapshot: \(error.message); retrying")
            } catch {
                report("feed: \(error); retrying the \(symbol) snapshot")
            }
        }
    }

    /// A book that found a gap asked (through the control block) for a fresh snapshot.
    private func honourResyncRequests(receiveTime: Int64, into batch: FrameBatch) {
        guard let controlBlock else { return }
        for (index, instrument) in translator.instruments.enumerated() {
            let requests = controlBlock.resyncRequests(instrument: instrument.id)
            guard requests != resyncsHandled[Int(instrument.id)] else { continue }
            resyncsHandled[Int(instrument.id)] = requests
            report("feed: \(instrument.symbol): a book asked for a resync; fetching a new snapshot")
            translator.resync(index, receiveTimeNs: receiveTime, into: batch)
        }
    }

    private func reportNotices() {
        while noticesReported < translator.notices.count {
            report("feed: \(translator.notices[noticesReported])")
            noticesReported += 1
        }
    }

    var summary: String {
        "feed: live \(venue.rawValue) \(symbols.joined(separator: ",")): \(messages) messages over "
            + "\(connections) connections, "
            + "\(snapshotsFetched) snapshots fetched, "
            + "\(socket.map { "\($0.pongsSent) pings answered on the last connection, " } ?? "")"
            + "\(malformed) malformed messages skipped"
    }
}
