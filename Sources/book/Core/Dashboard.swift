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
    private(set) var positions: [UInt32: PositionReport] = [:]
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

    /// Takes in what exec published since the last look.
    mutating func pollExec() {
        guard exec != nil else { return }
        while case .frames =
            (try? exec!.poll(limit: 1_024) { frame in
                if let report = positionReader.add(frame.pointee) { positions[report.instrument] = report }
            }) ?? .idle
        {}
    }

    func heartbeat(now: Int64) { exec?.heartbeat(now: now) }

    func close() { exec?.close() }

    /// The screen's lines, plain text: the caller cuts them to the terminal.
    mutating func lines(_ processor: BookProcessor<BookAgent.StageOutput>, levels: Int, sizes: [Double]) -> [String] {
        let now = SystemClock.monotonicNanoseconds()
        var lines = [header(now: now), market(), ""]
        let books = processor.activeBooks
        for book in books {
            let id = Int(book.instrument.id)
            lines += BookPrinter.dump(
                book, levels: levels, sizes: sizes, spreads: processor.spreadHistories[id],
                trades: processor.recentTrades[id].inOrder
            ).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            lines.append("")
        }
        if books.isEmpty { lines += ["waiting for market data...", ""] }
        let processes = controlBlock.processes.filter { $0.state != .exited }
        lines += strategy(books: books, processes: processes)
        lines.append("")
        lines += risk(processes)
        lines.append("")
        lines += health(processes, now: now)
        lines.append("")
        lines += ringLines(now: now)
        if let logs {
            lines += ["", "logs (\(logs.directory)), the last line of each:"] + logs.lastLines()
        }
        return lines
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
        for (id, snapshot) in positions.sorted(by: { $0.key < $1.key }) {
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
                        "  " + instrument.symbol, instrument.formatSize(snapshot.position),
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
                    "latency last second: p50 / p99 / max (samples)"
                ], [10, 9, 9, 7, 12, 22])
        ]
        for entry in processes {
            var latency = ""
            if let p50 = controlBlock.gauge(.latencyP50Ns, entry: entry.index),
                let p99 = controlBlock.gauge(.latencyP99Ns, entry: entry.index),
                let max = controlBlock.gauge(.latencyMaxNs, entry: entry.index)
            {
                let kind = entry.role == .signal ? "tick-to-quote" : "tick-to-order"
                let samples = Int(controlBlock.gauge(.latencySamples, entry: entry.index) ?? 0)
                latency =
                    "\(kind) \(Dashboard.duration(p50)) / \(Dashboard.duration(p99)) / "
                    + "\(Dashboard.duration(max)) (\(samples))"
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
