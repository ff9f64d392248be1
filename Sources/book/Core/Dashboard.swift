import Glibc
import IPC

/// The operator's screen, `book --dashboard` (what run.sh shows when its output is a terminal),
/// redrawn a few times a second from three places, none of which it can slow down:
/// - the books this process keeps from the market-data ring (lossy): levels, spread, trades,
///   liquidity;
/// - exec's output ring (lossy): each instrument's latest position snapshot (position, realized
///   and unrealized PnL, fees; exec writes one on every fill and every second);
/// - the session's control block and rings: trading or halted, risk's limits and view, exec's
///   orders, each process's health and latency gauges, each ring's positions, lag and drops;
/// - with `--logs DIR`, the last line of each process's log.
struct Dashboard {
    let session: SessionName
    let controlBlock: ControlBlock
    private var exec: FrameSource?
    private let logs: LogTail?
    /// By bot and instrument (`Instrument.accountSlot`): a row per bot's account.
    private(set) var positions: [Int: PositionReport] = [:]
    private var positionReader = PositionReportReader()
    /// Rings attached once for reading their positions (never as a consumer).
    private var rings: [SegmentName: RingSegment] = [:]
    private let startedNs = SystemClock.monotonicNanoseconds()

    init(membership: SessionMembership, exec: FrameSource?, logDirectory: String?) {
        session = membership.session
        controlBlock = membership.controlBlock
        self.exec = exec
        logs = logDirectory.map(LogTail.init)
    }

    /// Our orders working at the venue, by instrument and client id, as exec's commands and
    /// reports on its ring tell them (a new or replace order until its fill, cancel or reject).
    private(set) var working: [UInt32: [UInt32: (side: Side, price: Int64, size: Int64)]] = [:]

    /// Takes in what exec published since the last look.
    mutating func pollExec() {
        guard exec != nil else { return }
        while case .frames =
            (try? exec!.poll(limit: 1_024) { frame in
                if let report = positionReader.add(frame.pointee) {
                    positions[Instrument.accountSlot(bot: Int(report.bot), id: Int(report.instrument))] = report
                }
                Dashboard.track(frame.pointee, into: &working)
            }) ?? .idle
        {}
    }

    private static func track(
        _ frame: Frame, into working: inout [UInt32: [UInt32: (side: Side, price: Int64, size: Int64)]]
    ) {
        let id = frame.header.instrument
        switch frame.header.messageType {
        case .orderCommand:
            let command = frame.as(OrderCommand.self)
            guard command.command != .cancel else { return }
            working[id, default: [:]][command.clientOrderId] = (command.side, command.price, command.size)
        case .executionReport:
            let report = frame.as(ExecutionReport.self)
            switch report.report {
            case .fill, .cancelled, .reject: working[id]?[report.clientOrderId] = nil
            case .partialFill: working[id]?[report.clientOrderId]?.size -= report.size
            case .ack, .adjustment: break
            }
        default:
            break
        }
    }

    /// Our working bid and ask beside the book's levels: price, size, and the level they are at.
    private func ours(_ book: OrderBook) -> String {
        let orders = (working[book.instrument.id] ?? [:]).values
        guard !orders.isEmpty else { return "ours: no order working" }
        let instrument = book.instrument
        func side(_ side: Side) -> String {
            let prices = orders.filter { $0.side == side }.sorted {
                side == .buy ? $0.price > $1.price : $0.price < $1.price
            }
            guard let best = prices.first else { return "\(side == .buy ? "bid" : "ask") none" }
            let levels = side == .buy ? book.bids : book.asks
            var depth: Int?
            for index in 0..<min(levels.count, 1_000) where levels.level(index).price == best.price {
                depth = index + 1
                break
            }
            return
                "\(side == .buy ? "bid" : "ask") \(instrument.formatSize(best.size))@\(instrument.formatPrice(best.price))"
                + (depth.map { " (level \($0))" } ?? " (no level of its own)")
        }
        return "ours: \(side(.buy))  \(side(.sell))"
    }

    func heartbeat(now: Int64) { exec?.heartbeat(now: now) }

    func close() { exec?.close() }

