import Glibc

/// Why a shared-memory segment (a ring or a control block) could not be created or attached.
/// Each description is one line naming the segment and, for a mismatch, the value found and the one expected.
public enum SegmentError: Error, CustomStringConvertible, Equatable {
    case notFound(SegmentName)
    case permissionDenied(SegmentName)
    case untrusted(SegmentName, ownerUid: uid_t, mode: mode_t)
    case tooSmall(SegmentName, length: Int, needed: Int)
    case wrongMagic(SegmentName, found: UInt64, expected: UInt64)
    case wrongVersion(SegmentName, found: UInt32, expected: UInt32)
    case wrongSlotSize(SegmentName, found: UInt32, expected: UInt32)
    case badCapacity(SegmentName, capacity: UInt64, maxConsumers: UInt32, length: Int)
    case notReady(SegmentName, waitedMs: Int)
    case staleSegment(SegmentName, creatorPid: Int32)
    case inUse(SegmentName, creatorPid: Int32)
    case noFreeConsumerRecord(SegmentName, maxConsumers: Int)
    case noFreeProcessEntry(SegmentName, maxProcesses: Int)
    case system(SystemError)

    public var description: String {
        switch self {
        case .notFound(let name):
            return "segment \(name): no such segment (\(name.devShmPath)); is its producer running?"
        case .permissionDenied(let name):
            return
                "segment \(name): permission denied opening \(name.devShmPath) (segments are 0600, owned by their "
                + "creator)"
        case .untrusted(let name, let uid, let mode):
            return "segment \(name): \(name.devShmPath) is owned by uid \(uid) with mode \(String(mode, radix: 8)); "
                + "only a segment of this user (uid \(geteuid())) with mode 600 is attached"
        case .tooSmall(let name, let length, let needed):
            return "segment \(name): segment is \(length) bytes, its header needs \(needed)"
        case .wrongMagic(let name, let found, let expected):
            return
                "segment \(name): wrong magic 0x\(String(found, radix: 16)), expected "
                + "0x\(String(expected, radix: 16)): not a tickpipe segment"
        case .wrongVersion(let name, let found, let expected):
            return "segment \(name): layout version \(found), this build speaks \(expected)"
        case .wrongSlotSize(let name, let found, let expected):
            return "segment \(name): slot size \(found) bytes, this build expects \(expected)"
        case .badCapacity(let name, let capacity, let maxConsumers, let length):
            return
                "segment \(name): capacity \(capacity) with \(maxConsumers) consumer records does not fit a "
                + "\(length)-byte segment or is not a power of two"
        case .notReady(let name, let waitedMs):
            return "segment \(name): creator did not mark the segment ready within \(waitedMs) ms"
        case .staleSegment(let name, let pid):
            return
                "segment \(name): stale segment, its creator pid \(pid) is dead; remove \(name.devShmPath) to start "
                + "over"
        case .inUse(let name, let pid):
            return "segment \(name): already exists and its creator pid \(pid) is alive"
        case .noFreeConsumerRecord(let name, let maxConsumers):
            return "segment \(name): all \(maxConsumers) consumer records are taken"
        case .noFreeProcessEntry(let name, let maxProcesses):
            return "segment \(name): all \(maxProcesses) process registry entries are taken by live processes"
        case .system(let error):
            return "segment: \(error)"
        }
    }

    /// Maps the errors of `shm_open` that an operator can act on to their own cases.
    static func opening(_ name: SegmentName, _ error: SystemError) -> SegmentError {
        switch error.errno {
        case ENOENT: return .notFound(name)
        case EACCES, EPERM: return .permissionDenied(name)
        default: return .system(error)
        }
    }
}
