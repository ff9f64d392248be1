import Foundation
import Glibc
import IPC
import XCTest

final class ControlBlockTests: XCTestCase {
    func btc() throws -> Instrument {
        try Instrument(
            id: 1, symbol: "BTCUSDT", tickMantissa: 1, tickDecimals: 2, lotMantissa: 1, lotDecimals: 5,
            priceDisplayDecimals: 8, sizeDisplayDecimals: 8)
    }

    func session() throws -> SessionName {
        try SessionName("cb\(getpid())x\(UUIDCounter.next())")
    }

    func testInstrumentTableRoundTrips() throws {
        let session = try session()
        defer { removeSegment(session.controlBlock) }
        let eth = try Instrument(
            id: 2, symbol: "ETHUSDT", tickMantissa: 1, tickDecimals: 2, lotMantissa: 1,
            lotDecimals: 4, priceDisplayDecimals: 8, sizeDisplayDecimals: 8)
        _ = try ControlBlock.create(session.controlBlock, instruments: [try btc(), eth])
        let attached = try ControlBlock.attach(session.controlBlock)
        XCTAssertEqual(attached.instruments, [try btc(), eth])
    }

    /// A book's resync requests reach the feed for every instrument id, 1 and 64 included, each
    /// its own counter; ids outside 1...64 have none.
    func testResyncRequestsCountPerInstrumentIdUpTo64() throws {
        let session = try session()
        defer { removeSegment(session.controlBlock) }
        let book = try ControlBlock.create(session.controlBlock, instruments: [try btc()])
        let feed = try ControlBlock.attach(session.controlBlock)
        book.requestResync(instrument: 64)
        book.requestResync(instrument: 64)
        book.requestResync(instrument: 1)
        book.requestResync(instrument: 0)
        book.requestResync(instrument: 65)
        XCTAssertEqual(feed.resyncRequests(instrument: 64), 2)
        XCTAssertEqual(feed.resyncRequests(instrument: 1), 1)
        XCTAssertEqual(feed.resyncRequests(instrument: 2), 0)
        XCTAssertEqual(feed.resyncRequests(instrument: 0), 0)
        XCTAssertEqual(feed.resyncRequests(instrument: 65), 0)
    }

    /// exec's inventory targets, as another mapping (risk's) reads them: nil until published,
    /// then the last one, exact at the extremes of 128 bits; ids outside 1...64 have none.
    func testInventoryTargetsReachAnotherMappingExactly() throws {
        let session = try session()
        defer { removeSegment(session.controlBlock) }
        let exec = try ControlBlock.create(session.controlBlock, instruments: [try btc()])
        let risk = try ControlBlock.attach(session.controlBlock)
        XCTAssertNil(risk.inventoryTarget(instrument: 1))
        let tenBTC: Int128 = 10_000_000_000_000_000_000
        exec.publishInventoryTarget(instrument: 1, attoUnits: tenBTC)
        XCTAssertEqual(risk.inventoryTarget(instrument: 1), tenBTC)
        for extreme in [Int128.max, Int128.min, -1, 0] {
            exec.publishInventoryTarget(instrument: 64, attoUnits: extreme)
            XCTAssertEqual(risk.inventoryTarget(instrument: 64), extreme)
        }
        XCTAssertEqual(risk.inventoryTarget(instrument: 1), tenBTC, "one entry per instrument")
        exec.publishInventoryTarget(instrument: 0, attoUnits: 5)
        exec.publishInventoryTarget(instrument: 65, attoUnits: 5)
        XCTAssertNil(risk.inventoryTarget(instrument: 0))
        XCTAssertNil(risk.inventoryTarget(instrument: 65))
    }

