import Foundation
import Glibc
import IPC
import Synchronization
import XCTest

/// The ring's contract, driven in one process: order, back-pressure, wrap-around, lossy reads.
final class RingTests: XCTestCase {
    func frame(_ sequence: UInt64) -> Frame {
        Frame(header: FrameHeader(type: .control, sequence: sequence), payload: (sequence, ~sequence, sequence &* 3, 7))
    }

    func testGatingConsumerSeesEveryFrameInOrderAcrossEveryWrapPosition() throws {
        // Sweep batch sizes against a small ring so the wrap falls at every slot offset.
        for batch in 1...9 {
            let name = uniqueSegmentName("wrap")
            defer { removeSegment(name) }
            var producer = try RingProducer.create(name, capacity: 8)
            var consumer = try RingConsumer.attach(name, mode: .gating)
            var next: UInt64 = 0
            var expected: UInt64 = 0
            while expected < 200 {
                var written = 0
                while written < batch, producer.write(frame(next)) == .ok {
                    next += 1
                    written += 1
                }
                _ = consumer.read(limit: 3) { slot in
                    XCTAssertEqual(slot.pointee, frame(expected))
                    expected += 1
                }
            }
            XCTAssertEqual(consumer.lag, next - expected)
        }
    }

    func testTheRingNumbersFramesByPosition() throws {
        let name = uniqueSegmentName("numbers")
        defer { removeSegment(name) }
        var producer = try RingProducer.create(name, capacity: 4)
        var consumer = try RingConsumer.attach(name, mode: .gating)
        var seen: [UInt64] = []
        for _ in 0..<3 {
            for _ in 0..<3 { _ = producer.write(frame(77)) }
            _ = consumer.read(limit: 10) { seen.append($0.pointee.header.sequence) }
        }
        XCTAssertEqual(seen, Array(0..<9), "whatever sequence the writer set, the ring assigns positions")
    }

    func testAReadThatStopsLeavesTheRefusedFrameForTheNextRead() throws {
        let name = uniqueSegmentName("while")
        defer { removeSegment(name) }
        var producer = try RingProducer.create(name, capacity: 4)
        var consumer = try RingConsumer.attach(name, mode: .gating)
        for sequence in 0..<4 { XCTAssertEqual(producer.write(frame(UInt64(sequence))), .ok) }
        var seen: [UInt64] = []
        XCTAssertEqual(
            consumer.read(limit: 10, while: { $0.pointee.payload.0 < 2 }) { seen.append($0.pointee.payload.0) }, 2)
        XCTAssertEqual(seen, [0, 1])
        XCTAssertEqual(producer.write(frame(4)), .ok, "the two frames read are free")
        XCTAssertEqual(producer.write(frame(5)), .ok)
        XCTAssertEqual(producer.write(frame(6)), .full, "the refused frame is not: it is still unread")
        XCTAssertEqual(consumer.read(limit: 10, while: { _ in false }) { _ in XCTFail("refused") }, 0)
        XCTAssertEqual(consumer.read(limit: 10) { seen.append($0.pointee.payload.0) }, 4)
        XCTAssertEqual(seen, [0, 1, 2, 3, 4, 5])
    }

    func testFullRingIsAValueAndGatingConsumerHoldsTheProducerBack() throws {
        let name = uniqueSegmentName("full")
        defer { removeSegment(name) }
        var producer = try RingProducer.create(name, capacity: 4)
        var consumer = try RingConsumer.attach(name, mode: .gating)
        for sequence in 0..<4 { XCTAssertEqual(producer.write(frame(UInt64(sequence))), .ok) }
        XCTAssertEqual(producer.write(frame(4)), .full)
        XCTAssertEqual(producer.offer(frame(4)), .full)
        XCTAssertEqual(consumer.read(limit: 1) { XCTAssertEqual($0.pointee.header.sequence, 0) }, 1)
        XCTAssertEqual(producer.write(frame(4)), .ok)
        XCTAssertEqual(producer.write(frame(5)), .full)
    }

    func testWithoutGatingConsumersTheProducerNeverBlocks() throws {
        let name = uniqueSegmentName("nogate")
        defer { removeSegment(name) }
        var producer = try RingProducer.create(name, capacity: 4)
        var lossy = try RingConsumer.attach(name, mode: .lossy)
        for sequence in 0..<100 { XCTAssertEqual(producer.write(frame(UInt64(sequence))), .ok) }
        var seen: [UInt64] = []
        _ = lossy.read(limit: 100) { seen.append($0.pointee.header.sequence) }
        XCTAssertEqual(seen, [96, 97, 98, 99], "a lapped lossy reader resumes at the oldest intact frame")
        XCTAssertEqual(lossy.drops, 96)
    }

