import IPC

/// Why a connection, a request or a message failed; one line, naming the host or what was
/// malformed. The tool that made the call puts its name in front.
public struct NetworkError: Error, CustomStringConvertible {
    public let description: String
    /// The documented exit code this error maps to: bad data from the peer is `failure`, a
    /// socket or TLS failure is `system`.
    public let exitCode: Int32

    static func data(_ message: String) -> NetworkError {
        NetworkError(description: message, exitCode: ExitCode.failure)
    }
    static func system(_ message: String) -> NetworkError {
        NetworkError(description: message, exitCode: ExitCode.system)
    }
}
