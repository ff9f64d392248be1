import CPlatform
import Glibc
import IPC

/// exec's journal: every order command, execution report and position snapshot, appended as a
/// checksummed record (`JournalDescriptor`), so positions and PnL can be rebuilt from it and
/// nothing that was journaled is lost.
///
/// The file is mapped (`MAP_SHARED`) and a record is written straight into the page cache as it
/// is appended: it survives a crash of exec from that moment, with no system call per record.
/// The file is allocated ahead in steps of `growthRecords` (`posix_fallocate`: a full disk is
/// an error then, not a fault later) and cut back to its last record when it closes; a crash
/// leaves the allocated rest as zeros, which opening recognizes and cuts. A `JournalWorker`
/// thread maps the pages in ahead of the writer and, for `SyncPolicy.batch`, syncs.
/// `SyncPolicy` says when records are forced to disk: never by us (`none`), at the end of every
/// duty cycle before its output goes on (`always`), or every `batchIntervalNs` (`batch`).
final class Journal {
    enum SyncPolicy: String, CaseIterable { case none, batch, always }

    struct Damage: Equatable, CustomStringConvertible {
        var record: UInt64
        var offset: Int
        var reason: String
        var description: String { "record \(record) at byte \(offset): \(reason)" }
    }

    /// What opening found: intact records, damaged ones (skipped, left in place), a torn tail
    /// (cut off: a crash mid-write) and space allocated but never written (cut off: a crash
    /// before the journal was closed).
    struct Opening: Equatable {
        var intactRecords: UInt64 = 0
        var damaged: [Damage] = []
        var tornTailBytes = 0
        var unusedTailBytes = 0
        var created = false
    }

    struct JournalError: Error, CustomStringConvertible {
        let description: String
    }

    let path: String
    let policy: SyncPolicy
    private let fd: Int32
    /// The file mapped over `addressSpaceBytes`; only its first `fileBytes` are backed.
    private let mapping: UnsafeMutableRawPointer
    static let addressSpaceBytes = 1 << 36
    private let growthBytes: Int
    @exclusivity(unchecked) private var fileBytes: Int
    /// The sequence the next record gets: the number of record slots in the file.
    @exclusivity(unchecked) private(set) var nextSequence: UInt64
    @exclusivity(unchecked) private var flushedSequence: UInt64
    /// Where the worker is woken next, to map pages in past the writer.
    @exclusivity(unchecked) private var nextWakeBytes: Int
    private let worker: JournalWorker
    private var isClosed = false
    static let batchIntervalNs: Int64 = 100_000_000
    /// Records allocated at a time: 62.5 MiB.
    static let growthRecords = 819_200

    private var endBytes: Int { JournalDescriptor.recordOffset(nextSequence) }

    private init(path: String, fd: Int32, policy: SyncPolicy, nextSequence: UInt64, growthRecords: Int) throws(JournalError) {
        self.path = path
        self.fd = fd
        self.policy = policy
        self.nextSequence = nextSequence
        flushedSequence = nextSequence
        growthBytes = growthRecords * JournalDescriptor.recordSize
        let end = JournalDescriptor.recordOffset(nextSequence)
        nextWakeBytes = end + JournalWorker.stepBytes
        guard let base = mmap(nil, Journal.addressSpaceBytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0),
              base != MAP_FAILED else {
            Glibc.close(fd)
            throw JournalError(description: "journal \(path): mmap failed: \(String(cString: strerror(errno)))")
        }
        mapping = base
        fileBytes = end + growthBytes
        do {
            try Journal.allocate(fd, from: end, bytes: growthBytes, path: path)
            let mapped = policy == .none ? Journal.pretouch(base, from: end, to: end + growthBytes) : end
            worker = try JournalWorker(fd: fd, mapping: base, writtenBytes: end, fileBytes: end + growthBytes,
                                       mappedBytes: mapped, syncInterval: policy == .batch ? Journal.batchIntervalNs : nil)
        } catch {
            munmap(base, Journal.addressSpaceBytes)
            ftruncate(fd, off_t(end))
            Glibc.close(fd)
            throw error as? JournalError ?? JournalError(description: "journal \(path): \(error)")
        }
    }

