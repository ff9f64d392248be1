import Foundation
import Glibc
import IPC
import TestSupport
import XCTest

@testable import ExecCore

/// The journal keeps every intact record through a crash mid-write and through a damaged byte,
/// says what it found, and never invents or silently drops a record.
final class JournalTests: XCTestCase {
    var path: String!

    override func setUp() {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "tickpipe-journal-\(getpid())-\(UUID().uuidString).jrnl"
            ).path
    }

    override func tearDown() { unlink(path) }

    let instrument = try! Instrument(
        id: 1, symbol: "BTCUSDT", tickMantissa: 1, tickDecimals: 2, lotMantissa: 1,
        lotDecimals: 5, priceDisplayDecimals: 8, sizeDisplayDecimals: 8)

    /// Record n: a new order with client id n; every third a fill of it.
    func frame(_ n: Int) -> Frame {
        let header = FrameHeader(type: .orderCommand, instrument: 1, receiveTimeNs: Int64(n))
        if n % 3 == 2 {
            return Frame(
                ExecutionReport(
                    header: header, report: .fill, side: .buy, clientOrderId: UInt32(n),
                    price: 6_100_000 + Int64(n), size: 1_000, fee: 7))
        }
        return Frame(
            OrderCommand(
                header: header, command: .new, side: .buy, orderType: .postOnly, timeInForce: .goodTillCancel,
                clientOrderId: UInt32(n), price: 6_100_000 + Int64(n), size: 1_000))
    }

    func writeJournal(records: Int) throws {
        let (journal, opening) = try Journal.open(path, policy: .always, appending: true)
        XCTAssertTrue(opening.created)
        try journal.append(Frame(InstrumentDefinition(instrument)))
        for n in 1..<records { try journal.append(frame(n)) }
        try journal.flush()
    }

    func readAll() throws -> (frames: [Frame], scan: Journal.Scan) {
        var frames: [Frame] = []
        let scan = try Journal.read(path) { frame, _ in frames.append(frame) }
        return (frames, scan)
    }

    func testRecordsSurviveReopeningAndAppendingContinuesTheSequence() throws {
        try writeJournal(records: 10)
        let (journal, opening) = try Journal.open(path, policy: .batch, appending: true)
        XCTAssertEqual(opening, Journal.Opening(intactRecords: 10, damaged: [], tornTailBytes: 0, created: false))
        XCTAssertEqual(journal.nextSequence, 10)
        try journal.append(frame(10))
        try journal.flush()
        let all = try readAll()
        XCTAssertEqual(all.frames.count, 11)
        XCTAssertEqual(all.frames[10], frame(10))
    }

    func testABatchSyncFailureOnTheWorkerThreadIsThrownByTheWritersNextFlush() throws {
        // fdatasync on a pipe fails (EINVAL): the worker keeps the failure for the writer.
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        let page = mmap(nil, 4_096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
        defer { munmap(page, 4_096) }
        let worker = try JournalWorker(
            file: FileDescriptor(rawValue: fds[1], subject: "pipe"), mapping: page, writtenBytes: 0, fileBytes: 0,
            syncInterval: 1_000_000)
        XCTAssertNil(worker.failure, "nothing written, nothing synced")
        worker.wrote(upTo: 80)
        let deadline = SystemClock.monotonicNanoseconds() + 5_000_000_000
        while worker.failure == nil && SystemClock.monotonicNanoseconds() < deadline { usleep(1_000) }
        XCTAssertEqual(worker.failure, SystemError(call: "fdatasync", subject: "pipe", errno: EINVAL))
        worker.stop()
    }

    func testEveryRecordSurvivesAllocationStepsTheWorkerAndAClose() throws {
        for policy in Journal.SyncPolicy.allCases {
            unlink(path)
            let (journal, _) = try Journal.open(path, policy: policy, appending: true, growthRecords: 100)
            for n in 0..<5_000 {
                try journal.append(frame(n))
                if n % 70 == 69 { try journal.flush() }
            }
            try journal.flush()
            try journal.close()
            let all = try readAll()
            XCTAssertEqual(all.frames, (0..<5_000).map(frame), "\(policy)")
            XCTAssertEqual(all.scan.damaged, [], "\(policy)")
            XCTAssertEqual(
                fileSize(), JournalDescriptor.headerSize + 5_000 * JournalDescriptor.recordSize,
                "\(policy): closed, the file ends at its last record")
        }
    }

    func testRecordsWrittenWhileTheWorkerSyncsAreKept() throws {
        // Batch syncs every 100 ms: over ~0.5 s the worker unmaps the pages written since its
        // last sync, syncs, and maps those ahead in again, while records keep going in (into
        // pages it has just unmapped, some of them).
        let (journal, _) = try Journal.open(path, policy: .batch, appending: true, growthRecords: 2_000)
        var n = 0
        let end = SystemClock.monotonicNanoseconds() + 500_000_000
        while SystemClock.monotonicNanoseconds() < end {
            for _ in 0..<400 {
                try journal.append(frame(n))
                n += 1
            }
            try journal.flush()
            usleep(2_000)
        }
        try journal.close()
        let all = try readAll()
        XCTAssertGreaterThan(n, 10_000, "records across several syncs")
        XCTAssertEqual(all.frames.count, n)
        XCTAssertEqual(all.frames, (0..<n).map(frame))
        XCTAssertEqual(all.scan.damaged, [])
    }

    func testWithoutSyncTheFirstAllocationStepIsMappedInAtOpen() throws {
        // 200,000 records: 16 MB, twice the worker's lead. Unsynced, all of it is in memory
        // before the first record (synced, only what the worker maps in ahead of the writer).
        for policy in [Journal.SyncPolicy.none, .batch] {
            unlink(path)
            let (journal, _) = try Journal.open(path, policy: policy, appending: true, growthRecords: 200_000)
            let length = fileSize()
            XCTAssertEqual(length, JournalDescriptor.recordOffset(200_000))
            let fd = open(path, O_RDONLY)
            let view = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0)!
            defer {
                munmap(view, length)
                close(fd)
            }
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            var resident = [UInt8](repeating: 0, count: (length + page - 1) / page)
            XCTAssertEqual(mincore(view, length, &resident), 0)
            if policy == .none {
                XCTAssertEqual(
                    resident.suffix(16).map { $0 & 1 }, Array(repeating: 1, count: 16),
                    "the step's last pages are in memory at open")
            }
            try journal.append(frame(0))
            try journal.close()
            XCTAssertEqual(try readAll().frames, [frame(0)], "\(policy)")
            XCTAssertEqual(fileSize(), JournalDescriptor.recordOffset(1), "\(policy): cut back to its last record")
        }
    }

    func fileSize() -> Int {
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0)
        return Int(info.st_size)
    }

    func testSpaceAllocatedAndNeverWrittenIsCutNotReported() throws {
        // What a crash leaves: records, then zeros up to where the file was allocated.
        try writeJournal(records: 10)
        let fd = open(path, O_WRONLY)
        XCTAssertEqual(ftruncate(fd, off_t(fileSize() + 7 * JournalDescriptor.recordSize)), 0)
        close(fd)
        XCTAssertEqual(try readAll().frames.count, 10)
        XCTAssertEqual(try readAll().scan.unusedTailBytes, 7 * JournalDescriptor.recordSize)
        let (journal, opening) = try Journal.open(path, policy: .none, appending: true)
        XCTAssertEqual(
            opening,
            Journal.Opening(
                intactRecords: 10, damaged: [], tornTailBytes: 0,
                unusedTailBytes: 7 * JournalDescriptor.recordSize, created: false))
        XCTAssertEqual(journal.nextSequence, 10, "the next record follows the last written one")
        try journal.append(frame(10))
        try journal.close()
        XCTAssertEqual(try readAll().frames.count, 11)
        XCTAssertEqual(try readAll().scan.unusedTailBytes, 0)
    }

    func testZeroedRecordsWithWrittenOnesAfterThemAreDamage() throws {
        try writeJournal(records: 10)
        let fd = open(path, O_WRONLY)
        let zeros = [UInt8](repeating: 0, count: 2 * JournalDescriptor.recordSize)
        let at = JournalDescriptor.headerSize + 3 * JournalDescriptor.recordSize
        XCTAssertEqual(zeros.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(at)) }, zeros.count)
        close(fd)
        let all = try readAll()
        XCTAssertEqual(all.frames.count, 8)
        XCTAssertEqual(
            all.scan.damaged.map(\.description),
            [
                "bytes \(at)..<\(at + 160) (160 bytes, from record 3 on): zeroed, with written records after it; "
                    + "read on from the next intact record"
            ])
        XCTAssertEqual(all.scan.unusedTailBytes, 0)
    }

    func testTornTailIsCutAndEveryWholeRecordKept() throws {
        try writeJournal(records: 10)
        // A crash mid-write: the last record only half there.
        let size = JournalDescriptor.headerSize + 10 * JournalDescriptor.recordSize
        XCTAssertEqual(truncate(path, off_t(size - 30)), 0)
        let before = try readAll()
        XCTAssertEqual(before.frames.count, 9)
        XCTAssertEqual(before.scan.tornTailBytes, JournalDescriptor.recordSize - 30)
        let (journal, opening) = try Journal.open(path, policy: .always, appending: true)
        XCTAssertEqual(opening.intactRecords, 9)
        XCTAssertEqual(opening.tornTailBytes, 50)
        XCTAssertEqual(journal.nextSequence, 9, "the torn record's slot is reused, nothing is invented")
        try journal.append(frame(9))
        try journal.flush()
        let after = try readAll()
        XCTAssertEqual(after.frames.count, 10)
        XCTAssertEqual(after.scan.tornTailBytes, 0)
        XCTAssertEqual(after.frames[9], frame(9))
    }

    func testFlippedByteIsReportedAndTheOtherRecordsKept() throws {
        try writeJournal(records: 10)
        // Flip one byte inside record 4's frame.
        let fd = open(path, O_RDWR)
        let offset = off_t(JournalDescriptor.headerSize + 4 * JournalDescriptor.recordSize + 40)
        var byte: UInt8 = 0
        XCTAssertEqual(pread(fd, &byte, 1, offset), 1)
        byte ^= 0xFF
        XCTAssertEqual(pwrite(fd, &byte, 1, offset), 1)
        close(fd)
        let all = try readAll()
        XCTAssertEqual(all.frames.count, 9)
        XCTAssertEqual(
            all.scan.damaged,
            [
                Journal.Damage(
                    record: 4, offset: JournalDescriptor.headerSize + 4 * JournalDescriptor.recordSize,
                    reason: "checksum mismatch")
            ])
        XCTAssertEqual(all.frames[4], frame(5), "the records after the damage are all there")
        let (journal, opening) = try Journal.open(path, policy: .none, appending: true)
        XCTAssertEqual(opening.damaged.count, 1)
        XCTAssertEqual(journal.nextSequence, 10, "the damaged record keeps its slot")
    }

    /// A record cut out or one inserted, even a few bytes, used to make every later record
    /// unreadable: reading resynchronises on the next intact record and names the damage.
    func testReadingResynchronisesAfterBytesInsertedOrRemoved() throws {
        try writeJournal(records: 900)
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        let record = JournalDescriptor.recordSize
        let header = JournalDescriptor.headerSize
        func reread(_ data: Data) throws -> (frames: [Frame], scan: Journal.Scan) {
            try data.write(to: URL(fileURLWithPath: path))
            return try readAll()
        }
        // One whole record removed: every other kept, the gap in the sequence named.
        var removed = original
        removed.removeSubrange((header + 100 * record)..<(header + 101 * record))
        var result = try reread(removed)
        XCTAssertEqual(result.frames.count, 899)
        XCTAssertEqual(
            result.scan.damaged.map(\.description), ["before byte \(header + 100 * record): records 100 to 100 missing"]
        )
        // A copy of an earlier record inserted: skipped as out of place, every record kept.
        var inserted = original
        inserted.insert(contentsOf: original[(header + 3 * record)..<(header + 4 * record)], at: header + 500 * record)
        result = try reread(inserted)
        XCTAssertEqual(result.frames.count, 900)
        XCTAssertEqual(
            result.scan.damaged.map(\.description),
            ["record 500 at byte \(header + 500 * record): sequence 3 out of place"])
        // Seven stray bytes in the middle and 13 cut from a record: only the record they hit is lost.
        var shifted = original
        shifted.insert(contentsOf: [1, 2, 3, 4, 5, 6, 7], at: header + 200 * record + 10)
        shifted.removeSubrange((header + 600 * record + 20)..<(header + 600 * record + 33))
        result = try reread(shifted)
        XCTAssertEqual(result.frames.count, 898, "records 200 and 600 damaged, the 777 after them intact")
        XCTAssertEqual(result.scan.damaged.count, 2)
        XCTAssertEqual(result.frames.last, frame(899))
        XCTAssertEqual(result.scan.tornTailBytes, 0)
        // Appending to it continues after the last record with the next sequence.
        let (journal, opening) = try Journal.open(path, policy: .none, appending: true)
        XCTAssertEqual(opening.intactRecords, 898)
        XCTAssertEqual(journal.nextSequence, 900)
        try journal.append(frame(900))
        try journal.close()
        XCTAssertEqual(try readAll().frames.last, frame(900))
        XCTAssertEqual(try readAll().frames.count, 899)
    }

    /// Opening a journal that holds records without `appending` refuses it and leaves it as it
    /// was: a run never mixes its records into another's.
    func testAnotherRunsJournalIsRefusedUnlessAppending() throws {
        try writeJournal(records: 5)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Journal.open(path, policy: .none, appending: false)) { error in
            XCTAssertTrue("\(error)".contains("already holds 5 records of an earlier run"), "\(error)")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600, "a journal is its owner's only")
    }

    /// A directory, a FIFO or a missing file named as a journal is said to be one, at once: bad
    /// input (exit 1), and no CSV header printed for a journal that was never read.
    func testADirectoryAFIFOOrNoFileIsNotAJournal() throws {
        let fifo = path + ".fifo"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        defer { unlink(fifo) }
        for (file, message) in [
            (
                FileManager.default.temporaryDirectory.path,
                "journal \(FileManager.default.temporaryDirectory.path): a "
                    + "directory, not a journal"
            ),
            (fifo, "journal \(fifo): not a regular file, not a journal"),
            (path + ".absent", "journal: open(\(path!).absent) failed: No such file or directory (errno 2)")
        ] {
            for command in ["journal", "report"] {
                let run = try ChildProcess("exec", [command, file]).finish(timeout: 10)
                XCTAssertEqual(run.status, 1, run.err)
                XCTAssertEqual(run.err, "exec: \(message)\n")
                XCTAssertEqual(run.out, "", "\(command) \(file)")
            }
        }
    }

    /// Records hold frames: the journal's version moves with the frame layout's.
    func testTheJournalVersionFollowsTheFrameLayout() {
        XCTAssertEqual(
            JournalDescriptor.frameLayoutVersion, FrameLayout.version,
            "FrameLayout.version moved: bump JournalDescriptor.layoutVersion and frameLayoutVersion with it")
    }

    func testAFileThatIsNotAJournalIsRefusedAndLeftAlone() throws {
        try "not a journal at all, but someone's notes\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Journal.open(path, policy: .always, appending: true)) { error in
            XCTAssertTrue(
                "\(error)".hasSuffix("not a tickpipe journal (wrong magic); refusing to touch it"), "\(error)")
        }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "not a journal at all, but someone's notes\n")
    }

    func testExecPrintsTheJournalAsCSVAndReportsDamage() throws {
        try writeJournal(records: 4)
        let clean = try ChildProcess("exec", ["journal", path]).finish()
        XCTAssertEqual(clean.status, 0, clean.err)
        XCTAssertEqual(
            clean.out.split(separator: "\n").map(String.init),
            [
                JournalCSV.header,
                "1,orderCommand,BTCUSDT,0.01,0.00001,1,0,new,buy,postOnly,goodTillCancel,1,0,,61000.01000000,"
                    + "6100001,0.01000000,1000,,,,,,,,,,",
                "2,executionReport,BTCUSDT,0.01,0.00001,2,0,fill,buy,,,2,,none,61000.02000000,6100002,"
                    + "0.01000000,1000,0.0000007,7,,,,,,,,",
                "3,orderCommand,BTCUSDT,0.01,0.00001,3,0,new,buy,postOnly,goodTillCancel,3,0,,61000.03000000,"
                    + "6100003,0.01000000,1000,,,,,,,,,,"
            ])
        XCTAssertEqual(truncate(path, off_t(JournalDescriptor.headerSize + 3 * JournalDescriptor.recordSize + 10)), 0)
        let torn = try ChildProcess("exec", ["journal", path]).finish()
        XCTAssertEqual(torn.status, 1)
        XCTAssertEqual(torn.out.split(separator: "\n").count, 3)
        XCTAssertEqual(
            torn.err, "exec: journal \(path!): torn tail: the last 10 bytes are a partial record (a crash mid-write)\n")
    }
}
