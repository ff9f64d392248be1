import Glibc

/// Why a ring could not be created or attached. Each description is one line naming the
/// segment and, for a mismatch, both the value found and the value expected.
public enum RingError: Error, CustomStringConvertible, Equatable {
    case notFound(SegmentName)
    case permissionDenied(SegmentName)
    case tooSmall(SegmentName, length: Int, needed: Int)
    case wrongMagic(SegmentName, found: UInt64)
    case wrongVersion(SegmentName, found: UInt32, expected: UInt32)
    case wrongSlotSize(SegmentName, found: UInt32, expected: UInt32)
    case badCapacity(SegmentName, capacity: UInt64, maxConsumers: UInt32, length: Int)
    case notReady(SegmentName, waitedMs: Int)
    case staleSegment(SegmentName, creatorPid: Int32)
    case inUse(SegmentName, creatorPid: Int32)
    case noFreeConsumerRecord(SegmentName, maxConsumers: Int)
    case system(SystemError)

    public var description: String {
        switch self {
        case .notFound(let name):
            return "ring \(name): no such segment (\(name.devShmPath)); is its producer running?"
        case .permissionDenied(let name):
            return "ring \(name): permission denied opening \(name.devShmPath) (segments are 0600, owned by their creator)"
        case .tooSmall(let name, let length, let needed):
            return "ring \(name): segment is \(length) bytes, a ring header needs \(needed)"
        case .wrongMagic(let name, let found):
            return "ring \(name): wrong magic 0x\(String(found, radix: 16)), expected 0x\(String(RingDescriptor.magic, radix: 16)): not a tickpipe ring"
        case .wrongVersion(let name, let found, let expected):
            return "ring \(name): layout version \(found), this build speaks \(expected)"
        case .wrongSlotSize(let name, let found, let expected):
            return "ring \(name): slot size \(found) bytes, this build expects \(expected)"
        case .badCapacity(let name, let capacity, let maxConsumers, let length):
            return "ring \(name): capacity \(capacity) with \(maxConsumers) consumer records does not fit a \(length)-byte segment or is not a power of two"
        case .notReady(let name, let waitedMs):
            return "ring \(name): creator did not mark the segment ready within \(waitedMs) ms"
        case .staleSegment(let name, let pid):
            return "ring \(name): stale segment, its creator pid \(pid) is dead; remove \(name.devShmPath) to start over"
        case .inUse(let name, let pid):
            return "ring \(name): already exists and its creator pid \(pid) is alive"
        case .noFreeConsumerRecord(let name, let maxConsumers):
            return "ring \(name): all \(maxConsumers) consumer records are taken"
        case .system(let error):
            return "ring: \(error)"
        }
    }

    /// Maps the errors of `shm_open` that an operator can act on to their own cases.
    static func opening(_ name: SegmentName, _ error: SystemError) -> RingError {
        switch error.errno {
        case ENOENT: return .notFound(name)
        case EACCES, EPERM: return .permissionDenied(name)
        default: return .system(error)
        }
    }
}