    /// The screen's lines, plain text, fitted to `rows` × `columns`: long lines wrap at a word
    /// (the strategy, risk and process lines stay whole); when the screen is too short the logs
    /// fold first, then the effective spreads, then book levels (down to one), then the rings, and
    /// one line says what was folded and the size that shows everything.
    mutating func lines(
        _ processor: BookProcessor<BookAgent.StageOutput>, levels: Int, sizes: [Double], rows: Int, columns: Int
    ) -> [String] {
        let now = SystemClock.monotonicNanoseconds()
        let books = processor.activeBooks
        let processes = controlBlock.processes.filter { $0.state != .exited }
        func bookLines(_ levels: Int, sizes: [Double]) -> [String] {
            var lines: [String] = []
            for book in books {
                let id = Int(book.instrument.id)
                var dump = BookPrinter.dump(
                    book, levels: levels, sizes: sizes, spreads: processor.spreadHistories[id],
                    trades: processor.recentTrades[id].inOrder
                ).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                // Our orders under the levels (the header, the column names, then the levels).
                dump.insert(ours(book), at: min(dump.count, 2 + min(levels, max(book.bids.count, book.asks.count))))
                lines += dump + [""]
            }
            return books.isEmpty ? ["waiting for market data...", ""] : lines
        }
        let top = [header(now: now), market(), ""]
        let middle =
            strategy(books: books, processes: processes) + [""] + risk(processes) + [""] + health(processes, now: now)
        let rings = [""] + ringLines(now: now)
        let logs = logs.map { ["", "logs (\($0.directory)), the last line of each:"] + $0.lastLines() } ?? []
        func assemble(levels: Int, spreads: Bool, rings showRings: Bool, logs showLogs: Bool) -> [String] {
            top + bookLines(levels, sizes: spreads ? sizes : []) + middle + (showRings ? rings : [])
                + (showLogs ? logs : [])
        }
        let everything = assemble(levels: levels, spreads: true, rings: true, logs: true)
        func wrapped(_ lines: [String]) -> [String] { lines.flatMap { Dashboard.wrap($0, columns: columns) } }
        var fitted = wrapped(everything)
        let room = max(1, rows - 1)
        guard fitted.count > room else { return fitted }
        // Folding: one line says so.
        var (shownLevels, showSpreads, showRings, showLogs) = (levels, !sizes.isEmpty, true, !logs.isEmpty)
        func tooTall() -> Bool {
            fitted = wrapped(assemble(levels: shownLevels, spreads: showSpreads, rings: showRings, logs: showLogs))
            return fitted.count + 1 > room
        }
        if showLogs && tooTall() { showLogs = false }
        if showSpreads && tooTall() { showSpreads = false }
        while shownLevels > 1 && tooTall() { shownLevels -= 1 }
        if tooTall() { showRings = false }
        _ = tooTall()
        var folded: [String] = []
        if !logs.isEmpty && !showLogs { folded.append("logs") }
        if !sizes.isEmpty && !showSpreads { folded.append("effective spreads") }
        if shownLevels < levels { folded.append("book levels (\(shownLevels) of \(levels))") }
        if !showRings { folded.append("rings") }
        let width = everything.map(\.count).max() ?? columns
        fitted.insert(
            "folded to fit \(columns)×\(rows): \(folded.joined(separator: ", ")); "
                + "\(max(width, columns))×\(everything.count + 1) shows all", at: 1)
        return fitted
    }

    /// `line` cut at words into lines of at most `columns`, each after the first indented by four.
    static func wrap(_ line: String, columns: Int) -> [String] {
        guard line.count > columns, columns > 8 else { return [line] }
        var lines: [String] = []
        var rest = Substring(line)
        var width = columns
        while rest.count > width {
            let window = rest.prefix(width)
            let cut = window.lastIndex(of: " ").flatMap { $0 > window.startIndex ? $0 : nil } ?? window.endIndex
            lines.append(String(rest[..<cut]).trimmingTrailingSpaces)
            rest = rest[cut...].drop { $0 == " " }
            width = columns - 4
        }
        if !rest.isEmpty || lines.isEmpty { lines.append(String(rest)) }
        return [lines[0]] + lines.dropFirst().map { "    " + $0 }
    }

