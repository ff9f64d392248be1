import Glibc

/// `read(2)` and `write(2)` on a file descriptor, `EINTR` retried, other errors thrown naming
/// the call and `subject` (e.g. "stdout").
enum FileDescriptorIO {
    /// Writes all `count` bytes, looping over short writes.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int, subject: String) throws(SystemError) {
        var done = 0
        while done < count {
            let written = try retryingInterrupts("write", subject) { write(fd, bytes + done, count - done) }
            done += written
        }
    }

    /// One `read`: returns the byte count, 0 at end of file.
    static func readSome(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, subject: String) throws(SystemError) -> Int {
        try retryingInterrupts("read", subject) { read(fd, buffer, count) }
    }
}
