import Glibc

/// Whether a process id names a running process, as seen from here.
///
/// `kill(pid, 0)` says whether the pid exists; a zombie (exited, not yet reaped by its
/// parent) still exists for `kill`, so `/proc/<pid>/stat` is read for its state letter.
/// Used only off the hot path: on attach, on idle, when a peer looks stuck.
public enum ProcessLiveness {
    public static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) == -1 && errno == ESRCH { return false }
        return !isZombie(pid)
    }

    /// Reads the state letter after the `(comm)` field of `/proc/<pid>/stat`.
    static func isZombie(_ pid: Int32) -> Bool {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        if fd < 0 { return false }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0, let close = buffer[0..<count].lastIndex(of: UInt8(ascii: ")")),
              close + 2 < count else { return false }
        let state = buffer[close + 2]
        return state == UInt8(ascii: "Z") || state == UInt8(ascii: "X")
    }
}
