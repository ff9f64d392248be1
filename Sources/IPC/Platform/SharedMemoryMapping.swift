import Glibc

/// One POSIX shared-memory segment mapped read-write into this process.
///
/// Wraps `shm_open` + `ftruncate` + `mmap`, and `munmap` on release. The mapping lives as
/// long as this object; hot paths keep raw pointers into it and a reference to it, so the
/// memory cannot go away under them.
public final class SharedMemoryMapping: @unchecked Sendable {
    public let name: SegmentName
    public let base: UnsafeMutableRawPointer
    public let length: Int
    /// The segment file's owner and permission bits, as `fstat` gave them when it was opened.
    public let ownerUid: uid_t
    public let mode: mode_t

    private init(name: SegmentName, base: UnsafeMutableRawPointer, length: Int, ownerUid: uid_t, mode: mode_t) {
        self.name = name
        self.base = base
        self.length = length
        self.ownerUid = ownerUid
        self.mode = mode
    }

    deinit { munmap(base, length) }

    /// Creates a new segment of `length` zeroed bytes, mode 0600, failing with `EEXIST`
    /// if one of that name is already there: a segment is never silently reused.
    public static func create(_ name: SegmentName, length: Int) throws(SystemError) -> SharedMemoryMapping {
        precondition(length > 0, "segment length must be positive")
        let fd = try retryingInterrupts("shm_open", name.shmPath) {
            shm_open(name.shmPath, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0o600)
        }
        defer { close(fd) }
        do {
            _ = try retryingInterrupts("ftruncate", name.shmPath) { ftruncate(fd, off_t(length)) }
            return try map(fd: fd, name: name, length: length, ownerUid: geteuid(), mode: 0o600)
        } catch {
            shm_unlink(name.shmPath)
            throw error
        }
    }

    /// Opens an existing segment read-write and maps all of it.
    public static func open(_ name: SegmentName) throws(SystemError) -> SharedMemoryMapping {
        let fd = try retryingInterrupts("shm_open", name.shmPath) {
            shm_open(name.shmPath, O_RDWR | O_CLOEXEC, 0)
        }
        defer { close(fd) }
        var info = stat()
        _ = try retryingInterrupts("fstat", name.shmPath) { fstat(fd, &info) }
        guard info.st_size > 0 else {
            // Its creator has not sized it yet (between shm_open and ftruncate): try again.
            throw SystemError(call: "fstat", subject: name.shmPath + " (empty segment)", errno: EAGAIN)
        }
        return try map(
            fd: fd, name: name, length: Int(info.st_size), ownerUid: info.st_uid, mode: info.st_mode & 0o7777)
    }

    /// `shm_unlink`: removes the name; mappings that exist stay valid until unmapped.
    public static func unlink(_ name: SegmentName) throws(SystemError) {
        _ = try retryingInterrupts("shm_unlink", name.shmPath) { shm_unlink(name.shmPath) }
    }

    private static func map(fd: Int32, name: SegmentName, length: Int, ownerUid: uid_t, mode: mode_t)
        throws(SystemError) -> SharedMemoryMapping
    {
        guard let base = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0),
            base != MAP_FAILED
        else {
            throw SystemError(call: "mmap", subject: name.shmPath, errno: errno)
        }
        return SharedMemoryMapping(name: name, base: base, length: length, ownerUid: ownerUid, mode: mode)
    }
}
