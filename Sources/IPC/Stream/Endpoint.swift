/// Where a tool reads or writes frames: a ring in shared memory (`shm:NAME`) or its standard
/// input or output (`-`), so that `feed | book --dump` needs no shared memory at all.
public enum Endpoint: Equatable, Sendable, CustomStringConvertible {
    case ring(SegmentName)
    case standardStream

    /// Parses `shm:NAME` or `-`; `flag` names the option in the error.
    public init(parsing text: String, flag: String) throws(InvalidArgument) {
        if text == "-" {
            self = .standardStream
            return
        }
        guard text.hasPrefix("shm:") else {
            throw InvalidArgument(
                "\(flag) '\(text)': expected shm:NAME (a ring in /dev/shm) or - (standard input/output)")
        }
        do {
            self = .ring(try SegmentName(String(text.dropFirst(4))))
        } catch {
            throw InvalidArgument("\(flag) '\(text)': \(error)")
        }
    }

    public var description: String {
        switch self {
        case .ring(let name): return "shm:\(name)"
        case .standardStream: return "-"
        }
    }
}
