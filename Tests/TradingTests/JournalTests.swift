@testable import exec
import Foundation
import Glibc
import IPC
import TestSupport
import XCTest

/// The journal keeps every intact record through a crash mid-write and through a damaged byte,
/// says what it found, and never invents or silently drops a record.
final class JournalTests: XCTestCase {
    var path: String!

    override func setUp() {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-journal-\(getpid())-\(UUID().uuidString).jrnl").path
    }

    override func tearDown() { unlink(path) }

    let instrument = try! Instrument(id: 1, symbol: "BTCUSDT", tickMantissa: 1, tickDecimals: 2, lotMantissa: 1,
                                     lotDecimals: 5, priceDisplayDecimals: 8, sizeDisplayDecimals: 8)

    /// Record n: a new order with client id n; every third a fill of it.
    func frame(_ n: Int) -> Frame {
        let header = FrameHeader(type: .orderCommand, instrument: 1, receiveTimeNs: Int64(n))
        if n % 3 == 2 {
            return Frame(ExecutionReport(header: header, report: .fill, side: .buy, clientOrderId: UInt32(n),
                                         price: 6_100_000 + Int64(n), size: 1_000, fee: 7))
        }
        return Frame(OrderCommand(header: header, command: .new, side: .buy, orderType: .postOnly, timeInForce: .goodTillCancel,
                                  clientOrderId: UInt32(n), price: 6_100_000 + Int64(n), size: 1_000))
    }

    func writeJournal(records: Int) throws {
        let (journal, opening) = try Journal.open(path, policy: .always)
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
        let (journal, opening) = try Journal.open(path, policy: .batch)
        XCTAssertEqual(opening, Journal.Opening(intactRecords: 10, damaged: [], tornTailBytes: 0, created: false))
        XCTAssertEqual(journal.nextSequence, 10)
        try journal.append(frame(10))
        try journal.flush()
        let all = try readAll()
        XCTAssertEqual(all.frames.count, 11)
        XCTAssertEqual(all.frames[10], frame(10))
    }

    func testABatchSyncFailureOnTheSyncerThreadIsThrownByTheWritersNextFlush() throws {
        // fdatasync on a pipe fails (EINVAL): the syncer keeps the failure for the writer.
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        defer { close(fds[0]); close(fds[1]) }
        let syncer = try JournalSyncer(fd: fds[1], interval: 1_000_000)
        XCTAssertNil(syncer.failure, "nothing written, nothing synced")
        syncer.wrote(upTo: 1)
        let deadline = SystemClock.monotonicNanoseconds() + 5_000_000_000
        while syncer.failure == nil && SystemClock.monotonicNanoseconds() < deadline { usleep(1_000) }
        XCTAssertEqual(syncer.failure, EINVAL)
        syncer.stop()
    }

    func testABatchJournalKeepsEveryRecordThroughItsSyncerAndAClose() throws {
        do {
            let (journal, _) = try Journal.open(path, policy: .batch)
            for n in 0..<5_000 {
                try journal.append(frame(n))
                if n % 100 == 99 { try journal.flush() }
            }
        } // deinit: the last flush, the syncer's last sync and its thread joined
        let all = try readAll()
        XCTAssertEqual(all.frames, (0..<5_000).map(frame))
        XCTAssertEqual(all.scan.damaged, [])
    }

    func testTornTailIsCutAndEveryWholeRecordKept() throws {
        try writeJournal(records: 10)
        // A crash mid-write: the last record only half there.
        let size = JournalDescriptor.headerSize + 10 * JournalDescriptor.recordSize
        XCTAssertEqual(truncate(path, off_t(size - 30)), 0)
        let before = try readAll()
        XCTAssertEqual(before.frames.count, 9)
        XCTAssertEqual(before.scan.tornTailBytes, JournalDescriptor.recordSize - 30)
        let (journal, opening) = try Journal.open(path, policy: .always)
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
        XCTAssertEqual(all.scan.damaged, [Journal.Damage(record: 4, offset: JournalDescriptor.headerSize + 4 * JournalDescriptor.recordSize,
                                                         reason: "checksum mismatch")])
        XCTAssertEqual(all.frames[4], frame(5), "the records after the damage are all there")
        let (journal, opening) = try Journal.open(path, policy: .none)
        XCTAssertEqual(opening.damaged.count, 1)
        XCTAssertEqual(journal.nextSequence, 10, "the damaged record keeps its slot")
    }

    func testAFileThatIsNotAJournalIsRefusedAndLeftAlone() throws {
        try "not a journal at all, but someone's notes\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Journal.open(path, policy: .always)) { error in
            XCTAssertTrue("\(error)".hasSuffix("not a tickpipe journal (wrong magic); refusing to touch it"), "\(error)")
        }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "not a journal at all, but someone's notes\n")
    }

    func testExecPrintsTheJournalAsCSVAndReportsDamage() throws {
        try writeJournal(records: 4)
        let clean = try ChildProcess("exec", ["journal", path]).finish()
        XCTAssertEqual(clean.status, 0, clean.err)
        XCTAssertEqual(clean.out.split(separator: "\n").map(String.init), [
            JournalCSV.header,
            "1,orderCommand,BTCUSDT,1,0,new,buy,postOnly,goodTillCancel,1,0,,61000.01000000,0.01000000,,,,,",
            "2,executionReport,BTCUSDT,2,0,fill,buy,,,2,,none,61000.02000000,0.01000000,7,,,,",
            "3,orderCommand,BTCUSDT,3,0,new,buy,postOnly,goodTillCancel,3,0,,61000.03000000,0.01000000,,,,,",
        ])
        XCTAssertEqual(truncate(path, off_t(JournalDescriptor.headerSize + 3 * JournalDescriptor.recordSize + 10)), 0)
        let torn = try ChildProcess("exec", ["journal", path]).finish()
        XCTAssertEqual(torn.status, 1)
        XCTAssertEqual(torn.out.split(separator: "\n").count, 3)
        XCTAssertEqual(torn.err, "exec: journal \(path!): torn tail: the last 10 bytes are a partial record (a crash mid-write)\n")
    }
}
