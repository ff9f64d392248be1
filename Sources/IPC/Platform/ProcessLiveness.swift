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

    /// Reads the state letter after the `(comm)` field of `/proc/<pid>/stat`. Allocates nothing:
    /// risk's watchdog asks about every registered process every 20 ms.
    static func isZombie(_ pid: Int32) -> Bool {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 512) { buffer in
            // The path "/proc/<pid>/stat", NUL-terminated, written into the buffer by hand.
            var length = 0
            for byte in "/proc/".utf8 {
                buffer[length] = byte
                length += 1
            }
            let digitsStart = length
            var rest = pid
            repeat {
                buffer[length] = UInt8(ascii: "0") + UInt8(rest % 10)
                length += 1
                rest /= 10
            } while rest > 0
            var low = digitsStart
            var high = length - 1
            while low < high {
                buffer.swapAt(low, high)
                low += 1
                high -= 1
            }
            for byte in "/stat".utf8 {
                buffer[length] = byte
                length += 1
            }
            buffer[length] = 0
            let fd = open(
                UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self), O_RDONLY | O_CLOEXEC)
            if fd < 0 { return false }
            defer { close(fd) }
            let count = read(fd, buffer.baseAddress, buffer.count)
            guard count > 0, let close = buffer[0..<count].lastIndex(of: UInt8(ascii: ")")),
                close + 2 < count
            else { return false }
            let state = buffer[close + 2]
            return state == UInt8(ascii: "Z") || state == UInt8(ascii: "X")
        }
    }
}