    deinit { try? close() }

    /// Maps the file's pages from `start` to `end` in now, before any record is appended (as
    /// Aeron pre-touches its mapped files): the page-cache allocation for them (and, in a virtual
    /// machine, the host's first touch of that memory) happens at start-up, not while trading.
    /// Only with no sync of ours (`none`): the zeros ahead of the writer are dirty pages, which a
    /// sync would write to disk and then write-protect, leaving the writer a fault per page; a
    /// synced journal has its worker map pages in just ahead of the writer instead. Returns how
    /// far the file is mapped in (`start` if the kernel refused: the worker then goes on from there).
    private static func pretouch(_ mapping: UnsafeMutableRawPointer, from start: Int, to end: Int) -> Int {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = start / page * page
        return madvise(mapping + first, end - first, MADV_POPULATE_WRITE) == 0 ? end : start
    }

    private static func allocate(_ fd: Int32, from offset: Int, bytes: Int, path: String) throws(JournalError) {
        let status = posix_fallocate(fd, off_t(offset), off_t(bytes))
        guard status == 0 else {
            throw JournalError(description: "journal \(path): cannot allocate \(bytes) more bytes at \(offset): \(String(cString: strerror(status)))")
        }
    }

    /// Opens `path` for appending, creating it if absent. An existing journal is checked record
    /// by record; a file that is not a journal of this layout is refused, never overwritten.
    static func open(_ path: String, policy: SyncPolicy, growthRecords: Int = Journal.growthRecords) throws(JournalError) -> (Journal, Opening) {
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
                Glibc.close(fd)
                throw JournalError(description: "journal \(path): cannot write its header: \(String(cString: strerror(errno)))")
            }
            opening.created = true
            return (try Journal(path: path, fd: fd, policy: policy, nextSequence: 0, growthRecords: growthRecords), opening)
        }
        let scan: Scan
        do {
            scan = try Journal.scan(fd: fd, path: path) { _ in }
        } catch {
            Glibc.close(fd)
            throw error
        }
        opening.intactRecords = scan.intact
        opening.damaged = scan.damaged
        opening.tornTailBytes = scan.tornTailBytes
        opening.unusedTailBytes = scan.unusedTailBytes
        // Cut a torn tail and unused space off, so the next record starts on a record boundary.
        let end = off_t(JournalDescriptor.recordOffset(scan.slots))
        if scan.tornTailBytes > 0 || scan.unusedTailBytes > 0 { ftruncate(fd, end) }
        return (try Journal(path: path, fd: fd, policy: policy, nextSequence: scan.slots, growthRecords: growthRecords), opening)
    }

    /// Appends one frame as a record, straight into the mapped file.
    @inline(__always)
    func append(_ frame: Frame) throws(JournalError) {
        let offset = endBytes
        if offset + JournalDescriptor.recordSize > fileBytes { try grow() }
        let record = mapping + offset
        record.storeBytes(of: frame, as: Frame.self)
        record.storeBytes(of: nextSequence, toByteOffset: JournalDescriptor.sequenceOffset, as: UInt64.self)
        let checksum = cplatform_crc32c(record, JournalDescriptor.checksumOffset)
        record.storeBytes(of: checksum, toByteOffset: JournalDescriptor.checksumOffset, as: UInt32.self)
        record.storeBytes(of: JournalDescriptor.marker, toByteOffset: JournalDescriptor.markerOffset, as: UInt32.self)
        nextSequence &+= 1
        if offset >= nextWakeBytes {
            nextWakeBytes = offset + JournalWorker.stepBytes
            worker.wrote(upTo: offset + JournalDescriptor.recordSize)
            worker.wake()
        }
    }

    private func grow() throws(JournalError) {
        guard fileBytes + growthBytes <= Journal.addressSpaceBytes else {
            throw JournalError(description: "journal \(path): full (\(Journal.addressSpaceBytes >> 30) GiB); start a new one")
        }
        try Journal.allocate(fd, from: fileBytes, bytes: growthBytes, path: path)
        fileBytes += growthBytes
        worker.allocated(upTo: fileBytes)
    }

    /// The end of a duty cycle: the records appended so far are in the page cache already; this
    /// syncs them to disk as the policy says, and reports a failed sync of the worker's.
    func flush() throws(JournalError) {
        if let code = worker.failure {
            throw JournalError(description: "journal \(path): fdatasync failed: \(String(cString: strerror(code)))")
        }
        guard nextSequence != flushedSequence else { return }
        worker.wrote(upTo: endBytes)
        if policy == .always {
            guard fdatasync(fd) == 0 else {
                throw JournalError(description: "journal \(path): fdatasync failed: \(String(cString: strerror(errno)))")
            }
        }
        flushedSequence = nextSequence
    }

    /// Stops the worker, cuts the file back to its last record, syncs it unless the policy is
    /// `none`, and closes it. Also on deinit; a crash skips it (opening cuts the rest then).
    func close() throws(JournalError) {
        guard !isClosed else { return }
        isClosed = true
        worker.stop()
        munmap(mapping, Journal.addressSpaceBytes)
        defer { Glibc.close(fd) }
        guard ftruncate(fd, off_t(endBytes)) == 0 else {
            throw JournalError(description: "journal \(path): ftruncate failed: \(String(cString: strerror(errno)))")
        }
        if policy != .none && fdatasync(fd) != 0 {
            throw JournalError(description: "journal \(path): fdatasync failed: \(String(cString: strerror(errno)))")
        }
    }

    struct Scan {
        var slots: UInt64 = 0
        var intact: UInt64 = 0
        var damaged: [Damage] = []
        var tornTailBytes = 0
        /// Whole zero records at the end: allocated ahead, never written.
        var unusedTailBytes = 0
    }

    /// Reads a journal: every intact record's frame to `body`, in order, and what is damaged.
    static func read(_ path: String, _ body: (Frame, UInt64) -> Void) throws(JournalError) -> Scan {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw JournalError(description: "journal \(path): \(String(cString: strerror(errno)))") }
        defer { Glibc.close(fd) }
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
        // Zero records seen and not yet placed: the unused tail if nothing but zeros follows,
        // damaged records (zeroed) if a written one does.
        var zeros = 0
        while true {
            let count = pread(fd, chunk, chunkRecords * JournalDescriptor.recordSize, off_t(offset))
            guard count >= 0 else { throw JournalError(description: "journal \(path): read failed: \(String(cString: strerror(errno)))") }
            let whole = count / JournalDescriptor.recordSize
            for index in 0..<whole {
                let record = chunk + index * JournalDescriptor.recordSize
                let at = offset + index * JournalDescriptor.recordSize
                if isZero(record) {
                    zeros += 1
                    continue
                }
                for zero in 0..<zeros {
                    let zeroAt = at - (zeros - zero) * JournalDescriptor.recordSize
                    scan.damaged.append(Damage(record: scan.slots, offset: zeroAt, reason: "zeroed, with written records after it"))
                    scan.slots += 1
                }
                zeros = 0
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
                scan.unusedTailBytes = zeros * JournalDescriptor.recordSize
                return scan
            }
        }
    }

    private static func isZero(_ record: UnsafeMutableRawPointer) -> Bool {
        var bits: UInt64 = 0
        for word in 0..<(JournalDescriptor.recordSize / 8) { bits |= record.load(fromByteOffset: word * 8, as: UInt64.self) }
        return bits == 0
    }
}
