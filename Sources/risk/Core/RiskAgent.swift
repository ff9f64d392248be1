import BinanceAPI
import Glibc
import IPC
import Network

/// The risk stage on the agent runner: reads exec's and the market's rings (as a lossy
/// consumer, so risk never slows them), checks the limits and the watchdog every 20 ms, acts on
/// SIGUSR1. It only ever acts through the control block — the halt and flatten flags — and, when
/// exec does not confirm a flatten in time, by killing exec.
public final class RiskAgent: Agent {
    /// Limits and the watchdog, between polls.
    public static let checkIntervalNs: Int64 = 20_000_000
    /// Idle, between polls: risk's inputs are lossy, and no producer wakes a lossy reader.
    public static let idleSleepNs: Int64 = 1_000_000

    public let name = "risk"
    let options: RiskOptions
    let session: SessionMembership
    @exclusivity(unchecked) private var exec: FrameSource?
    @exclusivity(unchecked) private var market: FrameSource?
    /// Positions, marks and limits from exec's and the market's frames.
    @exclusivity(unchecked) private var monitor: RiskMonitor
    @exclusivity(unchecked) private var flattenSignals = SignalCounters.count(SIGUSR1)
    @exclusivity(unchecked) private var flattenDeadline: Int64?
    @exclusivity(unchecked) private var flattenRequested: UInt32 = 0
    @exclusivity(unchecked) private var nextCheck = SystemClock.monotonicNanoseconds()
    @exclusivity(unchecked) private var sessionFailure: String?
    /// The `risk resume` requests answered (the count in the control block).
    @exclusivity(unchecked) private var resumesHandled: UInt32 = 0
    /// Risk's own venue session (`--venue`): on a halt it cancels every open order itself.
    private let venueKill: VenueKill?
    /// `--alert-webhook`: halts, flattens, the venue session, POSTed as they happen.
    private let webhook: AlertWebhook?
    /// The halt in force was alerted.
    @exclusivity(unchecked) private var haltAlerted = false
    /// exec's balance differences gauge as last alerted.
    @exclusivity(unchecked) private var balanceDifferencesSeen = 0.0

    /// Runs the stage `options` describe and exits with its stop. The runner is specialised
    /// here, in the core, so that the duty cycle's calls into the agent are direct.
    public static func run(_ options: RiskOptions) -> Never {
        ToolStart.run(idle: .block) { () throws(AgentStop) in try RiskAgent(options) }
    }

    /// Joins `options.session` and attaches to the rings it names, as a lossy reader.
    convenience init(_ options: RiskOptions) throws(AgentStop) {
        SignalCounters.install([SIGUSR1])
        let kill = try RiskAgent.openVenueKill(options)
        var webhook: AlertWebhook?
        if let text = options.alertWebhook {
            do {
                let url = try NetworkURL(text)
                webhook = AlertWebhook(
                    url: url, tls: url.secure ? try TLSContext(caFile: options.binance.caFile) : nil,
                    session: options.session.description)
            } catch {
                throw AgentStop(code: error.exitCode, message: "risk: --alert-webhook: \(error)")
            }
        }
        do {
            let membership = try SessionMembership(options.session, role: .risk, detail: "limits, watchdog")
            func lossy(_ endpoint: Endpoint?) throws(SegmentError) -> FrameSource? {
                try endpoint.map { (endpoint) throws(SegmentError) in
                    try FrameSource(endpoint, tool: "risk", idle: .yield, mode: .lossy)
                }
            }
            self.init(
                options: options, membership: membership, exec: try lossy(options.execOutput),
                market: try lossy(options.market), kill: kill, webhook: webhook)
        } catch {
            throw .system("risk: \(error)")
        }
    }

    /// The keys, checked (a bad or missing one: one line, exit 100, nothing sent), the session
    /// started (it connects from the duty cycle), the journal opened.
    private static func openVenueKill(_ options: RiskOptions) throws(AgentStop) -> VenueKill? {
        guard options.venue != nil, let journalPath = options.binance.journal else { return nil }
        let session = try options.binance.session(tool: "risk")
        do { return try VenueKill(session: session, journalPath: journalPath) } catch {
            throw AgentStop(code: ExitCode.system, message: "risk: --venue-journal: \(error)")
        }
    }

