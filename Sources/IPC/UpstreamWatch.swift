import Glibc

/// One rule for every stage's ring input going bad: once the input has been quiet for 100 ms, its
/// producer is asked after, and one that died without ending its stream, or whose heartbeat is
/// older than 2 s (stopped, hung), is a failure the stage ends on. A pipe's writer going away is
/// an end of stream instead, and needs no watch.
public struct UpstreamWatch {
    public static let quietNs: Int64 = 100_000_000
    public static let heartbeatTimeoutNs: Int64 = 2_000_000_000
    private let tool: String
    private var quietSince: Int64

    public init(tool: String, now: Int64) {
        self.tool = tool
        quietSince = now
    }

    /// Frames arrived: the input is not quiet.
    public mutating func inputArrived(now: Int64) { quietSince = now }

    /// Nil while `source`'s producer is fine (or the input has not been quiet long enough to
    /// ask); else the line the stage ends with.
    public mutating func problem(with source: FrameSource, now: Int64) -> String? {
        guard now - quietSince > UpstreamWatch.quietNs else { return nil }
        quietSince = now
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
