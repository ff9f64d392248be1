import Glibc

/// One rule for every stage's ring inputs going bad: once the stage has had no work for 100 ms,
/// its inputs' producers are asked after, and one that died without ending its stream, or whose
/// heartbeat is older than 2 s (stopped, hung), is a problem the stage is told of (it stops, or
/// winds down first). A pipe's writer going away is an end of stream instead, and needs no watch.
public struct UpstreamWatch {
    public static let quietNs: Int64 = 100_000_000
    public static let heartbeatTimeoutNs: Int64 = 2_000_000_000
    @usableFromInline var quietSince: Int64

    public init(now: Int64) { quietSince = now }

    /// Frames arrived: the input is not quiet.
    @inlinable
    public mutating func inputArrived(now: Int64) { quietSince = now }

    /// True once the input has been quiet long enough to ask (and then again every `quietNs`).
    @inlinable
    public mutating func isDue(now: Int64) -> Bool {
        guard now - quietSince > UpstreamWatch.quietNs else { return false }
        quietSince = now
        return true
    }

    /// The first of `agent`'s inputs whose producer is not fine, as the line the stage ends with.
    public func problem<A: Agent>(of agent: A, now: Int64) -> String? {
        var found: String?
        agent.forEachInput { source in
            if found == nil { found = UpstreamWatch.problem(with: source, now: now, tool: agent.name) }
        }
        return found
    }

    /// Nil while `source`'s producer is fine; else the line naming it.
    public static func problem(with source: FrameSource, now: Int64, tool: String) -> String? {
        switch source.producerHealth(now: now, heartbeatTimeoutNs: UpstreamWatch.heartbeatTimeoutNs) {
        case .alive, .endOfStream:
            return nil
        case .dead(let pid):
            return "\(tool): upstream \(source.endpoint) producer pid \(pid) died without ending its stream"
        case .silent(let pid, let forNs):
            return "\(tool): upstream \(source.endpoint) producer pid \(pid) silent for \(forNs / 1_000_000) ms"
        }
    }
}