    init(
        options: RiskOptions, membership: SessionMembership, exec: FrameSource?, market: FrameSource?,
        kill: VenueKill? = nil, webhook: AlertWebhook? = nil
    ) {
        self.options = options
        venueKill = kill
        self.webhook = webhook
        if let webhook { kill?.alert = { webhook.send($0, $1) } }
        let block = membership.controlBlock
        resumesHandled = block.resumeRequests
        kill?.inventoryTarget = { block.inventoryTarget(instrument: $0.id) }
        self.session = membership
        self.exec = exec
        self.market = market
        monitor = RiskMonitor(options: options) { id in block.instruments.first { $0.id == id } }
        membership.setGauge(.maxPosition, options.maxPosition)
        membership.setGauge(.maxNotional, options.maxNotional)
        membership.setGauge(.maxDrawdown, options.maxDrawdown)
        membership.setGauge(.staleMs, options.staleMs.map(Double.init))
        func limit(_ value: Double?, _ unit: String = "") -> String { value.map { "\($0)\(unit)" } ?? "none" }
        StandardError.line(
            "risk: watching session \(options.session) (pid \(getpid()); kill -USR1 \(getpid()) flattens); "
                + "limits: max position \(limit(options.maxPosition))"
                + (options.maxTotalPosition.map { ", max total position \($0)" } ?? "")
                + ", max notional \(limit(options.maxNotional)), "
                + "max drawdown \(limit(options.maxDrawdown)), stale data "
                + "\(limit(options.staleMs.map(Double.init), " ms"))"
        )
    }

    public var membership: SessionMembership? { session }
    /// None: risk acts through the control block only.
    public var output: FrameSink?

    public func forEachInput(_ body: (FrameSource) -> Void) {
        if let exec { body(exec) }
        if let market { body(market) }
    }

    public func doWork(now: Int64) throws(AgentStop) -> Int {
        let block = session.controlBlock
        var frames = 0
        // Rings only (checked at start), which never throw; lossy, so risk never slows them.
        if exec != nil,
            case .frames(let count) = (try? exec!.poll(limit: 1_024) { monitor.handle($0, nowNs: now) }) ?? .idle
        {
            frames += count
        }
        if market != nil,
            case .frames(let count) = (try? market!.poll(limit: 1_024) { monitor.handle($0, nowNs: now) }) ?? .idle
        {
            frames += count
        }
        if SignalCounters.count(SIGUSR1) != flattenSignals {
            flattenSignals = SignalCounters.count(SIGUSR1)
            block.halt(reason: "flatten requested (SIGUSR1 to risk pid \(getpid()))")
            requestFlatten(block, now: now)
            StandardError.line("risk: flatten requested: trading halted, exec closes every order and position")
            webhook?.send("flatten", "kill -USR1 to risk pid \(getpid()): trading halted, exec flattens")
        }
        if block.resumeRequests != resumesHandled {
            resumesHandled = block.resumeRequests
            resume(block, now: now)
        }
        if let deadline = flattenDeadline {
            if block.flattensDone >= flattenRequested {
                StandardError.line("risk: flat: exec confirmed within \(options.flattenDeadlineMs) ms")
                flattenDeadline = nil
            } else if now > deadline {
                flattenDeadline = nil
                killExec(block)
                venueKill?.flatten(
                    reason: "exec did not confirm the flatten within \(options.flattenDeadlineMs) ms",
                    instruments: block.instruments, nowNs: now)
            }
        }
        // The session failed (the watchdog's halt): once the flatten is over, risk stops too,
        // so whoever supervises the session sees the failure.
        if let failure = sessionFailure, flattenDeadline == nil, venueKill?.settled(nowNs: now) ?? true {
            StandardError.line("risk: the session failed (\(failure)); trading stays halted; stopping")
            throw AgentStop(code: ExitCode.failure, message: nil)
        }
        if now >= nextCheck {
            nextCheck = now + RiskAgent.checkIntervalNs
            check(block, now: now)
        }
        if let webhook {
            if block.isHalted != haltAlerted {
                haltAlerted = block.isHalted
                if haltAlerted { webhook.send("halt", block.haltReason ?? "halted") }
            }
            webhook.poll(nowNs: now)
        }
        if let kill = venueKill {
            if !kill.triggered, block.isHalted {
                kill.trigger(reason: block.haltReason ?? "halted", instruments: block.instruments, nowNs: now)
            }
            kill.poll(nowNs: now)
        }
        return frames
    }

    public func idle(_ strategy: inout IdleStrategy) { strategy.park(sleepNs: RiskAgent.idleSleepNs) }

    /// Risk's watchdog covers every process of the session, its inputs' producers included.
    public func upstreamFailed(_ problem: String, now: Int64) -> AgentStop? { nil }

    public func finish(_ stop: AgentStop) -> AgentStop {
        // What exec published before the stop counts in the report.
        let end = SystemClock.monotonicNanoseconds()
        for _ in 0..<64 where exec != nil {
            guard case .frames = (try? exec!.poll(limit: 1_024) { monitor.handle($0, nowNs: end) }) ?? .idle else {
                break
            }
        }
        for line in monitor.report { StandardError.line(line) }
        venueKill?.close()
        // Alerts still waiting get two seconds to leave.
        if let webhook {
            let deadline = SystemClock.monotonicNanoseconds() + 2_000_000_000
            while webhook.pending > 0, SystemClock.monotonicNanoseconds() < deadline {
                webhook.poll(nowNs: SystemClock.monotonicNanoseconds())
                usleep(5_000)
            }
        }
        return stop
    }

