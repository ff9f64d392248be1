import Foundation
import TestSupport
import XCTest

@testable import FeedCore

/// Faults injected into a copy of the real recording (written to a temporary directory, never
/// into the repository): each is caught with its documented behaviour, and whatever the book
/// still publishes equals the venue's own top. A wrong book is never published.
final class InjectedFaultTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tickpipe-faults-\(getpid())-\(name.hashValue)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func original() throws -> String { try sharedDataDirectory() + "/binance-spot/btcusdt_20240808.gz" }

    /// The recording's lines, decompressed.
    func lines() throws -> [String] { try InjectedFaultTests.recordingLines(try original()) }

    static func recordingLines(_ path: String) throws -> [String] {
        let reader = try LineReader(path: path)
        var lines: [String] = []
        while let line = try reader.nextLine() { lines.append(String(decoding: line, as: UTF8.self)) }
        return lines
    }

    /// Indexes of depth-diff lines after the snapshot line.
    func depthLinesAfterSnapshot(_ lines: [String]) -> [Int] {
        let snapshot = lines.firstIndex { $0.contains("lastUpdateId") }!
        return lines.indices.filter { $0 > snapshot && lines[$0].contains("@depth@100ms") }
    }

    func write(_ lines: [String], _ name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func replay(_ path: String) throws -> (run: PipelineResult, comparison: TopOfBookOracle.Comparison) {
        let info = try sharedDataDirectory() + "/cryptofeed/BINANCE.0"
        let run = try runPipeline("feed", ["--replay", path, "--exchange-info", info], "book", ["--json"])
        XCTAssertEqual(run.firstStatus, 0, run.firstErrors)
        XCTAssertEqual(run.secondStatus, 0, run.secondErrors)
        // The oracle comes from the unmodified recording: the venue's truth.
        let comparison = try TopOfBookOracle(files: [try original()]).compare(bookJSON: run.output)
        XCTAssertEqual(comparison.mismatches, [], "never a wrong book")
        return (run, comparison)
    }

    /// bookTicker points of the first file the untouched replay matches.
    static let baseline = 564

    func testUntouchedCopyIsTheBaseline() throws {
        let result = try replay(try write(try lines(), "copy.txt"))
        XCTAssertEqual(result.run.secondErrors, "")
        XCTAssertEqual(result.comparison.matches["BTCUSDT"], InjectedFaultTests.baseline)
        XCTAssertEqual(result.comparison.invalidations, 0)
    }

    func testDroppedDiffIsAGapAndTheBookStopsPublishing() throws {
        var lines = try lines()
        let dropped = depthLinesAfterSnapshot(lines)[100]
        lines.remove(at: dropped)
        let result = try replay(try write(lines, "dropped.txt"))
        XCTAssertTrue(result.run.secondErrors.contains("book: BTCUSDT: gap: update"), result.run.secondErrors)
        XCTAssertTrue(result.run.secondErrors.contains("book invalid until the next snapshot"))
        XCTAssertEqual(result.comparison.invalidations, 1, "book --json says the book turned invalid")
        XCTAssertGreaterThan(result.comparison.matches["BTCUSDT"] ?? 0, 0)
        XCTAssertLessThan(
            result.comparison.matches["BTCUSDT"] ?? 0, InjectedFaultTests.baseline, "no top after the gap")
    }

    func testDuplicatedDiffIsIgnoredAsStale() throws {
        var lines = try lines()
        let duplicated = depthLinesAfterSnapshot(lines)[100]
        lines.insert(lines[duplicated], at: duplicated + 1)
        let result = try replay(try write(lines, "duplicated.txt"))
        XCTAssertEqual(result.run.secondErrors, "", "a repeated diff is not a gap")
        XCTAssertEqual(result.comparison.matches["BTCUSDT"], InjectedFaultTests.baseline)
    }

    func testReorderedDiffsAreAGap() throws {
        var lines = try lines()
        let depth = depthLinesAfterSnapshot(lines)
        lines.swapAt(depth[100], depth[101])
        let result = try replay(try write(lines, "reordered.txt"))
        XCTAssertTrue(result.run.secondErrors.contains("gap: update"), result.run.secondErrors)
        XCTAssertLessThan(result.comparison.matches["BTCUSDT"] ?? 0, InjectedFaultTests.baseline)
    }

    func testSnapshotOlderThanTheFirstBufferedDiffIsNeverApplied() throws {
        var lines = try lines()
        let snapshot = lines.firstIndex { $0.contains("lastUpdateId") }!
        lines[snapshot] = lines[snapshot].replacingOccurrences(
            of: "\"lastUpdateId\":50093239218", with: "\"lastUpdateId\":50093239100")
        let result = try replay(try write(lines, "old-snapshot.txt"))
        XCTAssertTrue(
            result.run.firstErrors.contains(
                "feed: BTCUSDT: snapshot 50093239100 is older than the first buffered diff "
                    + "(50093239189...50093239202): waiting for a newer snapshot"
            ),
            result.run.firstErrors)
        XCTAssertEqual(result.run.output, "", "no snapshot, no book, no top")
    }

    func testGarbageLineIsReportedWithItsPlaceAndSkipped() throws {
        var lines = try lines()
        let snapshot = lines.firstIndex { $0.contains("lastUpdateId") }!
        lines.insert(
            "1723161254300000000 {\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"p\":", at: snapshot + 5)
        lines.insert("garbage", at: snapshot + 6)
        let path = try write(lines, "garbage.txt")
        let result = try replay(path)
        XCTAssertTrue(
            result.run.firstErrors.contains(
                "feed: \(path):\(snapshot + 6): byte 51 of the JSON: expected '\"', found the end of the message"),
            result.run.firstErrors)
        XCTAssertTrue(
            result.run.firstErrors.contains("feed: \(path):\(snapshot + 7): expected '<receive time ns> <json>'"),
            result.run.firstErrors)
        XCTAssertTrue(result.run.firstErrors.contains("2 malformed lines skipped"), result.run.firstErrors)
        XCTAssertEqual(
            result.comparison.matches["BTCUSDT"], InjectedFaultTests.baseline,
            "lines that carried no book data cost nothing")
    }

    /// The first message of a symbol fails: its definition still reaches the book, which syncs
    /// on the snapshot as if the message had never been recorded.
    func testABadFirstMessageKeepsTheInstrumentsDefinition() throws {
        var lines = try lines()
        lines[0] = lines[0].replacingOccurrences(of: #""U":50093239189"#, with: #""U":60093239189"#)
        let path = try write(lines, "bad-first.txt")
        let result = try replay(path)
        XCTAssertTrue(
            result.run.firstErrors.contains("feed: \(path):1: depthUpdate with U 60093239189 > u 50093239202"),
            result.run.firstErrors)
        XCTAssertEqual(result.comparison.matches["BTCUSDT"], InjectedFaultTests.baseline)
    }

    /// A recording that opens with its snapshot: the snapshot goes to the first symbol named,
    /// ahead of that message, and the book says why it cannot go on (the diffs that bridged it
    /// were before the cut), never a garbled error.
    func testARecordingThatOpensWithItsSnapshot() throws {
        let lines = try lines()
        let snapshot = lines.firstIndex { $0.contains("lastUpdateId") }!
        let path = try write(Array(lines[snapshot...]), "opens-with-snapshot.txt")
        let result = try replay(path)
        XCTAssertFalse(
            result.run.firstErrors.contains("malformed lines skipped")
                && !result.run.firstErrors.contains("0 malformed lines skipped"),
            result.run.firstErrors)
        XCTAssertEqual(result.comparison.tops, 1, "the snapshot's own top, then no more")
        XCTAssertTrue(
            result.run.secondErrors.contains(
                "book: BTCUSDT: gap: update 50093239237 follows 50093239224, the book is at 50093239218"),
            result.run.secondErrors)
    }

    /// A depth update that gives its bids twice ("bids" and "b"): an error naming the key, the
    /// message dropped as a gap, never last-wins.
    func testADuplicateKeyIsNamedAndTheBookNeverWrong() throws {
        var lines = try lines()
        let depth = depthLinesAfterSnapshot(lines)[3]
        lines[depth] = lines[depth].replacingOccurrences(
            of: #""b":["#, with: #""bids":[["1.00000000","5.00000000"]],"b":["#)
        let path = try write(lines, "duplicate-key.txt")
        let result = try replay(path)
        XCTAssertTrue(
            result.run.firstErrors.contains(#"duplicate key "b" (the message gives its field twice)"#),
            result.run.firstErrors)
    }

    /// The opening snapshot repeated 2000 lines on: ignored with a warning and counted.
    func testAnOldSnapshotRepeatedMidStreamIsIgnored() throws {
        var lines = try lines()
        let snapshot = lines.firstIndex { $0.contains("lastUpdateId") }!
        let time = Int64(lines[snapshot + 2000].prefix { $0 != " " })! + 1
        lines.insert("\(time)" + lines[snapshot][lines[snapshot].firstIndex(of: " ")!...], at: snapshot + 2001)
        let result = try replay(try write(lines, "old-snapshot-again.txt"))
        XCTAssertTrue(
            result.run.firstErrors.contains("feed: BTCUSDT: snapshot 50093239218 is older than update"),
            result.run.firstErrors)
        XCTAssertTrue(result.run.firstErrors.contains("1 stale snapshots ignored"), result.run.firstErrors)
        XCTAssertEqual(result.comparison.matches["BTCUSDT"], InjectedFaultTests.baseline)
    }

    /// A line longer than any message is skipped and counted like any bad line.
    func testAnOverlongLineIsSkippedAndCounted() throws {
        var lines = try lines()
        let snapshot = lines.firstIndex { $0.contains("lastUpdateId") }!
        lines.insert("1723161254300000000 {\"x\":\"" + String(repeating: "x", count: 5 << 20) + "\"}", at: snapshot + 5)
        let path = try write(lines, "long-line.txt")
        let result = try replay(path)
        XCTAssertTrue(
            result.run.firstErrors.contains(
                "feed: \(path):\(snapshot + 6): longer than 4194304 bytes, more than any message: skipped"),
            result.run.firstErrors)
        XCTAssertTrue(result.run.firstErrors.contains("1 malformed lines skipped"), result.run.firstErrors)
        XCTAssertEqual(result.comparison.matches["BTCUSDT"], InjectedFaultTests.baseline)
    }

    /// A receive time at Int64's end used to overflow the feed's timeline on the next line.
    func testAReceiveTimePastTheLatestAFrameCarriesIsSkippedNotCrashed() throws {
        var lines = try lines()
        let snapshot = lines.firstIndex { $0.contains("lastUpdateId") }!
        let trade = lines.firstIndex { $0.contains("@trade") }!
        let json = lines[trade][lines[trade].firstIndex(of: " ")!...]
        lines.insert("9223372036854775807" + json, at: snapshot + 5)
        lines.insert("4102444800000000001" + json, at: snapshot + 6)
        let path = try write(lines, "late.txt")
        let result = try replay(path)
        XCTAssertTrue(
            result.run.firstErrors.contains(
                "feed: \(path):\(snapshot + 6): receive time 9223372036854775807 ns is past 2100-01-01, the latest a "
                    + "frame carries"
            ),
            result.run.firstErrors)
        XCTAssertTrue(
            result.run.firstErrors.contains(
                "feed: \(path):\(snapshot + 7): receive time 4102444800000000001 ns is past"),
            result.run.firstErrors)
        XCTAssertEqual(result.comparison.matches["BTCUSDT"], InjectedFaultTests.baseline)
    }

    func testTruncatedGzipIsReportedNotCrashed() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: try original()))
        let path = directory.appendingPathComponent("truncated.gz").path
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
        let info = try sharedDataDirectory() + "/cryptofeed/BINANCE.0"
        let run = try runPipeline("feed", ["--replay", path, "--exchange-info", info], "book", ["--json"])
        XCTAssertEqual(run.firstStatus, 1)
        XCTAssertTrue(run.firstErrors.contains("gzip data ends early (truncated file?) after line"), run.firstErrors)
        XCTAssertEqual(run.secondStatus, 0, "the book saw a clean end of stream")
    }
}
