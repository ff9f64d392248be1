import Glibc
import IPC
import XCTest

@testable import FeedCore

/// A capture's steps: one message each when paced (each goes out at its own time), whole
/// messages of at least `CaptureSource.unpacedStepFrames` frames at full speed; the same frames
/// either way.
final class CaptureSourceTests: XCTestCase {
    /// A capture of messages of 1 to 50 frames, each frame's trade id (or update id) its index.
    func capture(messageSizes: [Int], deltas: Bool = false) throws -> (path: String, frames: [Frame]) {
        var frames: [Frame] = []
        for size in messageSizes {
            for index in 0..<size {
                let header = FrameHeader(
                    type: .trade, flags: index == size - 1 ? .endOfMessage : [], instrument: 1,
                    receiveTimeNs: Int64(frames.count))
                let id = UInt64(frames.count)
                frames.append(
                    deltas
                        ? Frame(
                            BookDelta(header: header, side: .bid, price: 100, size: 1, updateId: id, updateIdSpan: 0))
                        : Frame(Trade(header: header, price: 100, size: 1, tradeId: id, aggressor: .buy)))
            }
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-steps-\(getpid()).frames")
            .path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let writer = try FrameStreamWriter(fd: fd, subject: path)
        for frame in frames { try writer.write(frame) }
        try writer.flush()
        close(fd)
        return (path, frames)
    }

    /// Each step's trade ids.
    func steps(_ path: String, paced: Bool) throws -> [[UInt64]] {
        let source = try CaptureSource(path: path, paced: paced)
        let batch = FrameBatch(capacity: 1 << 16)
        var steps: [[UInt64]] = []
        while true {
            batch.removeAll()
            guard case .frames(let time) = try source.next(into: batch) else { return steps }
            steps.append((0..<batch.count).map { batch[$0].as(Trade.self).tradeId })
            XCTAssertEqual(time, batch[batch.count - 1].header.receiveTimeNs, "a step's time is its last frame's")
        }
    }

    func testPacedStepsAreOneMessageAndFullSpeedStepsWholeMessages() throws {
        let sizes = (0..<400).map { [1, 7, 3, 50, 2][$0 % 5] }
        let (path, frames) = try capture(messageSizes: sizes)
        defer { unlink(path) }
        let all = frames.map { $0.as(Trade.self).tradeId }

        let paced = try steps(path, paced: true)
        XCTAssertEqual(paced.map(\.count), sizes)
        XCTAssertEqual(Array(paced.joined()), all)

        let unpaced = try steps(path, paced: false)
        XCTAssertEqual(Array(unpaced.joined()), all)
        var ends = Set<UInt64>()
        var end = 0
        for size in sizes {
            end += size
            ends.insert(UInt64(end - 1))
        }
        for (index, step) in unpaced.enumerated() {
            XCTAssertTrue(ends.contains(step.last!), "step \(index) ends mid-message")
            if index < unpaced.count - 1 {
                XCTAssertGreaterThanOrEqual(step.count, CaptureSource.unpacedStepFrames, "step \(index)")
                XCTAssertLessThan(
                    step.count, CaptureSource.unpacedStepFrames + 50,
                    "step \(index) ran past the message that filled it")
            }
        }
    }

    func testADamagedCaptureStopsAtTheDamageNamingIt() throws {
        let (path, _) = try capture(messageSizes: Array(repeating: 10, count: 100))
        defer { unlink(path) }
        let fd = open(path, O_WRONLY)
        var garbage: UInt8 = 0xEE
        XCTAssertEqual(pwrite(fd, &garbage, 1, off_t(64 * (1 + 555))), 1) // the type of frame 555
        close(fd)
        let (replayed, error) = try replayToTheError(path, paced: false)
        XCTAssertEqual(error, "feed: \(path): bad frame 555 at byte \(64 * 556): unknown message type 238")
        XCTAssertEqual(replayed, 550, "every whole message before the one holding the damage (frames 550 to 559)")
    }

    /// The frames a capture's steps hand out before the error that ends them, and the error.
    func replayToTheError(_ path: String, paced: Bool) throws -> (frames: Int, error: String?) {
        let source = try CaptureSource(path: path, paced: paced)
        let batch = FrameBatch(capacity: 1 << 16)
        var replayed = 0
        do {
            while true {
                batch.removeAll()
                guard case .frames = try source.next(into: batch) else { return (replayed, nil) }
                replayed += batch.count
            }
        } catch {
            return (replayed, "\(error)")
        }
    }

    func testACaptureThatEndsInsideAMessageStopsBeforeItNamingIt() throws {
        let (path, _) = try capture(messageSizes: Array(repeating: 10, count: 100), deltas: true)
        defer { unlink(path) }
        XCTAssertEqual(truncate(path, off_t(64 * (1 + 555))), 0) // a recorder stopped 5 frames into message 55
        for paced in [false, true] {
            let (replayed, error) = try replayToTheError(path, paced: paced)
            XCTAssertEqual(
                error,
                "feed: \(path): ends inside a message: its last 5 frames (from frame 550) "
                    + "have no end-of-message frame; not replayed")
            XCTAssertEqual(replayed, 550, "paced \(paced): every whole message, none of the half one")
        }
    }

    func testTheFeedPassesOnEveryWholeMessageBeforeTheDamageThenFails() throws {
        let (path, frames) = try capture(messageSizes: Array(repeating: 10, count: 100))
        defer { unlink(path) }
        let fd = open(path, O_WRONLY)
        var garbage: UInt8 = 0xEE
        XCTAssertEqual(pwrite(fd, &garbage, 1, off_t(64 * (1 + 555))), 1)
        close(fd)
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0) // 551 frames fit a pipe's 64 KiB: no reader needed meanwhile
        var feed = FeedAgent(
            source: try CaptureSource(path: path, paced: false), output: try FrameSink(fd: fds[1], subject: "pipe"),
            recorder: nil, speed: nil, durationSeconds: nil, idle: .block, readers: 0, membership: nil)
        let stop = AgentRunner(idle: .block).run(&feed)
        XCTAssertEqual(stop, .failure("feed: \(path): bad frame 555 at byte \(64 * 556): unknown message type 238"))
        close(fds[1])
        let reader = FrameStreamReader(fd: fds[0], subject: "pipe")
        var received: [Frame] = []
        while case .frames = try reader.read(limit: 1_024, { received.append($0.pointee) }) {}
        close(fds[0])
        XCTAssertEqual(
            received.map { $0.as(Trade.self).tradeId }, frames[..<550].map { $0.as(Trade.self).tradeId },
            "the 55 whole messages before the damaged one, flushed before the error")
    }
}
