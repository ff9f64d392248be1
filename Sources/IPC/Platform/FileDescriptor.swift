import Glibc

/// An open file descriptor and what it is (a path, "stdout"), with the calls the tools make on
/// it: each retries `EINTR` (in `retryingInterrupts`, the one place that does) and throws a
/// `SystemError` naming the call, the subject and `errno`. swift-system's shape, on Glibc.
public struct FileDescriptor: Sendable {
    public let rawValue: Int32
    /// What the descriptor is, for errors: a path, "stdout", a ring's name.
    public let subject: String

    public init(rawValue: Int32, subject: String) {
        self.rawValue = rawValue
        self.subject = subject
    }

    public enum AccessMode: Sendable {
        case readOnly, writeOnly, readWrite

        var flags: Int32 {
            switch self {
            case .readOnly: O_RDONLY
            case .writeOnly: O_WRONLY
            case .readWrite: O_RDWR
            }
        }
    }

    public struct OpenOptions: OptionSet, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        public static let create = OpenOptions(rawValue: O_CREAT)
        public static let truncate = OpenOptions(rawValue: O_TRUNC)
        public static let exclusiveCreate = OpenOptions(rawValue: O_EXCL)
        /// Every write goes to the end (a log shared with nothing else, never overwritten).
        public static let append = OpenOptions(rawValue: O_APPEND)
        /// Opening a FIFO does not wait for its writer.
        public static let nonBlocking = OpenOptions(rawValue: O_NONBLOCK)
    }

    /// `open(2)`, always close-on-exec.
    public static func open(
        _ path: String, _ mode: AccessMode, options: OpenOptions = [], permissions: mode_t = 0o600
    ) throws(SystemError) -> FileDescriptor {
        let fd = try retryingInterrupts("open", path) {
            Glibc.open(path, mode.flags | options.rawValue | O_CLOEXEC, permissions)
        }
        return FileDescriptor(rawValue: fd, subject: path)
    }

    /// `access(2)`: throws unless this process may use `path` for `mode` (`R_OK`, `W_OK`).
    public static func checkAccess(_ path: String, _ mode: Int32 = R_OK) throws(SystemError) {
        _ = try retryingInterrupts("access", path) { Glibc.access(path, mode) }
    }

    /// `close(2)`. Not retried on `EINTR`: on Linux the descriptor is closed whatever it returns.
    public func close() throws(SystemError) {
        guard Glibc.close(rawValue) == 0 else { throw SystemError(call: "close", subject: subject, errno: errno) }
    }

    /// Writes all `count` bytes, looping over short writes.
    public func writeAll(_ bytes: UnsafeRawPointer, count: Int) throws(SystemError) {
        var done = 0
        while done < count {
            done += try retryingInterrupts("write", subject) { Glibc.write(rawValue, bytes + done, count - done) }
        }
    }

    /// Writes all `count` bytes at `offset` (`pwrite(2)`), looping over short writes.
    public func writeAll(_ bytes: UnsafeRawPointer, count: Int, atOffset offset: Int) throws(SystemError) {
        var done = 0
        while done < count {
            done += try retryingInterrupts("pwrite", subject) {
                pwrite(rawValue, bytes + done, count - done, off_t(offset + done))
            }
        }
    }

    /// The file at `path`, read whole (or its first `limit` bytes).
    public static func readAll(_ path: String, limit: Int = .max) throws(SystemError) -> [UInt8] {
        let file = try open(path, .readOnly)
        defer { try? file.close() }
        var bytes: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 1)
        defer { chunk.deallocate() }
        while bytes.count < limit {
            let got = try file.read(into: chunk.baseAddress!, count: min(chunk.count, limit - bytes.count))
            guard got > 0 else { break }
            bytes.append(contentsOf: chunk[..<got])
        }
        return bytes
    }

    /// One `read(2)`: the byte count, 0 at end of file.
    public func read(into buffer: UnsafeMutableRawPointer, count: Int) throws(SystemError) -> Int {
        try retryingInterrupts("read", subject) { Glibc.read(rawValue, buffer, count) }
    }

    /// One `read(2)` on a non-blocking descriptor: the byte count, 0 at end of file, nil when
    /// nothing is there yet (`EAGAIN`).
    public func readIfReady(into buffer: UnsafeMutableRawPointer, count: Int) throws(SystemError) -> Int? {
        do { return try read(into: buffer, count: count) } catch  where error.errno == EAGAIN { return nil }
    }

    /// One `write(2)` on a non-blocking descriptor: the bytes written, nil when it would block.
    public func writeIfReady(_ bytes: UnsafeRawPointer, count: Int) throws(SystemError) -> Int? {
        do {
            return try retryingInterrupts("write", subject) { Glibc.write(rawValue, bytes, count) }
        } catch  where error.errno == EAGAIN {
            return nil
        }
    }

    /// `poll(2)` for `events` (`POLLIN`, `POLLOUT`) up to `timeoutMs`: true when ready.
    public func await(_ events: Int32, timeoutMs: Int32) throws(SystemError) -> Bool {
        var descriptor = pollfd(fd: rawValue, events: Int16(events), revents: 0)
        return try retryingInterrupts("poll", subject) { poll(&descriptor, 1, timeoutMs) } > 0
    }

    /// Reads up to `count` bytes at `offset` (`pread(2)`), looping until end of file: the byte count.
    public func read(into buffer: UnsafeMutableRawPointer, count: Int, atOffset offset: Int) throws(SystemError) -> Int
    {
        var done = 0
        while done < count {
            let got = try retryingInterrupts("pread", subject) {
                pread(rawValue, buffer + done, count - done, off_t(offset + done))
            }
            if got == 0 { break }
            done += got
        }
        return done
    }

    /// `fstat(2)`.
    public func status() throws(SystemError) -> stat {
        var info = stat()
        _ = try retryingInterrupts("fstat", subject) { fstat(rawValue, &info) }
        return info
    }

    /// `ftruncate(2)`: the file is `size` bytes long.
    public func resize(to size: Int) throws(SystemError) {
        _ = try retryingInterrupts("ftruncate", subject) { ftruncate(rawValue, off_t(size)) }
    }

    /// `posix_fallocate(3)`: disk space for `count` bytes at `offset`, so a store into a mapping
    /// of them cannot fail for want of space. (It returns its error instead of setting `errno`.)
    public func allocate(offset: Int, count: Int) throws(SystemError) {
        var status: Int32
        repeat { status = posix_fallocate(rawValue, off_t(offset), off_t(count)) } while status == EINTR
        guard status == 0 else { throw SystemError(call: "posix_fallocate", subject: subject, errno: status) }
    }

    /// `fdatasync(2)`: what was written is on disk.
    public func dataSync() throws(SystemError) {
        _ = try retryingInterrupts("fdatasync", subject) { fdatasync(rawValue) }
    }

    /// `mmap(2)` of `length` bytes from the start: shared and writable, or private and read-only;
    /// `reserve: false` maps address space without reserving swap for it (`MAP_NORESERVE`),
    /// `populate: true` reads it all in now (`MAP_POPULATE`).
    public func map(
        length: Int, writable: Bool, reserve: Bool = true, populate: Bool = false
    ) throws(SystemError) -> UnsafeMutableRawPointer {
        let protection = writable ? PROT_READ | PROT_WRITE : PROT_READ
        let flags =
            (writable ? MAP_SHARED : MAP_PRIVATE) | (reserve ? 0 : MAP_NORESERVE) | (populate ? MAP_POPULATE : 0)
        guard let base = mmap(nil, length, protection, flags, rawValue, 0), base != MAP_FAILED else {
            throw SystemError(call: "mmap", subject: subject, errno: errno)
        }
        return base
    }
}
