import Glibc

/// A session: the name that ties a run's segments together, `tickpipe.<session>.<part>` in
/// `/dev/shm`, so that one listing finds every ring and the control block of a run.
public struct SessionName: Hashable, Sendable, CustomStringConvertible {
    public static let segmentPrefix = "tickpipe."

    public let value: String

    /// Letters, digits, `_` and `-`, 1 to 64 characters (no `.`: it separates the parts).
    public init(_ value: String) throws(InvalidArgument) {
        guard (1...64).contains(value.utf8.count),
            value.utf8.allSatisfy({ byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x5F || byte == 0x2D
            })
        else {
            throw InvalidArgument("session name '\(value)' must be 1 to 64 letters, digits, '_' or '-'")
        }
        self.value = value
    }

    public var description: String { value }

    /// The segment of one of the session's rings, e.g. `tickpipe.demo.md`.
    public func ring(_ part: String) throws(InvalidArgument) -> SegmentName {
        try SegmentName(SessionName.segmentPrefix + value + "." + part)
    }

    /// The session's control block segment.
    public var controlBlock: SegmentName {
        // Always valid: the prefix, a checked session name and a fixed suffix.
        try! SegmentName(SessionName.segmentPrefix + value + ".control")
    }

    /// Every segment of this session present in /dev/shm, sorted by name.
    public func segments() -> [SegmentName] {
        let prefix = SessionName.segmentPrefix + value + "."
        return SharedMemoryDirectory.names().filter { $0.value.hasPrefix(prefix) }
    }
}

/// Lists `/dev/shm`, where Linux keeps POSIX shared-memory segments.
public enum SharedMemoryDirectory {
    public static func names() -> [SegmentName] {
        guard let directory = opendir("/dev/shm") else { return [] }
        defer { closedir(directory) }
        var names: [SegmentName] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if let segment = try? SegmentName(name) { names.append(segment) }
        }
        return names.sorted { $0.value < $1.value }
    }
}