    /// The limits, then the watchdog; the gauges.
    private func check(_ block: ControlBlock, now: Int64) {
        if !block.isHalted {
            if let reason = monitor.breach(nowNs: now) {
                if block.halt(reason: reason) { StandardError.line("risk: HALT: \(reason)") }
            } else if let reason = watchdog(block, now: now), block.halt(reason: reason) {
                // A process died or hung: nothing more is traded, and what is open is closed
                // while exec is there to close it.
                StandardError.line("risk: HALT: \(reason)")
                sessionFailure = reason
                if block.runningProcess(.exec) != nil {
                    requestFlatten(block, now: now)
                    StandardError.line("risk: flatten requested: exec closes every order and position")
                } else if let venueKill {
                    // No exec to close the positions: risk's own session does.
                    venueKill.flatten(
                        reason: "\(reason); no exec to flatten", instruments: block.instruments, nowNs: now)
                }
            }
        }
        alertTrouble(block, now: now)
        session.setGauge(.exposure, monitor.exposure)
        session.setGauge(.pnl, monitor.totalPnl)
        session.setGauge(.peakPnl, monitor.peakPnl)
    }

    /// What is no limit but an operator must hear of: a storm of exec's orders rejected, and a
    /// balance at the venue that exec's fills do not explain (exec's gauge). Said, and alerted.
    private func alertTrouble(_ block: ControlBlock, now: Int64) {
        if let count = monitor.rejectStorm(threshold: options.rejectStorm, nowNs: now) {
            let detail =
                "\(count) of exec's orders rejected in the last \(RiskMonitor.rejectWindowNs / 1_000_000_000) s "
                + "(the last: \(monitor.lastRejectReason))"
            StandardError.line("risk: reject storm: \(detail)")
            webhook?.send("reject-storm", detail)
        }
        // The registry read in place: no allocation in the check.
        var found: (pid: Int32, differences: Double)?
        block.forEachProcess { index, role, pid, state, _ in
            guard role == .exec, state == .running, let differences = block.gauge(.balanceDifferences, entry: index)
            else { return }
            found = (pid, differences)
        }
        guard let found, found.differences > balanceDifferencesSeen else { return }
        balanceDifferencesSeen = found.differences
        let detail =
            "exec (pid \(found.pid)) found a balance at the venue its fills do not explain "
            + "(\(Int(found.differences)) so far): see its log and venue journal"
        StandardError.line("risk: reconciliation: \(detail)")
        webhook?.send("reconciliation", detail)
    }

    /// `risk resume SESSION`: the halt lifted, unless its cause is still there, which the answer
    /// names: a limit still breached, a flatten under way, a failed session, a venue kill done.
    private func resume(_ block: ControlBlock, now: Int64) {
        var refusal: String?
        if let halt = block.haltReason {
            if let sessionFailure {
                refusal = "the session failed (\(sessionFailure)): start it again"
            } else if flattenDeadline != nil {
                refusal = "a flatten is under way: ask again once exec confirms it"
            } else if venueKill?.triggered == true {
                refusal = "risk's own session cancelled every order at the venue: start the session again"
            } else if let breach = monitor.breach(nowNs: now) {
                refusal = "\(breach): still breached"
            } else {
                block.resume()
                StandardError.line("risk: RESUMED: the halt (\(halt)) lifted by risk resume")
                webhook?.send("resume", "the halt (\(halt)) lifted by risk resume")
            }
            if let refusal { StandardError.line("risk: resume refused: \(refusal)") }
        }
        block.answerResume(upTo: resumesHandled, refusal: refusal)
    }

    private func requestFlatten(_ block: ControlBlock, now: Int64) {
        block.requestFlatten()
        flattenRequested = block.flattenRequests
        flattenDeadline = now + Int64(options.flattenDeadlineMs) * 1_000_000
    }

    /// A registered process that died or whose heartbeat stopped halts trading. Allocates only
    /// the reason, when there is one.
    private func watchdog(_ block: ControlBlock, now: Int64) -> String? {
        let timeout = Int64(options.heartbeatTimeoutMs) * 1_000_000
        let me = getpid()
        var reason: String?
        block.forEachProcess { _, role, pid, state, heartbeatNs in
            guard reason == nil, state == .running, pid != me else { return }
            if !ProcessLiveness.isAlive(pid) {
                reason = "watchdog: \(role?.name ?? "process") pid \(pid) died"
            } else if now - heartbeatNs > timeout {
                reason =
                    "watchdog: \(role?.name ?? "process") pid \(pid) silent for \((now - heartbeatNs) / 1_000_000) ms"
            }
        }
        return reason
    }

    private func killExec(_ block: ControlBlock) {
        guard
            let exec = block.runningProcess(.exec)
        else {
            return StandardError.line("risk: no running exec confirmed the flatten, and none is alive to stop")
        }
        kill(exec.pid, SIGKILL)
        StandardError.line(
            "risk: exec pid \(exec.pid) did not confirm the flatten within \(options.flattenDeadlineMs) ms: killed "
                + "it; trading stays halted"
        )
    }
}
