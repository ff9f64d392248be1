/// The stage a process plays in a session's registry.
public enum ProcessRole: UInt32, CaseIterable, Sendable {
    case feed = 1
    case book = 2
    case signal = 3
    case exec = 4
    case risk = 5
    case supervisor = 6
    case tool = 7

    public var name: String { "\(self)" }
}

/// Where a registered process is in its life.
public enum ProcessState: UInt32, Sendable {
    case free = 0
    case starting = 1
    case running = 2
    case stopping = 3
    case exited = 4

    public var name: String { "\(self)" }
}
