import CMallocCounter
import IPC
import TestSupport
import XCTest

@testable import BookCore
@testable import FeedCore

/// The market-data hot path allocates nothing per message in steady state: decoding real
/// Binance lines into frames, and applying them to the book and publishing tops. Counted by the
/// malloc interposer on this thread after warm-up; `.ci/run` runs this in a release build too.
final class MarketDataAllocationTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(
            malloc_counter_is_counting() != 0, "a sanitizer build: its runtime owns malloc, nothing is counted")
    }

    struct CountingOutput: BookOutput {
        var tops = 0
        var problems: [String] = []
        mutating func publish(_ top: BookTop, book: OrderBook) { tops += 1 }
        mutating func pass(_ frame: UnsafePointer<Frame>) {}
        mutating func report(_ problem: String) { problems.append(problem) }
        mutating func requestResync(instrument: UInt32) { problems.append("resync \(instrument)") }
    }

    /// The first recording's lines, read into memory before anything is counted, and a
    /// translator for its symbol.
    func recording() throws -> (lines: [[UInt8]], translator: BinanceTranslator) {
        let reader = try LineReader(path: try sharedDataDirectory() + "/binance-spot/btcusdt_20240808.gz")
        var lines: [[UInt8]] = []
        while let line = try reader.nextLine() { lines.append(Array(line)) }
        var catalog = InstrumentCatalog()
        try catalog.add(flag: "BTCUSDT:0.01000000:0.00000001")
        return (lines, BinanceTranslator(catalog: catalog))
    }

    func testDecodingAndBookingRealMessagesDoesNotAllocate() throws {
        // Debug builds allocate in generic and closure-heavy loops that the optimiser removes.
        try XCTSkipIf(
            isDebugBuild,
            "allocations are counted in a release build: swift test -c release --filter Allocation (.ci/run does)")
        let (lines, translator) = try recording()
        let batch = FrameBatch(capacity: 1 << 16)
        let processor = BookProcessor(output: CountingOutput())

        func run(_ range: Range<Int>) throws {
            for index in range {
                try lines[index].withUnsafeBufferPointer { line in
                    let space = line.firstIndex(of: 0x20)!
                    batch.removeAll()
                    try translator.translate(line, from: space + 1, receiveTimeNs: 1, snapshotSymbol: nil, into: batch)
                    for position in 0..<batch.count {
                        withUnsafePointer(to: batch.storage[position]) { processor.handle($0) }
                    }
                }
            }
        }
        try run(0..<5_000) // warm up: the snapshot, first sight of the symbol, array growth
        let before = malloc_counter_thread_allocations()
        try run(5_000..<lines.count)
        let allocations = malloc_counter_thread_allocations() - before
        XCTAssertGreaterThan(processor.output.tops, 100)
        XCTAssertEqual(processor.output.problems, [])
        XCTAssertEqual(translator.depthMessages, 3_451)
        XCTAssertEqual(allocations, 0, "allocations over \(lines.count - 5_000) real messages decoded and booked")
    }

    func testReplayingACaptureDoesNotAllocate() throws {
        try XCTSkipIf(
            isDebugBuild,
            "allocations are counted in a release build: swift test -c release --filter Allocation (.ci/run does)")
        // The recording decoded once into a capture file, as `feed --record` writes one.
        let (lines, translator) = try recording()
        let batch = FrameBatch(capacity: 1 << 16)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-capture-\(getpid()).frames")
            .path
        defer { unlink(path) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let writer = try FrameStreamWriter(fd: fd, subject: path)
        for line in lines {
            try line.withUnsafeBufferPointer { line in
                batch.removeAll()
                try translator.translate(
                    line, from: line.firstIndex(of: 0x20)! + 1, receiveTimeNs: 1, snapshotSymbol: nil, into: batch)
                for position in 0..<batch.count { try writer.write(batch.storage[position]) }
            }
        }
        try writer.flush()
        close(fd)

        // Paced, a step per message; at full speed, steps of whole messages (the benchmark's way).
        for (paced, minimumSteps) in [(true, 10_000), (false, 100)] {
            let source = try CaptureSource(path: path, paced: paced)
            var steps = 0
            func step() throws -> Bool {
                batch.removeAll()
                guard case .frames = try source.next(into: batch) else { return false }
                steps += 1
                return true
            }
            for _ in 0..<minimumSteps / 10 { _ = try step() } // warm up
            let before = malloc_counter_thread_allocations()
            while try step() {}
            let allocations = malloc_counter_thread_allocations() - before
            XCTAssertGreaterThan(steps, minimumSteps, "paced \(paced): the capture's steps")
            XCTAssertEqual(
                allocations, 0,
                "paced \(paced): allocations over \(steps - minimumSteps / 10) steps replayed from a capture")
        }
    }
}