    func testALossyReaderOneRingBehindAWriteInProgressSkipsThatFrame() throws {
        // The producer publishes 0...3, then starts writing 4 into 0's slot and stops there (as
        // when it is killed mid-write): frame 0 is gone, 1...3 are intact and must be read; a
        // reader that waited for slot 0 would wait forever with frames still to read.
        let name = uniqueSegmentName("midwrite")
        defer { removeSegment(name) }
        var producer = try RingProducer.create(name, capacity: 4)
        var lossy = try RingConsumer.attach(name, mode: .lossy)
        for sequence in 0..<4 { XCTAssertEqual(producer.write(frame(UInt64(sequence))), .ok) }
        XCTAssertEqual(producer.offer(frame(4)), .ok)
        var seen: [UInt64] = []
        _ = lossy.read(limit: 10) { seen.append($0.pointee.header.sequence) }
        XCTAssertEqual(seen, [1, 2, 3])
        XCTAssertEqual(lossy.drops, 1)
        XCTAssertEqual(lossy.lag, 0, "nothing left that could be read")
    }

    func testBatchOfferPublishesAllAtOnce() throws {
        let name = uniqueSegmentName("batch")
        defer { removeSegment(name) }
        var producer = try RingProducer.create(name, capacity: 16)
        var consumer = try RingConsumer.attach(name, mode: .gating)
        for sequence in 0..<5 { XCTAssertEqual(producer.offer(frame(UInt64(sequence))), .ok) }
        XCTAssertEqual(consumer.read(limit: 10) { _ in }, 0, "offered frames are invisible until publish")
        producer.publish()
        XCTAssertEqual(consumer.read(limit: 10) { _ in }, 5)
    }

    func testLateConsumerStartsAtTheNextFrame() throws {
        let name = uniqueSegmentName("late")
        defer { removeSegment(name) }
        var producer = try RingProducer.create(name, capacity: 8)
        for sequence in 0..<5 { _ = producer.write(frame(UInt64(sequence))) }
        var late = try RingConsumer.attach(name, mode: .gating)
        XCTAssertEqual(late.position, 5)
        _ = producer.write(frame(5))
        var seen: [UInt64] = []
        _ = late.read(limit: 10) { seen.append($0.pointee.header.sequence) }
        XCTAssertEqual(seen, [5])
    }

    func testDetachedConsumerNoLongerGates() throws {
        let name = uniqueSegmentName("detach")
        defer { removeSegment(name) }
        var producer = try RingProducer.create(name, capacity: 2)
        let consumer = try RingConsumer.attach(name, mode: .gating)
        _ = producer.write(frame(0))
        _ = producer.write(frame(1))
        XCTAssertEqual(producer.write(frame(2)), .full)
        consumer.detach()
        XCTAssertEqual(producer.write(frame(2)), .ok)
    }

    func testEndOfStreamAfterTheLastFrame() throws {
        let name = uniqueSegmentName("eos")
        defer { removeSegment(name) }
        var producer = try RingProducer.create(name, capacity: 8)
        var consumer = try RingConsumer.attach(name, mode: .gating)
        _ = producer.write(frame(0))
        producer.close()
        let now = SystemClock.monotonicNanoseconds()
        XCTAssertEqual(consumer.producerHealth(now: now, heartbeatTimeoutNs: 1_000_000_000), .alive)
        XCTAssertEqual(consumer.read(limit: 10) { _ in }, 1)
        XCTAssertEqual(consumer.producerHealth(now: now, heartbeatTimeoutNs: 1_000_000_000), .endOfStream)
    }

    func testSilentProducerIsReported() throws {
        let name = uniqueSegmentName("silent")
        defer { removeSegment(name) }
        let producer = try RingProducer.create(name, capacity: 8)
        let consumer = try RingConsumer.attach(name, mode: .gating)
        producer.heartbeat(now: 0)
        let health = consumer.producerHealth(now: 5_000_000_000, heartbeatTimeoutNs: 1_000_000_000)
        XCTAssertEqual(health, .silent(pid: getpid(), forNs: 5_000_000_000))
    }

    func testConsumerRecordsRunOut() throws {
        let name = uniqueSegmentName("records")
        defer { removeSegment(name) }
        let producer = try RingProducer.create(name, capacity: 8, maxConsumers: 2)
        _ = producer
        let first = try RingConsumer.attach(name, mode: .gating)
        let second = try RingConsumer.attach(name, mode: .lossy)
        XCTAssertThrowsError(try RingConsumer.attach(name, mode: .lossy)) { error in
            XCTAssertEqual("\(error)", "segment \(name): all 2 consumer records are taken")
        }
        second.detach()
        XCTAssertNoThrow(try RingConsumer.attach(name, mode: .lossy))
        _ = first
    }

