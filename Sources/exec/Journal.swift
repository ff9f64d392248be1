import CPlatform
import Glibc
import IPC

/// exec's journal: every order command, execution report and position snapshot, appended as a
/// checksummed record (`JournalDescriptor`), so positions and PnL can be rebuilt from it and
/// nothing that was journaled is lost.
///
/// Records gather in a fixed buffer and go to the file with one `write` per duty cycle
/// (`flush`); `SyncPolicy` says when they are forced to disk: never by us, after every flush,
/// or every `batchIntervalNs` (by a `JournalSyncer` thread, so the writer never waits for the
/// disk).
final class Journal {
    enum SyncPolicy: String, CaseIterable { case none, batch, always }

    struct Damage: Equatable, CustomStringConvertible {
        var record: UInt64
        var offset: Int
        var reason: String
        var description: String { "record \(record) at byte \(offset): \(reason)" }
    }

    /// What opening found: intact records, damaged ones (skipped, left in place), and a torn
    /// tail (cut off: a crash mid-write).
    struct Opening: Equatable {
        var intactRecords: UInt64 = 0
        var damaged: [Damage] = []
        var tornTailBytes = 0
        var created = false
    }

    struct JournalError: Error, CustomStringConvertible {
        let description: String
    }

    let path: String
    let policy: SyncPolicy
    private let fd: Int32
    private let buffer: UnsafeMutableRawPointer
    private static let bufferRecords = 1_024
    @exclusivity(unchecked) private var buffered = 0
    /// The sequence the next record gets: the number of record slots in the file.
    @exclusivity(unchecked) private(set) var nextSequence: UInt64
    private let syncer: JournalSyncer?
    static let batchIntervalNs: Int64 = 100_000_000

    private init(path: String, fd: Int32, policy: SyncPolicy, nextSequence: UInt64) throws(JournalError) {
        self.path = path
        self.fd = fd
        self.policy = policy
        self.nextSequence = nextSequence
        do {
            syncer = policy == .batch ? try JournalSyncer(fd: fd, interval: Journal.batchIntervalNs) : nil
        } catch {
            close(fd)
            throw JournalError(description: "journal \(path): \(error)")
        }
        buffer = .allocate(byteCount: Journal.bufferRecords * JournalDescriptor.recordSize, alignment: 64)
    }

    deinit {
        try? flush()
        syncer?.stop() // after a last sync of everything written
        buffer.deallocate()
        close(fd)
    }

