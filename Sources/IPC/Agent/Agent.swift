/// One stage's work, run by `AgentRunner` (Agrona's `Agent`): the stage says what it does in a
/// duty cycle; the runner owns the cycle itself, the same in every stage.
///
/// ```text
///            +--------------------------- AgentRunner.run ----------------------------+
///   start:   | wait for the output's readers (heartbeating the session meanwhile)     |
///   cycle:   | doWork(now) -> work done | housekeeping every 100 ms: heartbeats of   |
///            | the session, output, inputs; gauges every 1 s | flush the output       |
///            | no work: ask the inputs' producers after 100 ms quiet, wake readers,   |
///            |          idle(&strategy), wake readers ahead if it slept               |
///   end:     | end of stream, SIGINT/SIGTERM or a stop: finish(stop), close the       |
///            | output and inputs, leave the session                                   |
///            +------------------------------------------------------------------------+
/// ```
///
/// Agents are concrete types the runner is specialised for (no `any` on the duty cycle).
public protocol Agent {
    /// The tool's name, the first word of every line written for it: `"book"`.
    var name: String { get }
    /// The session the stage joined, if any: heartbeated, given the gauges, left at the end.
    var membership: SessionMembership? { get }
    /// How many readers the output waits for before the first cycle (a ring's, with `--readers`).
    var readers: Int { get }
    /// The stage's frame output, if it has one: the runner waits for its readers, heartbeats and
    /// flushes it, wakes its sleeping readers before the stage sleeps, and closes it at the end.
    /// A stored property or one with a `_modify` that yields it in place: a modify synthesised
    /// from a getter and a setter allocates its frame on every call from the runner.
    var output: FrameSink? { get set }

    /// Calls `body` with each frame input: each is heartbeated, its producer is asked after when
    /// the stage has had no work for `UpstreamWatch.quietNs`, and each is closed at the end.
    func forEachInput(_ body: (FrameSource) -> Void)

    /// One duty cycle: how much work it did (0: none). Throws `AgentStop.endOfStream` when its
    /// input ended, or another stop. `now` is the runner's monotonic clock, read once a cycle,
    /// after the previous cycle's work (so up to one idle old): reading the clock costs more than
    /// a small cycle on a virtual machine.
    mutating func doWork(now: Int64) throws(AgentStop) -> Int

    /// Waits a little for work after a cycle without any: typically `input.idle(&strategy)`,
    /// which sleeps on a ring's futex when the strategy blocks.
    func idle(_ strategy: inout IdleStrategy)

    /// The stage's own timers, every `AgentRunner.housekeepingIntervalNs` after the heartbeats.
    mutating func housekeeping(now: Int64)

    /// The stage's figures for the operator, once a second when it joined a session.
    func publishGauges(_ membership: SessionMembership)

    /// An input's producer died or went silent (`problem` says which, in one line). Returns the
    /// stop to end with now, or nil when the stage winds down first (exec flattens) and stops
    /// from `doWork` itself.
    mutating func upstreamFailed(_ problem: String, now: Int64) -> AgentStop?

    /// After the last cycle, before the runner closes the output: the stage's last frames and
    /// lines (summaries). Returns the stop the tool exits with (closing may fail).
    mutating func finish(_ stop: AgentStop) -> AgentStop
}

extension Agent {
    public var readers: Int { 1 }
    public mutating func housekeeping(now: Int64) {}
    public func publishGauges(_ membership: SessionMembership) {}
    public mutating func upstreamFailed(_ problem: String, now: Int64) -> AgentStop? {
        AgentStop(code: ExitCode.failure, message: problem)
    }
    public mutating func finish(_ stop: AgentStop) -> AgentStop { stop }
}

/// Why an agent stopped: the tool's exit code and its last line, if any.
public struct AgentStop: Error, Equatable, Sendable {
    public let code: Int32
    public let message: String?

    public init(code: Int32, message: String?) {
        self.code = code
        self.message = message
    }

    /// The input ended (or SIGINT/SIGTERM): a clean stop.
    public static let endOfStream = AgentStop(code: ExitCode.success, message: nil)

    /// Bad input: exit 1 with `message`.
    public static func failure(_ message: String) -> AgentStop { AgentStop(code: ExitCode.failure, message: message) }

    /// A system call failed (a write, a ring): exit 111 with `message`.
    public static func system(_ message: String) -> AgentStop { AgentStop(code: ExitCode.system, message: message) }
}
