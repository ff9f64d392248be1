import Glibc
import IPC
import XCTest

@testable import SignalCore

/// The rules signal reads exec's output by in market time, on a real ring (the end-to-end test
/// replays both recordings through run.sh six times, once beside a CPU hog, and compares the
/// journals byte for byte).
final class ReportMergeTests: XCTestCase {
    static let latencyNs: Int64 = 5

    var ring: SegmentName!
    var exec: RingProducer!

    override func setUpWithError() throws {
        ring = try SegmentName("tickpipe.reportmerge\(getpid()).exec")
        exec = try RingProducer.create(ring, capacity: 64)
    }

    override func tearDown() {
        try? exec.unlink()
    }

    func attach() throws -> FrameSource {
        try FrameSource(.ring(ring), tool: "test", idle: .yield)
    }

    func position(_ time: Int64) -> Frame {
        Frame(
            PositionSnapshot(
                header: FrameHeader(type: .positionSnapshot, instrument: 1, receiveTimeNs: time), position: time,
                markPrice: 0,
                unrealizedPnl: 0))
    }

    func progress(_ clock: Int64) -> Frame {
        Frame(
            Control(
                header: FrameHeader(type: .control, receiveTimeNs: clock), command: .progress, senderPid: 1,
                value: clock))
    }

    /// Asks whether a market frame at `time` may go, collecting what exec's ring delivered first.
    func admits(_ time: Int64, _ merge: inout ReportMerge, _ source: inout FrameSource) -> (Bool, [Int64]) {
        var delivered: [Int64] = []
        let admitted = merge.admits(time, exec: &source) { delivered.append($0.pointee.header.receiveTimeNs) }
        return (admitted, delivered)
    }

    func testAReportReachesTheStrategyOnlyOnceItsTimePlusTheLatencyHasPassed() throws {
        var source = try attach()
        var merge = ReportMerge(latencyNs: ReportMergeTests.latencyNs, exec: source)
        for frame in [position(100), position(103), progress(110)] { XCTAssertEqual(exec.write(frame), .ok) }
        // At 105, the report of 100 is not yet due (100 + 5 is not before 105); exec's clock
        // (103, a frame it wrote) is past 100: nothing due before 105 can still come.
        var (admitted, delivered) = admits(105, &merge, &source)
        XCTAssertTrue(admitted)
        XCTAssertEqual(delivered, [])
        (admitted, delivered) = admits(106, &merge, &source)
        XCTAssertTrue(admitted)
        XCTAssertEqual(delivered, [100], "100 + 5 < 106; 103 waits in the ring")
        (admitted, delivered) = admits(109, &merge, &source)
        XCTAssertEqual(delivered, [103])
        XCTAssertEqual(merge.execProgressNs, 110, "the progress frame behind it read too")
        XCTAssertTrue(admitted)
    }

    func testAMarketFrameWaitsUntilExecsClockHasReachedItLessTheLatencyAndSignalSaysHowFarItCame() throws {
        var source = try attach()
        var merge = ReportMerge(latencyNs: ReportMergeTests.latencyNs, exec: source)
        XCTAssertEqual(exec.write(progress(100)), .ok)
        var (admitted, _) = admits(105, &merge, &source)
        XCTAssertTrue(admitted, "everything before 100 is out")
        (admitted, _) = admits(200, &merge, &source)
        XCTAssertFalse(admitted, "a report of exec's between 100 and 195 may still come")
        XCTAssertEqual(merge.waitingForNs, 200)
        // Signal has derived everything before 200; a report not yet seen is due from 105 on.
        XCTAssertEqual(merge.claim(), 104)
        XCTAssertNil(merge.claim(), "said once")
        XCTAssertEqual(exec.write(progress(150)), .ok)
        (admitted, _) = admits(200, &merge, &source)
        XCTAssertFalse(admitted)
        XCTAssertEqual(merge.claim(), 154)
        XCTAssertEqual(exec.write(progress(196)), .ok)
        (admitted, _) = admits(200, &merge, &source)
        XCTAssertTrue(admitted)
        XCTAssertNil(merge.waitingForNs)
        XCTAssertNil(merge.claim(), "nothing to say while not waiting")
        XCTAssertEqual(exec.write(progress(300)), .ok)
        (admitted, _) = admits(400, &merge, &source)
        XCTAssertEqual(merge.claim(), 304, "exec's progress plus the latency, below the market frame")
    }

    func testExecsEndAdmitsEverythingAndDeliversWhatIsLeftInOrder() throws {
        var source = try attach()
        var merge = ReportMerge(latencyNs: ReportMergeTests.latencyNs, exec: source)
        for frame in [position(100), position(200)] { XCTAssertEqual(exec.write(frame), .ok) }
        var (admitted, delivered) = admits(150, &merge, &source)
        XCTAssertEqual(delivered, [100])
        XCTAssertTrue(admitted)
        exec.close()
        (admitted, delivered) = admits(1_000, &merge, &source)
        XCTAssertEqual(delivered, [200])
        XCTAssertTrue(admitted)
        (admitted, _) = admits(10_000, &merge, &source)
        XCTAssertTrue(admitted, "exec ended: nothing more can come")
        XCTAssertTrue(merge.execEnded)
    }

    /// exec handles its first market message before signal has written anything, and may have
    /// written its progress before signal attached: the frame before the first one signal reads
    /// says where exec's clock was (without it, signal waited for exec and exec for signal).
    func testAProgressFrameWrittenBeforeSignalAttachedIsTakenFromTheRing() throws {
        XCTAssertEqual(exec.write(progress(100)), .ok)
        var source = try attach()
        var merge = ReportMerge(latencyNs: ReportMergeTests.latencyNs, exec: source)
        XCTAssertEqual(merge.execProgressNs, 100)
        XCTAssertTrue(merge.sawProgress)
        let (admitted, delivered) = admits(104, &merge, &source)
        XCTAssertTrue(admitted)
        XCTAssertEqual(delivered, [], "the frame before attaching is not delivered again")
    }
}