    func testBlockingConsumerIsWokenByTheProducerThread() throws {
        let name = uniqueSegmentName("block")
        defer { removeSegment(name) }
        let producer = try RingProducer.create(name, capacity: 64)
        var consumer = try RingConsumer.attach(name, mode: .gating, blocking: true)
        let thread = Thread {
            var writer = producer
            usleep(20_000)
            for sequence in 0..<10 {
                _ = writer.write(Frame(header: FrameHeader(type: .control, sequence: UInt64(sequence))))
            }
        }
        thread.start()
        var received = 0
        let start = SystemClock.monotonicNanoseconds()
        while received < 10 {
            received += consumer.read(limit: 10) { _ in }
            if received < 10 { consumer.awaitData(timeoutNs: 5_000_000_000) }
        }
        XCTAssertLessThan(
            SystemClock.monotonicNanoseconds() - start, 4_000_000_000, "woken by the futex, not the timeout")
    }

    func testADeferredWakeWaitsForABatchOrForWakeDeferredAndWakeAheadNeedsNoFrame() throws {
        let name = uniqueSegmentName("defer")
        defer { removeSegment(name) }
        var producer = try RingProducer.create(name, capacity: 4_096)
        var consumer = try RingConsumer.attach(name, mode: .gating, blocking: true)

        // Fewer frames than a batch: visible, but the sleeper sleeps on until told.
        let first = try Sleeper(on: consumer)
        XCTAssertEqual(producer.offer(frame(0)), .ok)
        producer.publishDeferringWake()
        usleep(100_000)
        XCTAssertFalse(first.isAwake, "woken before a batch or wakeDeferred()")
        producer.wakeDeferred()
        XCTAssertTrue(first.awaitWaking(), "wakeDeferred() did not wake the sleeper")

        // A whole batch wakes it without being told (counted from the last wake).
        XCTAssertEqual(consumer.read(limit: 10) { _ in }, 1)
        let second = try Sleeper(on: consumer)
        for sequence in 1..<RingProducer.deferredWakeFrames {
            XCTAssertEqual(producer.offer(frame(sequence)), .ok)
            producer.publishDeferringWake()
        }
        usleep(100_000)
        XCTAssertFalse(second.isAwake, "woken one frame short of a batch")
        XCTAssertEqual(producer.offer(frame(RingProducer.deferredWakeFrames)), .ok)
        producer.publishDeferringWake()
        XCTAssertTrue(second.awaitWaking(), "a whole batch did not wake the sleeper")

        // Woken ahead of any frame.
        XCTAssertEqual(consumer.read(limit: 2_000) { _ in }, Int(RingProducer.deferredWakeFrames))
        let third = try Sleeper(on: consumer)
        producer.wakeAhead()
        XCTAssertTrue(third.awaitWaking(), "wakeAhead() did not wake the sleeper")
    }
}

/// A thread asleep in `awaitData` on a consumer's ring (10 s at most), for tests of who wakes it.
/// `init` returns once the thread sleeps in the kernel: its state in /proc is 'S'.
private final class Sleeper: @unchecked Sendable {
    private let tid = Atomic<Int32>(0)
    private let awake = Atomic<Bool>(false)

    init(on consumer: RingConsumer) throws {
        let thread = Thread { [self] in
            // "PID/task/TID": this thread's id, which Glibc's module does not export gettid for.
            let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")) ?? ""
            tid.store(Int32(link.split(separator: "/").last ?? "") ?? -1, ordering: .releasing)
            consumer.awaitData(timeoutNs: 10_000_000_000)
            awake.store(true, ordering: .releasing)
        }
        thread.start()
        for _ in 0..<5_000 {
            let id = tid.load(ordering: .acquiring)
            XCTAssertNotEqual(id, -1, "no thread id in /proc/thread-self")
            if id > 0, let stat = try? String(contentsOfFile: "/proc/self/task/\(id)/stat", encoding: .utf8),
                let state = stat.split(separator: ")").last?.split(separator: " ").first, state == "S"
            {
                return
            }
            usleep(1_000)
        }
        XCTFail("the sleeper never went to sleep")
    }

    var isAwake: Bool { awake.load(ordering: .acquiring) }

    /// True once awake, well before its own 10 s timeout.
    func awaitWaking() -> Bool {
        for _ in 0..<5_000 where !isAwake { usleep(1_000) }
        return isAwake
    }
}