    func testPricesAndSizesPrintExactlyInTheVenuesPrecision() throws {
        let instrument = try btc()
        XCTAssertEqual(instrument.formatPrice(6_123_401), "61234.01000000")
        XCTAssertEqual(instrument.formatSize(12_345), "0.12345000")
        XCTAssertEqual(instrument.formatPrice(-5), "-0.05000000")
        let half = try Instrument(
            id: 3, symbol: "X", tickMantissa: 5, tickDecimals: 1, lotMantissa: 1,
            lotDecimals: 0, priceDisplayDecimals: 1, sizeDisplayDecimals: 0)
        XCTAssertEqual(half.formatPrice(3), "1.5")
        XCTAssertEqual(half.formatSize(42), "42")
    }

    func testBadInstrumentsAreRefusedWithTheReason() {
        XCTAssertThrowsError(
            try Instrument(
                id: 1, symbol: "", tickMantissa: 1, tickDecimals: 2, lotMantissa: 1,
                lotDecimals: 5, priceDisplayDecimals: 8, sizeDisplayDecimals: 8)
        ) {
            XCTAssertEqual("\($0)", "instrument symbol '' must be 1 to 20 printable ASCII characters")
        }
        XCTAssertThrowsError(
            try Instrument(
                id: 1, symbol: "BTC", tickMantissa: 0, tickDecimals: 2, lotMantissa: 1,
                lotDecimals: 5, priceDisplayDecimals: 8, sizeDisplayDecimals: 8))
        XCTAssertThrowsError(
            try Instrument(
                id: 1, symbol: "BTC", tickMantissa: 1, tickDecimals: 9, lotMantissa: 1,
                lotDecimals: 5, priceDisplayDecimals: 8, sizeDisplayDecimals: 8))
    }

    func testFirstHaltWinsAndIsVisibleToOtherMappings() throws {
        let session = try session()
        defer { removeSegment(session.controlBlock) }
        let risk = try ControlBlock.create(session.controlBlock, instruments: [])
        let exec = try ControlBlock.attach(session.controlBlock)
        XCTAssertFalse(exec.isHalted)
        XCTAssertNil(exec.haltReason)
        XCTAssertTrue(risk.halt(reason: "max position 5 BTCUSDT breached"))
        XCTAssertFalse(risk.halt(reason: "second reason"))
        XCTAssertTrue(exec.isHalted)
        XCTAssertEqual(exec.haltReason, "max position 5 BTCUSDT breached")
        XCTAssertEqual(exec.haltPid, getpid())
        exec.resume()
        XCTAssertFalse(risk.isHalted)
        risk.requestFlatten()
        XCTAssertEqual(exec.flattenRequests, 1)
        // `risk resume`: a request, answered with a refusal, then without one.
        XCTAssertEqual(exec.requestResume(), 1)
        XCTAssertEqual(risk.resumeRequests, 1)
        XCTAssertEqual(exec.resumesAnswered, 0)
        risk.answerResume(upTo: 1, refusal: "max position 5 BTCUSDT breached: still breached")
        XCTAssertEqual(exec.resumesAnswered, 1)
        XCTAssertEqual(exec.resumeRefusal, "max position 5 BTCUSDT breached: still breached")
        XCTAssertEqual(exec.requestResume(), 2)
        risk.answerResume(upTo: 2, refusal: nil)
        XCTAssertNil(exec.resumeRefusal)
        XCTAssertEqual(
            ControlBlockDescriptor.length, ControlBlockDescriptor.resumeRefusalOffset + 120,
            "the resume fields end the block")
    }

    func testLongHaltReasonIsCutAtACharacterBoundary() throws {
        let session = try session()
        defer { removeSegment(session.controlBlock) }
        let block = try ControlBlock.create(session.controlBlock, instruments: [])
        block.halt(reason: String(repeating: "é", count: 100))
        XCTAssertEqual(block.haltReason, String(repeating: "é", count: 47))
    }

