import Foundation
import Glibc
import IPC
import TestSupport
import XCTest

/// Real producer and consumer processes (Tests/RingPeer) on one ring, every sequence number
/// checked by the consumers, and every frame's payload checked against its sequence.
final class MultiProcessRingTests: XCTestCase {
    struct Summary {
        var first: UInt64, last: UInt64, frames: UInt64, gaps: UInt64, drops: UInt64

        init(_ line: String, file: StaticString = #filePath, line number: UInt = #line) throws {
            var fields: [String: UInt64] = [:]
            for part in line.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
                let pair = part.split(separator: "=")
                if pair.count == 2, let value = UInt64(pair[1]) { fields[String(pair[0])] = value }
            }
            guard let first = fields["first"], let last = fields["last"], let frames = fields["frames"],
                let gaps = fields["gaps"], let drops = fields["drops"]
            else {
                throw Unparseable(line: line)
            }
            (self.first, self.last, self.frames, self.gaps, self.drops) = (first, last, frames, gaps, drops)
        }
    }

    struct Unparseable: Error { var line: String }

    func name(_ label: String) -> String { "tpstress.\(getpid()).\(label)" }

    func waitForSegment(_ name: String) {
        for _ in 0..<5_000 where access("/dev/shm/\(name)", F_OK) != 0 { usleep(1_000) }
    }

    func testTenMillionFramesReachGatingLossyAndLateConsumersInOrder() throws {
        let ring = name("ten-million")
        defer { unlink("/dev/shm/\(ring)") }
        let total: UInt64 = 10_000_000
        // 4096 slots: the stream wraps the ring 2441 times. The producer pauses 1 ms every 50,000
        // frames so that the late consumer joins mid-stream.
        let producer = try ChildProcess(
            "RingPeer",
            [
                "produce", ring, "\(total)", "--capacity", "4096",
                "--wait-gating", "1", "--wait-lossy", "1", "--pace-every", "50000"
            ])
        waitForSegment(ring)
        let gating = try ChildProcess("RingPeer", ["consume", ring, "gating"])
        let lossy = try ChildProcess("RingPeer", ["consume", ring, "lossy"])
        usleep(100_000)
        let late = try ChildProcess("RingPeer", ["consume", ring, "gating", "--idle", "block"])

        let produced = producer.finish()
        XCTAssertEqual(produced.status, 0, produced.err)
        XCTAssertEqual(produced.out, "produced \(total)\n")

        let gatingResult = gating.finish()
        XCTAssertEqual(gatingResult.status, 0, gatingResult.err)
        let full = try Summary(gatingResult.out)
        XCTAssertEqual([full.first, full.last, full.frames, full.gaps, full.drops], [0, total - 1, total, 0, 0])

        let lateResult = late.finish()
        XCTAssertEqual(lateResult.status, 0, lateResult.err)
        let joined = try Summary(lateResult.out)
        XCTAssertGreaterThan(joined.first, 0, "the late consumer joined mid-stream")
        XCTAssertEqual(joined.last, total - 1)
        XCTAssertEqual(joined.frames, total - joined.first, "a late gating consumer misses nothing after it joins")
        XCTAssertEqual(joined.gaps, 0)

        let lossyResult = lossy.finish()
        XCTAssertEqual(lossyResult.status, 0, lossyResult.err)
        let monitor = try Summary(lossyResult.out)
        XCTAssertEqual(monitor.last, total - 1, "a lossy consumer still sees the end of the stream")
        // It attached at position 0: everything it did not see, it counted as dropped.
        XCTAssertEqual(monitor.drops, monitor.first + monitor.gaps)
        XCTAssertEqual(monitor.frames + monitor.drops, total)
    }

    func testConsumersNoticeAProducerKilledMidStream() throws {
        let ring = name("killed")
        defer { unlink("/dev/shm/\(ring)") }
        let producer = try ChildProcess(
            "RingPeer",
            [
                "produce", ring, "100000000", "--capacity", "1024",
                "--wait-gating", "1", "--wait-lossy", "1", "--pace-every", "10000"
            ])
        waitForSegment(ring)
        let gating = try ChildProcess("RingPeer", ["consume", ring, "gating", "--idle", "block"])
        let lossy = try ChildProcess("RingPeer", ["consume", ring, "lossy"])
        usleep(300_000)
        kill(producer.pid, SIGKILL)
        XCTAssertEqual(producer.finish().status, SIGKILL)
        for consumer in [gating, lossy] {
            let result = consumer.finish(timeout: 10)
            XCTAssertEqual(result.status, 3, result.err)
            XCTAssertTrue(
                result.err.hasPrefix("RingPeer: producer pid \(producer.pid) died without closing the stream after "),
                result.err)
        }
    }

    func testGatingConsumerKilledIsReleasedSoTheProducerFinishes() throws {
        let ring = name("dead-consumer")
        defer { unlink("/dev/shm/\(ring)") }
        let producer = try ChildProcess(
            "RingPeer",
            [
                "produce", ring, "2000000", "--capacity", "256",
                "--wait-gating", "2", "--pace-every", "100000"
            ])
        waitForSegment(ring)
        let survivor = try ChildProcess("RingPeer", ["consume", ring, "gating"])
        let victim = try ChildProcess("RingPeer", ["consume", ring, "gating", "--stop-after", "1000000000"])
        usleep(100_000)
        kill(victim.pid, SIGSTOP) // holds the producer back...
        usleep(100_000)
        kill(victim.pid, SIGKILL) // ...until it dies and the producer releases its record
        _ = victim.finish()
        let produced = producer.finish(timeout: 60)
        XCTAssertEqual(produced.status, 0, produced.err)
        let result = survivor.finish()
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertEqual(try Summary(result.out).frames, 2_000_000)
    }
}