    private func header(now: Int64) -> String {
        let state = controlBlock.haltReason.map { "HALTED by pid \(controlBlock.haltPid): \($0)" } ?? "TRADING"
        return
            "tickpipe  session \(session)  up \((now - startedNs) / 1_000_000_000) s  \(Dashboard.clockTime())  "
            + "\(state)"
    }

    /// Where the market comes from, as feed joined the session: a synthetic market's prices are
    /// made up, whatever its symbols are called.
    private func market() -> String {
        guard let feed = controlBlock.processes.first(where: { $0.role == .feed }) else { return "market: no feed" }
        if feed.detail.hasPrefix("synthetic") {
            return "market: SYNTHETIC (\(feed.detail.dropFirst("synthetic ".count)); prices made up, not the real "
                + "instrument's)"
        }
        return "market: \(feed.detail)"
    }

    private func strategy(books: [OrderBook], processes: [ControlBlock.ProcessEntry]) -> [String] {
        var lines = [
            Dashboard.row(
                ["strategy", "position", "realized", "unrealized", "fees", "PnL", "exposure"],
                [12, 14, 13, 13, 11, 13, 14])
        ]
        let instruments = controlBlock.instruments
        let severalBots = positions.keys.contains { Instrument.account(ofSlot: $0).bot > 0 }
        for (key, snapshot) in positions.sorted(by: { $0.key < $1.key }) {
            let id = UInt32(Instrument.account(ofSlot: key).id)
            guard let instrument = instruments.first(where: { $0.id == id }) else { continue }
            let unit = instrument.tickSize * instrument.lotSize
            let book = books.first { $0.instrument.id == id }
            let mid = book.flatMap {
                $0.isValid && !$0.bids.isEmpty && !$0.asks.isEmpty
                    ? (Double($0.bids.bestPrice) + Double($0.asks.bestPrice)) / 2 : nil
            }
            let exposure = mid.map { Dashboard.money(Double(snapshot.position.magnitude) * $0 * unit, 2) } ?? "-"
            lines.append(
                Dashboard.row(
                    [
                        "  " + instrument.symbol + (severalBots ? " #\(snapshot.bot)" : ""),
                        instrument.formatSize(snapshot.position),
                        Dashboard.money(Double(snapshot.realizedPnl) * unit),
                        Dashboard.money(Double(snapshot.unrealizedPnl) * unit),
                        Dashboard.money(Double(snapshot.fees) * unit), Dashboard.money(Double(snapshot.pnl) * unit),
                        exposure
                    ], [12, 14, 13, 13, 11, 13, 14]))
        }
        if positions.isEmpty { lines.append("  no position yet (exec publishes one on every fill and every second)") }
        if let exec = processes.first(where: { $0.role == .exec }) {
            let placed = controlBlock.gauge(.ordersPlaced, entry: exec.index) ?? 0
            let fills = controlBlock.gauge(.fills, entry: exec.index) ?? 0
            let ratio = placed > 0 ? FixedDecimal.text(fills / placed, decimals: 3) : "-"
            lines.append(
                "  orders placed \(Int(placed))  open \(Int(controlBlock.gauge(.openOrders, entry: exec.index) ?? 0))"
                    + "  fills \(Int(fills))  fill ratio \(ratio)")
        } else {
            lines.append("  no exec in the session")
        }
        return lines
    }

    private func risk(_ processes: [ControlBlock.ProcessEntry]) -> [String] {
        guard let risk = processes.first(where: { $0.role == .risk }) else { return ["risk: none in the session"] }
        func limit(_ gauge: Gauge, _ unit: String = "") -> String {
            controlBlock.gauge(gauge, entry: risk.index).map { FixedDecimal.text($0, decimals: 4) + unit } ?? "none"
        }
        let pnl = controlBlock.gauge(.pnl, entry: risk.index) ?? 0
        let peak = controlBlock.gauge(.peakPnl, entry: risk.index) ?? 0
        return [
            "risk (pid \(risk.pid); kill -USR1 \(risk.pid) flattens)  limits: max position \(limit(.maxPosition))"
                + "  max notional \(limit(.maxNotional))  max drawdown \(limit(.maxDrawdown))  stale data "
                + "\(limit(.staleMs, " ms"))",
            "  exposure \(Dashboard.money(controlBlock.gauge(.exposure, entry: risk.index) ?? 0, 2))  PnL "
                + "\(Dashboard.money(pnl))"
                + "  peak \(Dashboard.money(peak))  drawdown \(Dashboard.money(max(0, peak - pnl)))"
                + "  flattens \(controlBlock.flattenRequests) requested, \(controlBlock.flattensDone) done"
                + "  resumes \(controlBlock.resumeRequests) asked"
                + (controlBlock.resumeRefusal.map { " (last refused: \($0))" } ?? "")
        ]
    }

