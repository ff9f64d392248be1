/// The name of a POSIX shared-memory segment, checked once where it enters the program.
///
/// Segments live in `/dev/shm/<name>`; names are letters, digits, `.`, `_` and `-`,
/// 1 to 200 characters, so that no name can escape `/dev/shm` or collide with a path.
public struct SegmentName: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    public init(_ value: String) throws(InvalidArgument) {
        guard !value.isEmpty, value.utf8.count <= 200 else {
            throw InvalidArgument("segment name '\(value)' must be 1 to 200 characters")
        }
        for byte in value.utf8 {
            let ok =
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
                || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2E || byte == 0x5F || byte == 0x2D
            guard ok else {
                throw InvalidArgument("segment name '\(value)' may hold only letters, digits, '.', '_' and '-'")
            }
        }
        self.value = value
    }

    /// The name as `shm_open` takes it: with a leading slash.
    public var shmPath: String { "/" + value }

    /// Where the segment appears in the file system.
    public var devShmPath: String { "/dev/shm/" + value }

    public var description: String { value }
}
