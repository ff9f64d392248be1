import Glibc
import IPC
import XCTest

/// Frames over a pipe: batched writes, and a clear error for every kind of bad stream.
final class PipeFramingTests: XCTestCase {
    override func setUp() { ignoreBrokenPipes }

    /// A pipe whose write end is fed `bytes` by a thread, returning the read end.
    func pipeCarrying(_ bytes: [UInt8]) -> Int32 {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let writeEnd = fds[1]
        let thread = Thread {
            bytes.withUnsafeBytes { raw in
                var done = 0
                while done < raw.count {
                    let written = write(writeEnd, raw.baseAddress! + done, raw.count - done)
                    if written <= 0 { break }
                    done += written
                }
            }
            close(writeEnd)
        }
        thread.start()
        return fds[0]
    }

    /// The bytes a FrameStreamWriter produces for `frames`.
    func streamBytes(_ frames: [Frame], batchFrames: Int = FrameStreamWriter.batchFrames) throws -> [UInt8] {
        let path = "/tmp/tptest-\(getpid())-\(UUIDCounter.next()).frames"
        defer { unlink(path) }
        let fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0o600)
        let writer = try FrameStreamWriter(fd: fd, subject: path, batchFrames: batchFrames)
        for frame in frames { try writer.write(frame) }
        try writer.flush()
        close(fd)
        let readFd = open(path, O_RDONLY)
        defer { close(readFd) }
        var bytes = [UInt8](repeating: 0, count: 64 * (frames.count + 2))
        let count = bytes.withUnsafeMutableBytes { read(readFd, $0.baseAddress, $0.count) }
        return Array(bytes[0..<count])
    }

    func frames(_ count: Int) -> [Frame] {
        (0..<count).map { index in
            Frame(
                Trade(
                    header: FrameHeader(type: .trade, instrument: 1, sequence: UInt64(index)),
                    price: Int64(index) + 1, size: 1, tradeId: UInt64(index), aggressor: .buy))
        }
    }

    func readAll(_ fd: Int32) -> (frames: [Frame], error: FrameStreamError?) {
        let reader = FrameStreamReader(fd: fd, subject: "stdin")
        var received: [Frame] = []
        defer { close(fd) }
        do {
            while true {
                if try reader.read(limit: 100, { received.append($0.pointee) }) == .endOfStream {
                    return (received, nil)
                }
            }
        } catch {
            return (received, error)
        }
    }

    func testFramesRoundTripThroughAPipe() throws {
        let sent = frames(5_000)
        let result = readAll(pipeCarrying(try streamBytes(sent)))
        XCTAssertNil(result.error)
        XCTAssertEqual(result.frames, sent)
    }

    func testOneFramePerWriteCarriesTheSameStream() throws {
        let sent = frames(10)
        XCTAssertEqual(try streamBytes(sent, batchFrames: 1).dropFirst(64), try streamBytes(sent).dropFirst(64))
    }

    func testWriterBatchesUntilFlush() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        let writer = try FrameStreamWriter(fd: fds[1])
        for frame in frames(10) { try writer.write(frame) }
        XCTAssertEqual(writer.pending, 10)
        var available: Int32 = 0
        _ = ioctl(fds[0], UInt(FIONREAD), &available)
        XCTAssertEqual(available, 64, "only the stream header has been written")
        try writer.flush()
        _ = ioctl(fds[0], UInt(FIONREAD), &available)
        XCTAssertEqual(available, 64 * 11)
    }

    func testTruncatedFrameIsReportedWithItsOffset() throws {
        let bytes = try streamBytes(frames(3))
        let result = readAll(pipeCarrying(Array(bytes.dropLast(10))))
        XCTAssertEqual(result.frames.count, 2, "whole frames before the damage are delivered")
        XCTAssertEqual(result.error, .truncated(subject: "stdin", offset: 64 * 3, have: 54, need: 64))
        XCTAssertEqual(
            "\(result.error!)", "stdin: truncated frame at byte 192: stream ended 54 bytes into a 64-byte frame")
    }

    func testGarbageOnStdinIsNotAFrameStream() {
        let result = readAll(pipeCarrying(Array("{\"stream\":\"btcusdt@trade\"}\n".utf8)))
        XCTAssertTrue(result.frames.isEmpty)
        XCTAssertEqual(
            "\(result.error!)", "stdin: not a tickpipe frame stream (first bytes '{\"stream', expected 'TPSTRM..')")
    }

    func testShortGarbageIsATruncatedHeader() {
        let result = readAll(pipeCarrying(Array("hi\n".utf8)))
        XCTAssertEqual(
            "\(result.error!)",
            "stdin: truncated stream header at byte 0: stream ended 3 bytes into a 64-byte stream header")
    }

    func testEmptyInputIsReported() {
        let result = readAll(pipeCarrying([]))
        XCTAssertEqual(result.error, .empty(subject: "stdin"))
    }

    func testWrongStreamVersionIsNamed() throws {
        var bytes = try streamBytes(frames(1))
        bytes[8] = 7
        XCTAssertEqual(readAll(pipeCarrying(bytes)).error, .wrongVersion(subject: "stdin", found: 7))
    }

    func testWrongFrameSizeIsNamed() throws {
        var bytes = try streamBytes(frames(1))
        bytes[10] = 128
        XCTAssertEqual(readAll(pipeCarrying(bytes)).error, .wrongFrameSize(subject: "stdin", found: 128))
    }

    func testGarbageFrameAfterAGoodHeaderStopsBeforeIt() throws {
        var bytes = try streamBytes(frames(3))
        bytes[64 * 2] = 0xEE // type of frame 1
        let result = readAll(pipeCarrying(bytes))
        XCTAssertEqual(result.frames.count, 1)
        XCTAssertEqual("\(result.error!)", "stdin: bad frame 1 at byte 128: unknown message type 238")
    }

    func testMissingOrRepeatedFrameIsCaughtBySequence() throws {
        let bytes = try streamBytes(frames(4))
        let repeated = Array(bytes[0..<(64 * 3)] + bytes[(64 * 2)..<(64 * 5)])
        let result = readAll(pipeCarrying(repeated))
        XCTAssertEqual(result.frames.count, 2)
        XCTAssertEqual(
            "\(result.error!)", "stdin: bad frame 2 at byte 192: sequence 1, expected 2: a frame is missing or repeated"
        )
    }

    func testPeekShowsCheckedFramesInPlaceUntilConsumed() throws {
        let sent = frames(10)
        let path = "/tmp/tptest-\(getpid())-\(UUIDCounter.next()).frames"
        defer { unlink(path) }
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(try streamBytes(sent))))
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        for reader in [
            FrameStreamReader(mapping: fd, subject: path), FrameStreamReader(fd: pipeCarrying(try streamBytes(sent)))
        ] {
            func peeked(_ limit: Int) throws -> [UInt64] {
                guard case .frames(let run) = try reader.peek(limit: limit) else { return [] }
                return run.map(\.header.sequence)
            }
            XCTAssertEqual(try peeked(3), [0, 1, 2])
            XCTAssertEqual(try peeked(2), [0, 1], "peeking again without consuming sees the same frames")
            reader.consume(2)
            XCTAssertEqual(try peeked(100), Array(2...9))
            reader.consume(8)
            guard case .endOfStream = try reader.peek(limit: 1) else {
                return XCTFail("expected the end of the stream")
            }
        }
    }

    func testPeekShowsTheFramesBeforeADefectThenThrowsIt() throws {
        var bytes = try streamBytes(frames(5))
        bytes[64 * 3] = 0xEE // type of frame 2
        let reader = FrameStreamReader(fd: pipeCarrying(bytes))
        guard case .frames(let run) = try reader.peek(limit: 10) else { return XCTFail("expected frames") }
        XCTAssertEqual(run.count, 2)
        reader.consume(2)
        XCTAssertThrowsError(try reader.peek(limit: 10)) { error in
            XCTAssertEqual("\(error)", "stdin: bad frame 2 at byte 192: unknown message type 238")
        }
    }

    func testTheStreamNumbersFramesByIndex() throws {
        var sent = frames(3)
        for index in sent.indices { sent[index].header.sequence = 99 }
        let result = readAll(pipeCarrying(try streamBytes(sent)))
        XCTAssertEqual(result.frames.map(\.header.sequence), [0, 1, 2])
    }

    func testInvalidEnumFieldIsCaughtBeforeATypedView() throws {
        var bytes = try streamBytes(frames(1))
        bytes[64 + 56] = 9 // trade aggressor
        XCTAssertEqual(
            "\(readAll(pipeCarrying(bytes)).error!)", "stdin: bad frame 0 at byte 64: trade aggressor 9 is not a side")
        bytes[64 + 56] = 1
        bytes[64 + 1] = FrameLayout.version + 1 // frame layout version
        XCTAssertEqual(
            "\(readAll(pipeCarrying(bytes)).error!)",
            "stdin: bad frame 0 at byte 64: layout version \(FrameLayout.version + 1), expected \(FrameLayout.version)")
    }

    func testWritingToAClosedPipeThrowsNamingTheCall() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        close(fds[0])
        defer { close(fds[1]) }
        do {
            _ = try FrameStreamWriter(fd: fds[1], subject: "stdout")
            XCTFail("writing to a pipe without a reader must fail")
        } catch {
            XCTAssertEqual(error, SystemError(call: "write", subject: "stdout", errno: EPIPE))
            XCTAssertEqual("\(error)", "write(stdout) failed: Broken pipe (errno 32)")
        }
    }
}
