import Glibc

/// A failed Glibc call: which call, on what, and the `errno` it left.
///
/// Environment failures (a missing segment, permission denied) are thrown as this;
/// programmer errors are preconditions. The description is one line meant for an operator.
public struct SystemError: Error, CustomStringConvertible, Equatable {
    /// The C call that failed, e.g. `"shm_open"`.
    public let call: String
    /// What it was called on: a segment name, a path, a file descriptor.
    public let subject: String
    /// The `errno` the call left.
    public let errno: Int32

    public init(call: String, subject: String, errno: Int32) {
        self.call = call
        self.subject = subject
        self.errno = errno
    }

    public var description: String {
        "\(call)(\(subject)) failed: \(errnoDescription) (errno \(errno))"
    }

    /// What `errno` means, as `strerror` says it: "No such file or directory".
    public var errnoDescription: String { String(cString: strerror(errno)) }

    /// The file or directory named does not exist: the user's input was wrong, not the system.
    public var isMissingFile: Bool { errno == ENOENT || errno == ENOTDIR }
}

/// Runs a Glibc call that returns -1 on failure, retrying on `EINTR` (the one place that does),
/// and throws `SystemError` naming the call for any other failure.
@usableFromInline
func retryingInterrupts<T: BinaryInteger>(
    _ call: String, _ subject: @autoclosure () -> String, _ body: () -> T
) throws(SystemError) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let error = Glibc.errno
        if error == EINTR { continue }
        throw SystemError(call: call, subject: subject(), errno: error)
    }
}
