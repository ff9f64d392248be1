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
package final class Journal {
    package enum SyncPolicy: String, CaseIterable { case none, batch, always }

    /// Bytes that are not intact records, from `offset` (`length` 0: records missing there).
    struct Damage: Equatable, CustomStringConvertible {
        /// The sequence the first record there should have had.
        var record: UInt64
        var offset: Int
        var length = JournalDescriptor.recordSize
        var reason: String
        var description: String {
            if length == JournalDescriptor.recordSize { return "record \(record) at byte \(offset): \(reason)" }
            if length == 0 { return "before byte \(offset): \(reason)" }
            return
                "bytes \(offset)..<\(offset + length) (\(length) bytes, from record \(record) on): \(reason); read "
                + "on from the next intact record"
        }
    }

    /// What opening found: intact records, damaged ones (skipped, left in place), a torn tail
    /// (cut off: a crash mid-write) and space allocated but never written (cut off: a crash
    /// before the journal was closed).
    package struct Opening: Equatable {
        var intactRecords: UInt64 = 0
        var damaged: [Damage] = []
        var tornTailBytes = 0
        var unusedTailBytes = 0
        var created = false

        /// What opening found that its owner must hear of, one line each (without the file's name).
        var findings: [String] {
            damaged.map { "\($0) (kept in place, skipped)" }
                + (tornTailBytes > 0 ? ["a torn last record (\(tornTailBytes) bytes) was cut off"] : [])
                + (unusedTailBytes > 0
                    ? [
                        "\(unusedTailBytes) bytes allocated after the last record and never written (exec stopped "
                            + "without closing it) were cut off"
                    ] : [])
        }
    }

    package struct JournalError: Error, CustomStringConvertible {
        package let description: String
        /// The file named is not what it should be (missing, not a journal, another run's):
        /// the user's input, not a failed system call.
        var isBadInput = false

        /// A system call on the journal failed: the call, the file and errno. A file that is not
        /// there is the user's input, not the system.
        init(_ error: SystemError) {
            description = "journal: \(error)"
            isBadInput = error.isMissingFile
        }

        init(description: String, isBadInput: Bool = false) {
            self.description = description
            self.isBadInput = isBadInput
        }
    }

    let path: String
    let policy: SyncPolicy
    private let file: FileDescriptor
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

    /// Where the next record goes: after the last one, which is at `recordOffset(sequence)` in a
    /// journal written in one go, and wherever a damaged journal's last intact record ended.
    @exclusivity(unchecked) private var endBytes: Int

    private init(
        path: String, file: FileDescriptor, policy: SyncPolicy, nextSequence: UInt64, endBytes end: Int,
        growthRecords: Int
    ) throws(JournalError) {
        self.path = path
        self.file = file
        self.policy = policy
        self.nextSequence = nextSequence
        flushedSequence = nextSequence
        endBytes = end
        growthBytes = growthRecords * JournalDescriptor.recordSize
        nextWakeBytes = end + JournalWorker.stepBytes
        let base: UnsafeMutableRawPointer
        do { base = try file.map(length: Journal.addressSpaceBytes, writable: true, reserve: false) } catch {
            try? file.close()
            throw JournalError(error)
        }
        mapping = base
        fileBytes = end + growthBytes
        do {
            try file.allocate(offset: end, count: growthBytes)
            let mapped = policy == .none ? Journal.pretouch(base, from: end, to: end + growthBytes) : end
            worker = try JournalWorker(
                file: file, mapping: base, writtenBytes: end, fileBytes: end + growthBytes,
                mappedBytes: mapped, syncInterval: policy == .batch ? Journal.batchIntervalNs : nil)
        } catch {
            munmap(base, Journal.addressSpaceBytes)
            try? file.resize(to: end)
            try? file.close()
            throw JournalError(error)
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

    /// Opens the journal at `path`, creating it (mode 0600) if it is new. One that already holds
    /// records is another run's unless `appending` (exec after a crash, continuing its own run):
    /// it is refused and left untouched, so no run ever mixes its records into another's.
    package static func open(
        _ path: String, policy: SyncPolicy, appending: Bool,
        growthRecords: Int = Journal.growthRecords
    ) throws(JournalError) -> (Journal, Opening) {
        let file: FileDescriptor
        do { file = try FileDescriptor.open(path, .readWrite, options: [.create], permissions: 0o600) } catch {
            throw JournalError(error)
        }
        do {
            return try open(file, path: path, policy: policy, appending: appending, growthRecords: growthRecords)
        } catch {
            try? file.close()
            throw error
        }
    }

    private static func open(
        _ file: FileDescriptor, path: String, policy: SyncPolicy, appending: Bool,
        growthRecords: Int
    ) throws(JournalError) -> (Journal, Opening) {
        var opening = Opening()
        let info: stat
        do { info = try file.status() } catch { throw JournalError(error) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw JournalError(description: "journal \(path): not a regular file", isBadInput: true)
        }
        if info.st_size == 0 {
            let header = UnsafeMutableRawPointer.allocate(byteCount: JournalDescriptor.headerSize, alignment: 8)
            defer { header.deallocate() }
            header.initializeMemory(as: UInt8.self, repeating: 0, count: JournalDescriptor.headerSize)
            header.storeBytes(of: JournalDescriptor.magic, toByteOffset: JournalDescriptor.magicOffset, as: UInt64.self)
            header.storeBytes(
                of: JournalDescriptor.layoutVersion, toByteOffset: JournalDescriptor.layoutVersionOffset,
                as: UInt16.self)
            header.storeBytes(
                of: UInt16(JournalDescriptor.recordSize), toByteOffset: JournalDescriptor.recordSizeOffset,
                as: UInt16.self)
            do { try file.writeAll(header, count: JournalDescriptor.headerSize) } catch { throw JournalError(error) }
            opening.created = true
            return (
                try Journal(
                    path: path, file: file, policy: policy, nextSequence: 0, endBytes: JournalDescriptor.headerSize,
                    growthRecords: growthRecords), opening
            )
        }
        let scan = try Journal.scan(file, path: path) { _ in }
        guard appending || (scan.intact == 0 && scan.damaged.isEmpty) else {
            throw JournalError(
                description:
                    "journal \(path) already holds \(scan.intact) records of an earlier run; a run never appends to "
                    + "another's: give a new journal (or session), or --append to continue this one",
                isBadInput: true)
        }
        opening.intactRecords = scan.intact
        opening.damaged = scan.damaged
        opening.tornTailBytes = scan.tornTailBytes
        opening.unusedTailBytes = scan.unusedTailBytes
        // Cut a torn tail and unused space off: the next record follows the last whole one.
        if scan.tornTailBytes > 0 || scan.unusedTailBytes > 0 {
            do { try file.resize(to: scan.endOffset) } catch { throw JournalError(error) }
        }
        return (
            try Journal(
                path: path, file: file, policy: policy, nextSequence: scan.nextSequence, endBytes: scan.endOffset,
                growthRecords: growthRecords), opening
        )
    }

    /// Appends one frame as a record, straight into the mapped file.
    @inline(__always)
    package func append(_ frame: Frame) throws(JournalError) {
        let offset = endBytes
        if offset + JournalDescriptor.recordSize > fileBytes { try grow() }
        let record = mapping + offset
        record.storeBytes(of: frame, as: Frame.self)
        record.storeBytes(of: nextSequence, toByteOffset: JournalDescriptor.sequenceOffset, as: UInt64.self)
        let checksum = cplatform_crc32c(record, JournalDescriptor.checksumOffset)
        record.storeBytes(of: checksum, toByteOffset: JournalDescriptor.checksumOffset, as: UInt32.self)
        record.storeBytes(of: JournalDescriptor.marker, toByteOffset: JournalDescriptor.markerOffset, as: UInt32.self)
        nextSequence &+= 1
        endBytes = offset + JournalDescriptor.recordSize
        if offset >= nextWakeBytes {
            nextWakeBytes = offset + JournalWorker.stepBytes
            worker.wrote(upTo: offset + JournalDescriptor.recordSize)
            worker.wake()
        }
    }

    private func grow() throws(JournalError) {
        guard fileBytes + growthBytes <= Journal.addressSpaceBytes else {
            throw JournalError(
                description: "journal \(path): full (\(Journal.addressSpaceBytes >> 30) GiB); start a new one")
        }
        do { try file.allocate(offset: fileBytes, count: growthBytes) } catch { throw JournalError(error) }
        fileBytes += growthBytes
        worker.allocated(upTo: fileBytes)
    }

    /// The end of a duty cycle: the records appended so far are in the page cache already; this
    /// syncs them to disk as the policy says, and reports a failed sync of the worker's.
    package func flush() throws(JournalError) {
        if let failure = worker.failure { throw JournalError(failure) }
        guard nextSequence != flushedSequence else { return }
        worker.wrote(upTo: endBytes)
        if policy == .always {
            do { try file.dataSync() } catch { throw JournalError(error) }
        }
        flushedSequence = nextSequence
    }

    /// Stops the worker, cuts the file back to its last record, syncs it unless the policy is
    /// `none`, and closes it. Also on deinit; a crash skips it (opening cuts the rest then).
    package func close() throws(JournalError) {
        guard !isClosed else { return }
        isClosed = true
        worker.stop()
        munmap(mapping, Journal.addressSpaceBytes)
        defer { try? file.close() }
        do {
            try file.resize(to: endBytes)
            if policy != .none { try file.dataSync() }
        } catch {
            throw JournalError(error)
        }
    }

    /// What reading a journal found. Records are found where they are, not only where they
    /// should be: after bytes that are not a record (a flipped byte, a record inserted or cut
    /// out, a stray write) reading resynchronises on the next intact record, one whose marker and
    /// checksum hold and whose sequence comes after the last one read.
    struct Scan {
        var intact: UInt64 = 0
        var damaged: [Damage] = []
        var tornTailBytes = 0
        /// Whole zero records at the end: allocated ahead, never written.
        var unusedTailBytes = 0
        /// The sequence after the last intact record's: the next record's.
        var nextSequence: UInt64 = 0
        /// Where the records end (a torn or unused tail starts): where the next one is written.
        var endOffset = JournalDescriptor.headerSize
    }

    /// Reads a journal: every intact record's frame to `body`, in order, and what is damaged.
    static func read(_ path: String, _ body: (Frame, UInt64) -> Void) throws(JournalError) -> Scan {
        let file: FileDescriptor
        do { file = try FileDescriptor.open(path, .readOnly, options: [.nonBlocking]) } catch {
            throw JournalError(error)
        }
        defer { try? file.close() }
        let info: stat
        do { info = try file.status() } catch { throw JournalError(error) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            let kind = info.st_mode & S_IFMT == S_IFDIR ? "a directory" : "not a regular file"
            throw JournalError(description: "journal \(path): \(kind), not a journal", isBadInput: true)
        }
        return try scan(file, path: path) { body($0.frame, $0.sequence) }
    }

    private static func scan(_ file: FileDescriptor, path: String, _ body: ((frame: Frame, sequence: UInt64)) -> Void)
        throws(JournalError) -> Scan
    {
        let header = UnsafeMutableRawPointer.allocate(byteCount: JournalDescriptor.headerSize, alignment: 8)
        defer { header.deallocate() }
        header.initializeMemory(as: UInt8.self, repeating: 0, count: JournalDescriptor.headerSize)
        let got: Int
        do { got = try file.read(into: header, count: JournalDescriptor.headerSize, atOffset: 0) } catch {
            throw JournalError(error)
        }
        let magic = header.load(fromByteOffset: JournalDescriptor.magicOffset, as: UInt64.self)
        let version = header.load(fromByteOffset: JournalDescriptor.layoutVersionOffset, as: UInt16.self)
        let recordSize = header.load(fromByteOffset: JournalDescriptor.recordSizeOffset, as: UInt16.self)
        guard got < 8 || magic == JournalDescriptor.magic else {
            throw JournalError(
                description: "journal \(path): not a tickpipe journal (wrong magic); refusing to touch it",
                isBadInput: true)
        }
        guard got == JournalDescriptor.headerSize else {
            throw JournalError(
                description:
                    "journal \(path): \(got) bytes, shorter than its \(JournalDescriptor.headerSize)-byte header",
                isBadInput: true)
        }
        guard version == JournalDescriptor.layoutVersion, Int(recordSize) == JournalDescriptor.recordSize else {
            throw JournalError(
                description:
                    "journal \(path): layout version \(version), record size \(recordSize); this build writes "
                    + "\(JournalDescriptor.layoutVersion), \(JournalDescriptor.recordSize)",
                isBadInput: true)
        }
        let size: Int
        do { size = Int(try file.status().st_size) } catch { throw JournalError(error) }
        var scan = Scan()
        guard size > JournalDescriptor.headerSize else { return scan }
        let mapped: UnsafeMutableRawPointer
        do { mapped = try file.map(length: size, writable: false) } catch { throw JournalError(error) }
        defer { munmap(mapped, size) }
        let base = UnsafeRawPointer(mapped)
        let recordBytes = JournalDescriptor.recordSize
        /// The frame at `offset`, copied out (a record found by resynchronising may be anywhere).
        func frame(at offset: Int) -> Frame {
            var frame = Frame(header: FrameHeader(type: .control))
            withUnsafeMutableBytes(of: &frame) {
                $0.copyMemory(from: UnsafeRawBufferPointer(start: base + offset, count: FrameLayout.frameSize))
            }
            return frame
        }
        func validFrame(at offset: Int) -> Bool {
            withUnsafeBytes(of: frame(at: offset)) { FrameValidator.defect(in: $0.baseAddress!) == nil }
        }
        /// The record at `offset`, if it is one: marker, checksum, a valid frame; its sequence.
        func record(at offset: Int) -> UInt64? {
            let record = base + offset
            guard
                record.loadUnaligned(fromByteOffset: JournalDescriptor.markerOffset, as: UInt32.self)
                    == JournalDescriptor.marker,
                record.loadUnaligned(fromByteOffset: JournalDescriptor.checksumOffset, as: UInt32.self)
                    == cplatform_crc32c(record, JournalDescriptor.checksumOffset),
                validFrame(at: offset)
            else { return nil }
            return record.loadUnaligned(fromByteOffset: JournalDescriptor.sequenceOffset, as: UInt64.self)
        }
        func why(_ offset: Int) -> String {
            let record = base + offset
            if isZero(record) { return "zeroed, with written records after it" }
            if record.loadUnaligned(fromByteOffset: JournalDescriptor.markerOffset, as: UInt32.self)
                != JournalDescriptor.marker
            {
                return "record marker missing"
            }
            if record.loadUnaligned(fromByteOffset: JournalDescriptor.checksumOffset, as: UInt32.self)
                != cplatform_crc32c(record, JournalDescriptor.checksumOffset)
            {
                return "checksum mismatch"
            }
            if !validFrame(at: offset) { return "not a valid frame" }
            return
                "sequence \(record.loadUnaligned(fromByteOffset: JournalDescriptor.sequenceOffset, as: UInt64.self)) o"
                + "ut of place"
        }
        var offset = JournalDescriptor.headerSize
        /// Damage was just reported: the records it held are not missing twice.
        var afterDamage = false
        while size - offset >= recordBytes {
            if let sequence = record(at: offset), sequence >= scan.nextSequence {
                if sequence > scan.nextSequence && !afterDamage {
                    scan.damaged.append(
                        Damage(
                            record: scan.nextSequence, offset: offset, length: 0,
                            reason: "records \(scan.nextSequence) to \(sequence - 1) missing"))
                }
                afterDamage = false
                body((frame(at: offset), sequence))
                scan.intact += 1
                scan.nextSequence = sequence + 1
                offset += recordBytes
                continue
            }
            // Zeros to the end (in whole records, and a zero rest): allocated, never written.
            var zeros = offset
            while size - zeros >= recordBytes && isZero(base + zeros) { zeros += recordBytes }
            if zeros > offset
                && (zeros == size || (size - zeros < recordBytes && isZero(base + zeros, count: size - zeros)))
            {
                scan.endOffset = offset
                scan.unusedTailBytes = zeros - offset
                scan.tornTailBytes = size - zeros
                return scan
            }
            // Not a record: read on to the next intact one.
            var next = offset + 1
            while size - next >= recordBytes, !(record(at: next).map { $0 >= scan.nextSequence } ?? false) { next += 1 }
            if size - next < recordBytes && size - offset < recordBytes {
                break // less than a record left: a torn tail
            }
            let end = size - next >= recordBytes ? next : size
            scan.damaged.append(
                Damage(record: scan.nextSequence, offset: offset, length: end - offset, reason: why(offset)))
            afterDamage = true
            offset = end
        }
        scan.endOffset = offset
        scan.tornTailBytes = size - offset
        return scan
    }

    private static func isZero(_ bytes: UnsafeRawPointer, count: Int = JournalDescriptor.recordSize) -> Bool {
        var bits: UInt8 = 0
        for index in 0..<count { bits |= bytes.load(fromByteOffset: index, as: UInt8.self) }
        return bits == 0
    }
}