    /// Opens `path` for appending, creating it if absent. An existing journal is checked record
    /// by record; a file that is not a journal of this layout is refused, never overwritten.
    static func open(_ path: String, policy: SyncPolicy) throws(JournalError) -> (Journal, Opening) {
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw JournalError(description: "journal \(path): \(String(cString: strerror(errno)))") }
        var opening = Opening()
        var info = stat()
        fstat(fd, &info)
        if info.st_size == 0 {
            var header = [UInt8](repeating: 0, count: JournalDescriptor.headerSize)
            header.withUnsafeMutableBytes { raw in
                raw.storeBytes(of: JournalDescriptor.magic, toByteOffset: 0, as: UInt64.self)
                raw.storeBytes(of: JournalDescriptor.layoutVersion, toByteOffset: 8, as: UInt16.self)
                raw.storeBytes(of: UInt16(JournalDescriptor.recordSize), toByteOffset: 10, as: UInt16.self)
            }
            guard header.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == JournalDescriptor.headerSize else {
                close(fd)
                throw JournalError(description: "journal \(path): cannot write its header: \(String(cString: strerror(errno)))")
            }
            opening.created = true
            return (try Journal(path: path, fd: fd, policy: policy, nextSequence: 0), opening)
        }
        let scan: Scan
        do {
            scan = try Journal.scan(fd: fd, path: path) { _ in }
        } catch {
            close(fd)
            throw error
        }
        opening.intactRecords = scan.intact
        opening.damaged = scan.damaged
        opening.tornTailBytes = scan.tornTailBytes
        // Cut a torn tail off, so the next record starts on a record boundary.
        let end = off_t(JournalDescriptor.headerSize + Int(scan.slots) * JournalDescriptor.recordSize)
        if scan.tornTailBytes > 0 { ftruncate(fd, end) }
        lseek(fd, end, SEEK_SET)
        return (try Journal(path: path, fd: fd, policy: policy, nextSequence: scan.slots), opening)
    }

    /// Appends one frame as a record (buffered until `flush`).
    func append(_ frame: Frame) throws(JournalError) {
        if buffered == Journal.bufferRecords { try flush() }
        let record = buffer + buffered * JournalDescriptor.recordSize
        record.storeBytes(of: frame, as: Frame.self)
        record.storeBytes(of: nextSequence, toByteOffset: JournalDescriptor.sequenceOffset, as: UInt64.self)
        let checksum = cplatform_crc32c(record, JournalDescriptor.checksumOffset)
        record.storeBytes(of: checksum, toByteOffset: JournalDescriptor.checksumOffset, as: UInt32.self)
        record.storeBytes(of: JournalDescriptor.marker, toByteOffset: JournalDescriptor.markerOffset, as: UInt32.self)
        buffered += 1
        nextSequence &+= 1
    }

    /// Writes the buffered records, and syncs them to disk as the policy says.
    func flush() throws(JournalError) {
        if let code = syncer?.failure {
            throw JournalError(description: "journal \(path): fdatasync failed: \(String(cString: strerror(code)))")
        }
        guard buffered > 0 else { return }
        let bytes = buffered * JournalDescriptor.recordSize
        var done = 0
        while done < bytes {
            let written = write(fd, buffer + done, bytes - done)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                throw JournalError(description: "journal \(path): write failed: \(String(cString: strerror(errno)))")
            }
            done += written
        }
        buffered = 0
        syncer?.wrote(upTo: nextSequence)
        if policy == .always {
            guard fdatasync(fd) == 0 else {
                throw JournalError(description: "journal \(path): fdatasync failed: \(String(cString: strerror(errno)))")
            }
        }
    }

    struct Scan {
        var slots: UInt64 = 0
        var intact: UInt64 = 0
        var damaged: [Damage] = []
        var tornTailBytes = 0
    }

    /// Reads a journal: every intact record's frame to `body`, in order, and what is damaged.
    static func read(_ path: String, _ body: (Frame, UInt64) -> Void) throws(JournalError) -> Scan {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw JournalError(description: "journal \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        return try scan(fd: fd, path: path) { body($0.frame, $0.sequence) }
    }

    private static func scan(fd: Int32, path: String, _ body: ((frame: Frame, sequence: UInt64)) -> Void) throws(JournalError) -> Scan {
        var header = [UInt8](repeating: 0, count: JournalDescriptor.headerSize)
        let got = header.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        let (magic, version, recordSize) = header.withUnsafeBytes {
            ($0.load(as: UInt64.self), $0.load(fromByteOffset: 8, as: UInt16.self), $0.load(fromByteOffset: 10, as: UInt16.self))
        }
        guard got < 8 || magic == JournalDescriptor.magic else {
            throw JournalError(description: "journal \(path): not a tickpipe journal (wrong magic); refusing to touch it")
        }
        guard got == JournalDescriptor.headerSize else {
            throw JournalError(description: "journal \(path): \(got) bytes, shorter than its \(JournalDescriptor.headerSize)-byte header")
        }
        guard version == JournalDescriptor.layoutVersion, Int(recordSize) == JournalDescriptor.recordSize else {
            throw JournalError(description: "journal \(path): layout version \(version), record size \(recordSize); this build writes \(JournalDescriptor.layoutVersion), \(JournalDescriptor.recordSize)")
        }
        var scan = Scan()
        let chunkRecords = 4_096
        let chunk = UnsafeMutableRawPointer.allocate(byteCount: chunkRecords * JournalDescriptor.recordSize, alignment: 64)
        defer { chunk.deallocate() }
        var offset = JournalDescriptor.headerSize
        while true {
            let count = pread(fd, chunk, chunkRecords * JournalDescriptor.recordSize, off_t(offset))
            guard count >= 0 else { throw JournalError(description: "journal \(path): read failed: \(String(cString: strerror(errno)))") }
            let whole = count / JournalDescriptor.recordSize
            for index in 0..<whole {
                let record = chunk + index * JournalDescriptor.recordSize
                let at = offset + index * JournalDescriptor.recordSize
                let sequence = record.load(fromByteOffset: JournalDescriptor.sequenceOffset, as: UInt64.self)
                let stored = record.load(fromByteOffset: JournalDescriptor.checksumOffset, as: UInt32.self)
                let marker = record.load(fromByteOffset: JournalDescriptor.markerOffset, as: UInt32.self)
                let computed = cplatform_crc32c(record, JournalDescriptor.checksumOffset)
                if marker != JournalDescriptor.marker || stored != computed {
                    scan.damaged.append(Damage(record: scan.slots, offset: at, reason: marker != JournalDescriptor.marker ? "record marker missing" : "checksum mismatch"))
                } else if sequence != scan.slots {
                    scan.damaged.append(Damage(record: scan.slots, offset: at, reason: "sequence \(sequence) in slot \(scan.slots)"))
                } else if FrameValidator.defect(in: UnsafeRawPointer(record)) != nil {
                    scan.damaged.append(Damage(record: scan.slots, offset: at, reason: "not a valid frame"))
                } else {
                    scan.intact += 1
                    body((record.load(as: Frame.self), sequence))
                }
                scan.slots += 1
            }
            offset += whole * JournalDescriptor.recordSize
            if count < chunkRecords * JournalDescriptor.recordSize {
                scan.tornTailBytes = count - whole * JournalDescriptor.recordSize
                return scan
            }
        }
    }
}
