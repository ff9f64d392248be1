/// The stage a process plays in a session's registry.
public enum ProcessRole: UInt32, CaseIterable, Sendable {
    case feed = 1, book = 2, signal = 3, exec = 4, risk = 5, supervisor = 6, tool = 7

    public var name: String { "\(self)" }
}

/// Where a registered process is in its life.
public enum ProcessState: UInt32, Sendable {
    case free = 0, starting = 1, running = 2, stopping = 3, exited = 4

    public var name: String { "\(self)" }
}