    func testProcessRegistryAndStatus() throws {
        let session = try session()
        let ring = try session.ring("md")
        defer {
            removeSegment(session.controlBlock)
            removeSegment(ring)
        }
        let block = try ControlBlock.create(session.controlBlock, instruments: [try btc()])
        let entry = try block.register(role: .feed, detail: "synthetic")
        block.setState(.running, entry: entry)
        var producer = try RingProducer.create(ring, capacity: 16)
        var gating = try RingConsumer.attach(ring, mode: .gating)
        let lossy = try RingConsumer.attach(ring, mode: .lossy)
        for sequence in 0..<40 {
            _ = producer.write(Frame(header: FrameHeader(type: .control, sequence: UInt64(sequence))))
        }
        _ = gating.read(limit: 10) { _ in }
        _ = lossy

        let processes = block.processes
        XCTAssertEqual(processes.count, 1)
        XCTAssertEqual(processes.first?.role, .feed)
        XCTAssertEqual(processes.first?.pid, getpid())
        XCTAssertEqual(processes.first?.state, .running)
        XCTAssertEqual(processes.first?.detail, "synthetic")

        let text = SessionStatus.render(session)
        XCTAssertTrue(
            text.contains("session \(session): control block created by pid \(getpid()) (alive); trading"), text)
        XCTAssertTrue(text.contains("instruments: 1=BTCUSDT"), text)
        XCTAssertTrue(text.contains("feed"), text)
        let lines = text.split(separator: "\n").map(String.init)
        let ringLine = try XCTUnwrap(lines.first { $0.hasPrefix(ring.value) })
        XCTAssertTrue(ringLine.contains(" 16 "), "producer position: \(ringLine)")
        let gatingLine = try XCTUnwrap(lines.first { $0.contains("#0 gating") })
        XCTAssertEqual(gatingLine.split(separator: " ").filter { !$0.isEmpty }[4...5], ["10", "6"], gatingLine)
        XCTAssertTrue(lines.contains { $0.contains("#1 lossy") }, text)
    }

    func testStatusOfANonexistentSession() throws {
        XCTAssertEqual(
            SessionStatus.render(try SessionName("nosuchsession")),
            "session nosuchsession: no segments in /dev/shm (not running)\n")
    }

    func testRegistryReclaimsEntriesOfDeadProcesses() throws {
        let session = try session()
        defer { removeSegment(session.controlBlock) }
        let block = try ControlBlock.create(session.controlBlock, instruments: [])
        for _ in 0..<16 { _ = try block.register(role: .tool) }
        XCTAssertThrowsError(try block.register(role: .tool)) {
            XCTAssertEqual(
                "\($0)", "segment \(session.controlBlock): all 16 process registry entries are taken by live processes")
        }
        block.setState(.exited, entry: 3)
        XCTAssertEqual(try block.register(role: .risk), 3)
    }

    func testSessionAndSegmentNamesAreChecked() {
        XCTAssertThrowsError(try SessionName("a.b")) {
            XCTAssertEqual("\($0)", "session name 'a.b' must be 1 to 64 letters, digits, '_' or '-'")
        }
        XCTAssertThrowsError(try SegmentName("../etc/passwd")) {
            XCTAssertEqual("\($0)", "segment name '../etc/passwd' may hold only letters, digits, '.', '_' and '-'")
        }
    }

    /// run.sh starts every stage at once, and each joins (the first creates) the session's
    /// control block: one caught creating it (made, not yet sized or signed) must wait, not call
    /// it stale (it did, rarely, in CI).
    func testStagesJoiningASessionAtOnceAllJoinIt() throws {
        for round in 0..<20 {
            let session = try SessionName("join\(getpid())x\(round)")
            defer { removeSegment(session.controlBlock) }
            let failures = Failures()
            DispatchQueue.concurrentPerform(iterations: 6) { _ in
                do { _ = try SessionMembership(session, role: .tool, detail: "joining") } catch {
                    failures.add("\(error)")
                }
            }
            XCTAssertEqual(failures.all, [], "round \(round)")
            XCTAssertEqual(try ControlBlock.attach(session.controlBlock).processes.count, 6)
        }
    }
}

/// Errors gathered from concurrent work.
final class Failures: @unchecked Sendable {
    private var list: [String] = []
    private let lock = NSLock()
    func add(_ failure: String) {
        lock.lock()
        list.append(failure)
        lock.unlock()
    }
    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return list
    }
}
