/// The text `risk status SESSION` prints: the session's rings (producer position, each
/// consumer's position, lag and drops) and its registered processes.
public enum SessionStatus {
    public static func render(_ session: SessionName, now: Int64 = SystemClock.monotonicNanoseconds()) -> String {
        var lines: [String] = []
        let segments = session.segments()
        if segments.isEmpty {
            return "session \(session): no segments in /dev/shm (not running)\n"
        }
        if let block = try? ControlBlock.attach(session.controlBlock, readyTimeoutMs: 100) {
            let alive = ProcessLiveness.isAlive(block.creatorPid) ? "alive" : "dead"
            let trading = block.haltReason.map { "HALTED by pid \(block.haltPid): \($0)" } ?? "trading"
            lines.append(
                "session \(session): control block created by pid \(block.creatorPid) (\(alive)); \(trading); "
                    + "flatten requests \(block.flattenRequests)"
            )
            let symbols = block.instruments.map { "\($0.id)=\($0.symbol)" }.joined(separator: " ")
            lines.append("instruments: \(symbols.isEmpty ? "none" : symbols)")
            lines.append("processes:")
            lines.append(pad(["role", "pid", "state", "alive", "heartbeat", "detail"], [10, 8, 9, 6, 11]))
            for entry in block.processes {
                lines.append(
                    pad(
                        [
                            entry.role?.name ?? "?", "\(entry.pid)", entry.state.name,
                            ProcessLiveness.isAlive(entry.pid) ? "yes" : "NO",
                            age(now - entry.heartbeatNs), entry.detail
                        ], [10, 8, 9, 6, 11]))
            }
        } else {
            lines.append("session \(session): no readable control block")
        }
        lines.append("rings:")
        lines.append(
            pad(["ring / consumer", "pid", "alive", "position", "lag", "drops", "heartbeat"], [34, 8, 6, 14, 10, 10]))
        for name in segments where name != session.controlBlock {
            do {
                let ring = RingSnapshot(
                    try RingSegment.attach(name, readyTimeoutMs: 100, requireLiveCreator: false), now: now)
                let state = ring.endOfStream ? "ended" : (ring.creatorAlive ? "yes" : "NO")
                lines.append(
                    pad(
                        [
                            name.value + " (\(ring.capacity) slots)", "\(ring.creatorPid)", state,
                            "\(ring.producerPosition)", "", "", age(ring.producerHeartbeatAgeNs)
                        ], [34, 8, 6, 14, 10, 10]))
                for consumer in ring.consumers {
                    let kind = "  #\(consumer.index) \(consumer.mode.rawValue)\(consumer.blocking ? " blocking" : "")"
                    lines.append(
                        pad(
                            [
                                kind, "\(consumer.pid)", consumer.alive ? "yes" : "NO", "\(consumer.position)",
                                "\(consumer.lag)", consumer.mode == .lossy ? "\(consumer.drops)" : "-",
                                age(consumer.heartbeatAgeNs)
                            ], [34, 8, 6, 14, 10, 10]))
                }
            } catch {
                lines.append("\(name): \(error)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// How long ago, for a person: µs, ms or s.
    public static func age(_ nanoseconds: Int64) -> String {
        let ns = max(0, nanoseconds)
        if ns < 1_000_000 { return "\(ns / 1_000)us ago" }
        if ns < 10_000_000_000 { return "\(ns / 1_000_000)ms ago" }
        return "\(ns / 1_000_000_000)s ago"
    }

    /// Columns left-aligned in `widths` (the last one as long as it is).
    public static func pad(_ columns: [String], _ widths: [Int]) -> String {
        var line = ""
        for (index, column) in columns.enumerated() {
            if index < widths.count {
                line += column + String(repeating: " ", count: max(1, widths[index] - column.count))
            } else {
                line += column
            }
        }
        return line
    }
}
