import Glibc
import IPC

/// The risk process's cycle, every millisecond or so: read exec's and the market's rings (as a
/// lossy consumer, so risk never slows them), check the limits and the watchdog, act on SIGUSR1.
/// It only ever acts through the control block — the halt and flatten flags — and, when exec does
/// not confirm a flatten in time, by killing exec.
final class RiskStage {
    let options: RiskOptions
    let membership: SessionMembership
    private var exec: FrameSource?
    private var market: FrameSource?

    init(options: RiskOptions, membership: SessionMembership, exec: FrameSource?, market: FrameSource?) {
        self.options = options
        self.membership = membership
        self.exec = exec
        self.market = market
    }

    func run() -> Int32 {
        let block = membership.controlBlock
        // Positions, marks and limits from exec's and the market's frames (the poll closures below).
        var monitor = RiskMonitor(options: options) { id in block.instruments.first { $0.id == id } }
        var flattenSignals = SignalFlags.count(SIGUSR1)
        var flattenDeadline: Int64?
        var flattenRequested: UInt32 = 0
        var nextCheck = SystemClock.monotonicNanoseconds()
        var sessionFailure: String?
        var result = ExitCode.success
        membership.setGauge(.maxPosition, options.maxPosition)
        membership.setGauge(.maxNotional, options.maxNotional)
        membership.setGauge(.maxDrawdown, options.maxDrawdown)
        membership.setGauge(.staleMs, options.staleMs.map(Double.init))
        func limit(_ value: Double?, _ unit: String = "") -> String { value.map { "\($0)\(unit)" } ?? "none" }
        StandardError.line("risk: watching session \(options.session) (pid \(getpid()); kill -USR1 \(getpid()) flattens); "
                           + "limits: max position \(limit(options.maxPosition)), max notional \(limit(options.maxNotional)), "
                           + "max drawdown \(limit(options.maxDrawdown)), stale data \(limit(options.staleMs.map(Double.init), " ms"))")
        while !SignalFlags.shutdownRequested {
            let now = SystemClock.monotonicNanoseconds()
            var frames = 0
            // Rings only (checked at start), which never throw; lossy, so risk never slows them.
            if exec != nil, case .frames(let count) = (try? exec!.poll(limit: 1_024) { monitor.handle($0, nowNs: now) }) ?? .idle {
                frames += count
            }
            if market != nil, case .frames(let count) = (try? market!.poll(limit: 1_024) { monitor.handle($0, nowNs: now) }) ?? .idle {
                frames += count
            }
            if SignalFlags.count(SIGUSR1) != flattenSignals {
                flattenSignals = SignalFlags.count(SIGUSR1)
                block.halt(reason: "flatten requested (SIGUSR1 to risk pid \(getpid()))")
                block.requestFlatten()
                flattenRequested = block.flattenRequests
                flattenDeadline = now + Int64(options.flattenDeadlineMs) * 1_000_000
                StandardError.line("risk: flatten requested: trading halted, exec closes every order and position")
            }
            if let deadline = flattenDeadline {
                if block.flattensDone >= flattenRequested {
                    StandardError.line("risk: flat: exec confirmed within \(options.flattenDeadlineMs) ms")
                    flattenDeadline = nil
                } else if now > deadline {
                    flattenDeadline = nil
                    killExec(block)
                }
            }
            // The session failed (the watchdog's halt): once the flatten is over, risk stops too,
            // so whoever supervises the session sees the failure.
            if let failure = sessionFailure, flattenDeadline == nil {
                StandardError.line("risk: the session failed (\(failure)); trading stays halted; stopping")
                result = ExitCode.failure
                break
            }
            if now >= nextCheck {
                nextCheck = now + 20_000_000
                membership.heartbeat(now: now)
                exec?.heartbeat(now: now)
                market?.heartbeat(now: now)
                if !block.isHalted {
                    if let reason = monitor.breach(nowNs: now) {
                        if block.halt(reason: reason) { StandardError.line("risk: HALT: \(reason)") }
                    } else if let reason = watchdog(block, now: now), block.halt(reason: reason) {
                        // A process died or hung: nothing more is traded, and what is open is closed
                        // while exec is there to close it.
                        StandardError.line("risk: HALT: \(reason)")
                        sessionFailure = reason
                        if block.processes.contains(where: { $0.role == .exec && $0.state == .running && ProcessLiveness.isAlive($0.pid) }) {
                            block.requestFlatten()
                            flattenRequested = block.flattenRequests
                            flattenDeadline = now + Int64(options.flattenDeadlineMs) * 1_000_000
                            StandardError.line("risk: flatten requested: exec closes every order and position")
                        }
                    }
                }
                membership.setGauge(.exposure, monitor.exposure)
                membership.setGauge(.pnl, monitor.totalPnl)
                membership.setGauge(.peakPnl, monitor.peakPnl)
            }
            if frames == 0 { usleep(1_000) }
        }
        // What exec published before the stop counts in the report.
        let end = SystemClock.monotonicNanoseconds()
        for _ in 0..<64 where exec != nil {
            guard case .frames = (try? exec!.poll(limit: 1_024) { monitor.handle($0, nowNs: end) }) ?? .idle else { break }
        }
        for line in monitor.report { StandardError.line(line) }
        exec?.close()
        market?.close()
        membership.leave()
        return result
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
                reason = "watchdog: \(role?.name ?? "process") pid \(pid) silent for \((now - heartbeatNs) / 1_000_000) ms"
            }
        }
        return reason
    }

    private func killExec(_ block: ControlBlock) {
        guard let exec = block.processes.first(where: { $0.role == .exec && $0.state == .running }) else {
            return StandardError.line("risk: no running exec confirmed the flatten, and none is registered to stop")
        }
        kill(exec.pid, SIGKILL)
        StandardError.line("risk: exec pid \(exec.pid) did not confirm the flatten within \(options.flattenDeadlineMs) ms: killed it; trading stays halted")
    }
}
