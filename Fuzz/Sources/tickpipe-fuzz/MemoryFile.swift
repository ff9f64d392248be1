import Glibc

/// One fuzz input as a file (in /dev/shm, unlinked at once: memory, never left behind), for the
/// readers that take a path or a descriptor: `path` opens it again, as a tool opens what its
/// user names.
final class MemoryFile {
    let fd: Int32
    var path: String { "/proc/self/fd/\(fd)" }

    init(_ bytes: UnsafeRawBufferPointer) {
        var template = Array("/dev/shm/tickpipe-fuzz-XXXXXX".utf8CString)
        fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { fatalError("mkstemp in /dev/shm failed: errno \(errno)") }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        var written = 0
        while written < bytes.count {
            let count = write(fd, bytes.baseAddress! + written, bytes.count - written)
            guard count > 0 else { fatalError("write to /dev/shm failed: errno \(errno)") }
            written += count
        }
        lseek(fd, 0, SEEK_SET)
    }

    deinit { close(fd) }
}
