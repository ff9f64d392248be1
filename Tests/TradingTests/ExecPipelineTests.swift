import Foundation
import Glibc
import IPC
import TestSupport
import XCTest

@testable import ExecCore

/// `feed --replay | book | signal | exec` on the real recording, as real processes: orders and
/// fills are journaled, the same replay writes the same journal byte for byte, and the position
/// rebuilt from the journal is the one exec reported.
final class ExecPipelineTests: XCTestCase {
    func replay(journal: String) throws -> (status: Int32, err: String) {
        try replayThroughPipes(
            signal: [
                "--strategy", "as", "--quote-size", "0.01", "--max-position", "0.05", "--gamma", "0.0001", "--kappa",
                "0.01"
            ],
            exec: ["--journal", journal, "--max-position", "0.05", "--maker-fee-ppm", "-10", "--taker-fee-ppm", "400"])
    }

    /// The same replay over a session's rings, as run.sh wires it: exec reads the market from
    /// feed's ring itself and only tops and intents from signal's.
    func replayOverRings(journal: String, session: String) throws -> (status: Int32, err: String) {
        let data = try sharedDataDirectory()
        let ring = { (part: String) in "shm:tickpipe.\(session).\(part)" }
        let exec = try ChildProcess(
            "exec",
            [
                "--in", ring("quotes"), "--market", ring("md"), "--journal", journal,
                "--max-position", "0.05", "--maker-fee-ppm", "-10", "--taker-fee-ppm", "400"
            ])
        let signal = try ChildProcess(
            "signal",
            [
                "--in", ring("tops"), "--out", ring("quotes"), "--pass-tops", "--strategy", "as",
                "--quote-size", "0.01", "--max-position", "0.05", "--gamma", "0.0001",
                "--kappa", "0.01"
            ])
        let book = try ChildProcess("book", ["--in", ring("md"), "--out", ring("tops"), "--progress"])
        let feed = try ChildProcess(
            "feed",
            [
                "--out", ring("md"), "--readers", "2",
                "--replay", "\(data)/binance-spot/btcusdt_20240808.gz",
                "--exchange-info", "\(data)/cryptofeed/BINANCE.0"
            ])
        let result = exec.finish(timeout: 300)
        for stage in [signal, book, feed] { XCTAssertEqual(stage.finish().status, 0) }
        return (result.status, result.err)
    }

    /// The SHA-256 of the journal this replay writes, over pipes and over rings, pinned at commit
    /// 92254ff (before the stages moved into library cores and onto one agent runner): a change of
    /// shape must not change one byte a backtest writes. A change of behaviour that moves it on
    /// purpose says why in its commit and updates this value. Moved since: exec's records carry
    /// event times (an order command its cause's receive time, a report the venue's time); frame
    /// layout version 5 (the header's bot field: every record's version byte moved).
    static let pinnedJournalSHA256 = "1f38ee6620c50c17072bc322d16bb20e11855442b72a6c6283f641c66ed8f322"

    func sha256(_ path: String) throws -> String {
        let digest = try ChildProcess("/usr/bin/sha256sum", [path]).finish()
        XCTAssertEqual(digest.status, 0, digest.err)
        return String(digest.out.prefix { $0 != " " })
    }

