import CMallocCounter
import Glibc
import IPC
import XCTest

/// Zero heap allocations per frame in steady state, counted by the malloc interposer linked
/// into this test binary. Counts are per thread, so XCTest's own threads do not disturb them.
/// `.ci/run` runs these in a release build too, which is what the tools ship as.
final class AllocationTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(
            malloc_counter_is_counting() != 0, "a sanitizer build: its runtime owns malloc, nothing is counted")
    }

    static let frames = 200_000

    func allocations(during body: () throws -> Void) rethrows -> UInt64 {
        let before = malloc_counter_thread_allocations()
        try body()
        return malloc_counter_thread_allocations() - before
    }

    final class Box { var value = 0 }

    func testCounterIsLive() {
        var boxes: [Box] = []
        boxes.reserveCapacity(100)
        let counted = allocations { for _ in 0..<100 { boxes.append(Box()) } }
        XCTAssertGreaterThanOrEqual(counted, 100, "a loop that allocates must be seen allocating")
    }

    func testRingWriteAndReadPathsDoNotAllocate() throws {
        let name = uniqueSegmentName("alloc")
        defer { removeSegment(name) }
        var producer = try RingProducer.create(name, capacity: 1024)
        var gating = try RingConsumer.attach(name, mode: .gating)
        var lossy = try RingConsumer.attach(name, mode: .lossy)
        var checksum: UInt64 = 0
        var header = FrameHeader(type: .trade)
        func run(_ count: Int) {
            for index in 0..<count {
                header.sequence = UInt64(index)
                let trade = Trade(header: header, price: Int64(index), size: 1, tradeId: UInt64(index), aggressor: .buy)
                guard producer.offer(Frame(trade)) == .ok else { return XCTFail("ring full at \(index)") }
                producer.publish()
                _ = gating.read(limit: 16) { checksum &+= $0.pointee.header.sequence }
                _ = lossy.read(limit: 16) { checksum &+= $0.pointee.as(Trade.self).tradeId }
            }
        }
        run(10_000) // warm up: first touches of the mapping, lazy runtime metadata
        let counted = allocations { run(AllocationTests.frames) }
        XCTAssertEqual(counted, 0, "allocations over \(AllocationTests.frames) frames written and read twice")
        XCTAssertGreaterThan(checksum, 0)
    }

    func testPipeWriteAndReadPathsDoNotAllocate() throws {
        let path = "/tmp/tptest-alloc-\(getpid()).frames"
        defer { unlink(path) }
        let fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0o600)
        defer { close(fd) }
        let writer = try FrameStreamWriter(fd: fd, subject: path)
        var frame = Frame(Control(header: FrameHeader(type: .control), command: .heartbeat, senderPid: getpid()))
        func write(_ count: Int) throws {
            for index in 0..<count {
                frame.header.sequence = UInt64(index)
                try writer.write(frame)
            }
            try writer.flush()
        }
        try write(10_000)
        let written = try allocations { try write(AllocationTests.frames) }
        XCTAssertEqual(written, 0)

        XCTAssertEqual(lseek(fd, 0, SEEK_SET), 0)
        let reader = FrameStreamReader(fd: fd, subject: path)
        var seen = 0
        func read(_ count: Int) throws {
            let target = seen + count
            while seen < target {
                guard case .frames = try reader.read(limit: 256, { _ in seen += 1 }) else { return }
            }
        }
        try read(10_000)
        let readCount = try allocations { try read(AllocationTests.frames) }
        XCTAssertEqual(readCount, 0)
        XCTAssertEqual(seen, 10_000 + AllocationTests.frames)
    }
}
