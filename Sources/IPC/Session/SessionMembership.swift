import Glibc
import Synchronization

/// A tool's place in a session (`--session NAME`): the session's control block, attached (or
/// created by the first process that comes), and this process's entry in its registry, with a
/// heartbeat the watchdog and `status` read. Left as `exited` when the tool ends; the last
/// process out removes the control block.
public final class SessionMembership: @unchecked Sendable {
    public let session: SessionName
    public let controlBlock: ControlBlock
    public let entry: Int

    public init(_ session: SessionName, role: ProcessRole, detail: String) throws(SegmentError) {
        self.session = session
        var block: ControlBlock
        do {
            block = try ControlBlock.attach(session.controlBlock)
        } catch .notFound {
            do {
                block = try ControlBlock.create(session.controlBlock, instruments: [])
            } catch .inUse {
                block = try ControlBlock.attach(session.controlBlock) // another process won the race
            }
        }
        controlBlock = block
        entry = try block.register(role: role, detail: detail)
        block.setState(.running, entry: entry)
    }

    public func heartbeat(now: Int64) {
        controlBlock.heartbeat(entry: entry, now: now)
    }

    /// Marks this process exited, and removes the control block if no other registered process
    /// is still running (two leaving at once may both remove it; the second removal fails quietly).
    public func leave() {
        controlBlock.setState(.exited, entry: entry)
        // Sequentially consistent fence (store-load): our exit is visible before we look at theirs.
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        let others = controlBlock.processes.filter {
            $0.state != .exited && $0.pid != getpid() && ProcessLiveness.isAlive($0.pid)
        }
        if others.isEmpty { try? controlBlock.unlink() }
    }
}