    func testExecReadingTheMarketItselfJournalsTheSameBytesAsTheSingleStream() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-merge-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let piped = directory.appendingPathComponent("piped.jrnl").path
        XCTAssertEqual(try replay(journal: piped).status, 0)
        let expected = try Data(contentsOf: URL(fileURLWithPath: piped))
        XCTAssertEqual(
            try sha256(piped), Self.pinnedJournalSHA256, "the piped replay's journal, byte for byte as pinned")
        for run in 0..<2 {
            let merged = directory.appendingPathComponent("merged\(run).jrnl").path
            let result = try replayOverRings(journal: merged, session: "merge\(getpid())r\(run)")
            XCTAssertEqual(result.status, 0, result.err)
            XCTAssertTrue(result.err.contains(" fills, "), result.err)
            XCTAssertEqual(
                try Data(contentsOf: URL(fileURLWithPath: merged)), expected,
                "run \(run): the market from feed's ring, merged by book's progress frames, in the single stream's "
                    + "order"
            )
            XCTAssertEqual(
                try sha256(merged), Self.pinnedJournalSHA256, "run \(run): the journal over rings, as pinned")
        }
    }

    func testReplayIsJournaledDeterministicallyAndThePositionRebuildsFromTheJournal() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-exec-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = directory.appendingPathComponent("first.jrnl").path
        let second = directory.appendingPathComponent("second.jrnl").path
        let run = try replay(journal: first)
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(try replay(journal: second).status, 0)
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: first)), try Data(contentsOf: URL(fileURLWithPath: second)),
            "the same replay with the same parameters writes the same journal")

        // Rebuild from the journal: every fill booked again.
        var ledger = PositionLedger()
        var commands = 0
        var lastId: UInt32 = 0
        let scan = try Journal.read(first) { frame, _ in
            if frame.header.messageType == .executionReport { ledger.book(frame.as(ExecutionReport.self)) }
            if frame.header.messageType == .orderCommand {
                commands += 1
                lastId = max(lastId, frame.as(OrderCommand.self).clientOrderId)
            }
        }
        XCTAssertEqual(scan.damaged, [])
        XCTAssertGreaterThan(ledger.fills, 10, "the strategy traded")
        XCTAssertLessThanOrEqual(abs(ledger.position), 5_000_000, "within --max-position 0.05 (5,000,000 lots of 1e-8)")
        let summary = try XCTUnwrap(run.err.split(separator: "\n").first { $0.hasPrefix("exec: BTCUSDT: ") })
        XCTAssertTrue(summary.contains("\(ledger.fills) fills"), String(summary))
        XCTAssertTrue(
            summary.contains("realized \(ledger.realizedPnl) and fees \(ledger.fees) ticks × lots"), String(summary))
        XCTAssertTrue(summary.contains("\(commands) order commands"), String(summary))

        // The report, from the journal alone, says the same; its charts have points to draw.
        let report = try ChildProcess("exec", ["report", first]).finish()
        XCTAssertEqual(report.status, 0, report.err)
        for (label, value) in [
            ("fills", "\(ledger.fills)"), ("order commands", "\(commands)"),
            ("realized PnL (ticks × lots)", "\(ledger.realizedPnl)"), ("fees (ticks × lots)", "\(ledger.fees)")
        ] {
            XCTAssertTrue(
                report.out.contains("<tr><td>\(label)</td><td class=\"v\">\(value)</td></tr>"), "\(label) \(value)")
        }
        let polylines = report.out.components(separatedBy: "<polyline ").dropFirst()
        XCTAssertEqual(polylines.count, 6, "mid, bids, asks, spread, inventory, PnL")
        for line in polylines { XCTAssertGreaterThan(line.prefix { $0 != "/" }.split(separator: " ").count, 10) }
        XCTAssertGreaterThan(report.out.components(separatedBy: "<circle ").count - 1, 10, "the fills")

        // Continued (`--append`, a synthetic market of the same instrument): the fills are
        // booked again, the position carries on, ids count on.
        let feed = try ChildProcess(
            "feed",
            [
                "--synthetic", "--symbols", "BTCUSDT", "--instrument", "BTCUSDT:0.01:0.00000001", "--duration", "1",
                "--speed", "max"
            ], handsOnStdout: true)
        let book = try ChildProcess(
            "book", ["--out", "-", "--pass-deltas"], stdin: feed.stdoutHandle, handsOnStdout: true)
        let signal = try ChildProcess(
            "signal", ["--out", "-", "--pass-through", "--quote-size", "0.01"], stdin: book.stdoutHandle,
            handsOnStdout: true)
        let continued = try ChildProcess(
            "exec", ["--journal", first, "--append", "--max-position", "0.05"], stdin: signal.stdoutHandle
        ).finish()
        for stage in [signal, book, feed] { XCTAssertEqual(stage.finish().status, 0) }
        XCTAssertEqual(continued.status, 0, continued.err)
        let position = Double(ledger.position) * 1e-8
        XCTAssertTrue(
            continued.err.contains(
                "exec: BTCUSDT: continuing the journal: \(ledger.fills) fills booked again, position "
                    + String(format: "%.8f", position) + ", client order ids from \(lastId + 1)"),
            continued.err)
    }

    /// The report as a person sees it: headless Chromium draws it, and each chart's colour is on
    /// the screenshot (Tests/ReportCheck/png_colors.py counts the pixels).
    func testTheReportIsDrawnInABrowser() throws {
        let chromium = "/usr/bin/chromium"
        guard access(chromium, X_OK) == 0 else {
            throw XCTSkip("no \(chromium): apt-get install chromium (.ci/run does) to check the report in a browser")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-report-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let journal = directory.appendingPathComponent("run.jrnl").path
        XCTAssertEqual(try replay(journal: journal).status, 0)
        let report = try ChildProcess("exec", ["report", journal]).finish()
        XCTAssertEqual(report.status, 0, report.err)
        let page = directory.appendingPathComponent("report.html")
        try report.out.write(to: page, atomically: true, encoding: .utf8)

        let screenshot = directory.appendingPathComponent("report.png").path
        let browser = try ChildProcess(
            chromium,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--user-data-dir=\(directory.path)/profile", "--window-size=1000,2400",
                "--screenshot=\(screenshot)", page.absoluteString
            ]
        ).finish(timeout: 120)
        XCTAssertEqual(browser.status, 0, browser.err)
        var checker = URL(fileURLWithPath: #filePath)
        for _ in 0..<2 { checker.deleteLastPathComponent() }
        checker.appendPathComponent("ReportCheck/png_colors.py")
        // mid, bids, asks, spread, inventory, PnL: the colours JournalReport draws them in.
        let colours = ["999", "2a7", "c33", "d80", "36c", "939"]
        let counted = try ChildProcess("/usr/bin/python3", [checker.path, screenshot] + colours).finish(timeout: 120)
        XCTAssertEqual(counted.status, 0, counted.err)
        let pixels = Dictionary(
            uniqueKeysWithValues: counted.out.split(separator: "\n").compactMap { line -> (String, Int)? in
                let parts = line.split(separator: " ")
                return parts.count == 2 ? (String(parts[0]), Int(parts[1]) ?? 0) : nil
            })
        for colour in colours { XCTAssertGreaterThan(pixels[colour] ?? 0, 200, "#\(colour) drawn: \(counted.out)") }
    }
}

/// `feed --replay | book --pass-deltas | signal --pass-through | exec` on the BTCUSDT recording,
/// as real processes, with `signal`'s and `exec`'s own arguments: exec's status and stderr (the
/// other stages must end with 0).
func replayThroughPipes(signal: [String], exec: [String]) throws -> (status: Int32, err: String) {
    let data = try sharedDataDirectory()
    let feed = try ChildProcess(
        "feed",
        ["--replay", "\(data)/binance-spot/btcusdt_20240808.gz", "--exchange-info", "\(data)/cryptofeed/BINANCE.0"],
        handsOnStdout: true)
    let book = try ChildProcess("book", ["--out", "-", "--pass-deltas"], stdin: feed.stdoutHandle, handsOnStdout: true)
    let signalStage = try ChildProcess(
        "signal", ["--out", "-", "--pass-through"] + signal, stdin: book.stdoutHandle, handsOnStdout: true)
    let execStage = try ChildProcess("exec", exec, stdin: signalStage.stdoutHandle)
    let result = execStage.finish(timeout: 300)
    for stage in [signalStage, book, feed] { XCTAssertEqual(stage.finish().status, 0) }
    return (result.status, result.err)
}