    private func health(_ processes: [ControlBlock.ProcessEntry], now: Int64) -> [String] {
        var lines = [
            Dashboard.row(
                [
                    "process", "pid", "state", "alive", "heartbeat", "doing",
                    "last second's tick-to-quote (signal), tick-to-order (exec): p50 / p99 / max (samples)"
                ], [10, 9, 9, 7, 12, 22])
        ]
        for entry in processes {
            var latency = ""
            if let p50 = controlBlock.gauge(.latencyP50Ns, entry: entry.index),
                let p99 = controlBlock.gauge(.latencyP99Ns, entry: entry.index),
                let max = controlBlock.gauge(.latencyMaxNs, entry: entry.index)
            {
                let samples = Int(controlBlock.gauge(.latencySamples, entry: entry.index) ?? 0)
                latency =
                    "\(Dashboard.duration(p50)) / \(Dashboard.duration(p99)) / \(Dashboard.duration(max)) (\(samples))"
            } else if entry.role == .signal || entry.role == .exec {
                latency = "no samples in the last second"
            }
            lines.append(
                Dashboard.row(
                    [
                        "  " + (entry.role?.name ?? "?"), "\(entry.pid)", entry.state.name,
                        ProcessLiveness.isAlive(entry.pid) ? "yes" : "NO",
                        SessionStatus.age(now - entry.heartbeatNs), String(entry.detail.prefix(20)), latency
                    ],
                    [10, 9, 9, 7, 12, 22]))
        }
        return lines
    }

    private mutating func ringLines(now: Int64) -> [String] {
        var lines = [Dashboard.row(["ring", "written", "consumers: lag (drops)"], [12, 14])]
        let prefix = SessionName.segmentPrefix + "\(session)."
        for name in session.segments() where name != session.controlBlock {
            if rings[name] == nil {
                rings[name] = try? RingSegment.attach(name, readyTimeoutMs: 0, requireLiveCreator: false)
            }
            guard let segment = rings[name] else { continue }
            let ring = RingSnapshot(segment, now: now)
            let consumers = ring.consumers.map { consumer in
                "\(consumer.mode.rawValue) \(consumer.lag)" + (consumer.mode == .lossy ? " (\(consumer.drops))" : "")
            }
            let short = name.value.hasPrefix(prefix) ? String(name.value.dropFirst(prefix.count)) : name.value
            lines.append(
                Dashboard.row(
                    [
                        "  " + short, "\(ring.producerPosition)" + (ring.endOfStream ? " end" : ""),
                        consumers.joined(separator: "  ")
                    ], [12, 14]))
        }
        return lines
    }

    /// Wall-clock time of day, UTC, to the second.
    static func clockTime() -> String {
        var seconds = time_t(SystemClock.realtimeNanoseconds() / 1_000_000_000)
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else { return "" }
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) UTC"
    }

    static func row(_ columns: [String], _ widths: [Int]) -> String { SessionStatus.pad(columns, widths) }

    static func money(_ value: Double, _ decimals: Int = 4) -> String { FixedDecimal.text(value, decimals: decimals) }

    /// Nanoseconds as µs or ms, three significant figures or so.
    static func duration(_ nanoseconds: Double) -> String {
        if nanoseconds < 1_000 { return "\(Int(nanoseconds))ns" }
        if nanoseconds < 1_000_000 {
            return FixedDecimal.text(nanoseconds / 1_000, decimals: nanoseconds < 100_000 ? 1 : 0) + "us"
        }
        return FixedDecimal.text(nanoseconds / 1_000_000, decimals: 2) + "ms"
    }
}

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
