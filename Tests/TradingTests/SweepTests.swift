import Foundation
import TestSupport
import XCTest

/// `./run.sh sweep`: a replay per combination of the grids' values, run in parallel, then one
/// table (CSV and HTML) whose rows are each run's own journal: the same fills as its exec said.
final class SweepTests: XCTestCase {
    let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    func sweep(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try ChildProcess(
            root.appendingPathComponent("run.sh").path, ["sweep"] + arguments,
            environment: ["TICKPIPE_BIN": productsDirectory().path]
        ).finish(timeout: 600)
    }

    func testAGridOfTwoByTwoIsFourReplaysInOneTableEachRowItsRunsOwn() throws {
        let data = try sharedDataDirectory()
        let session = "sweeptest\(getpid())"
        defer {
            for suffix in ["", "-0", "-1", "-2", "-3"] {
                try? FileManager.default.removeItem(at: root.appendingPathComponent("runs/\(session)\(suffix)"))
                unlink(root.appendingPathComponent("runs/.\(session)\(suffix).lock").path)
            }
        }
        let run = try sweep([
            "--grid", "spread-ticks=2,6", "--grid", "lean-ticks=0,4", "--strategy", "imbalance", "--replay",
            "\(data)/binance-spot/btcusdt_20240808.gz", "--session", session
        ])
        XCTAssertEqual(run.status, 0, run.err)
        let directory = root.appendingPathComponent("runs/\(session)")
        let csv = try String(contentsOf: directory.appendingPathComponent("sweep.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        XCTAssertEqual(
            rows.first?.joined(separator: ","),
            "run,symbol,fills,volume,turnover,realized_pnl,fees,total_pnl,max_drawdown,final_position")
        XCTAssertEqual(
            rows.dropFirst().map { String($0[0]) },
            [
                "spread-ticks=2 lean-ticks=0", "spread-ticks=2 lean-ticks=4", "spread-ticks=6 lean-ticks=0",
                "spread-ticks=6 lean-ticks=4"
            ])
        for (index, row) in rows.dropFirst().enumerated() {
            // exec: BTCUSDT: 324 fills, volume 21.52721000, …
            let log = try String(contentsOf: directory.appendingPathComponent("\(index).log"), encoding: .utf8)
            let exec = try XCTUnwrap(log.split(separator: "\n").last { $0.hasPrefix("exec: BTCUSDT: ") }, log)
            let words = exec.split(separator: " ")
            XCTAssertEqual(row[1], "BTCUSDT")
            XCTAssertEqual(row[2], words[2], "run \(index)'s fills: \(exec)")
            XCTAssertEqual(row[3], words[5].dropLast(), "run \(index)'s volume: \(exec)")
            // Binance's default fee: 0.1 % of the turnover, within a tick × lot a fill.
            let turnover = try XCTUnwrap(Decimal(string: String(row[4])))
            let fees = try XCTUnwrap(Decimal(string: String(row[6])))
            XCTAssertEqual(
                NSDecimalNumber(decimal: fees - turnover / 1_000).doubleValue, 0, accuracy: 0.01, "\(row)")
        }
        let html = try String(contentsOf: directory.appendingPathComponent("sweep.html"), encoding: .utf8)
        XCTAssertEqual(html.components(separatedBy: "<tr><td>").count - 1, 4)
        XCTAssertTrue(html.contains("<th>max drawdown</th>"))
        let left = try FileManager.default.contentsOfDirectory(atPath: "/dev/shm").filter {
            $0.hasPrefix("tickpipe.\(session)")
        }
        XCTAssertEqual(left, [], "every run's rings gone")
    }

    func testABadGridOrNoReplayStartsNothing() throws {
        for (arguments, message) in [
            (["--grid", "spread-ticks"], "run.sh: sweep: --grid 'spread-ticks': expected NAME=VALUE,VALUE,..."),
            (["--replay", "x.gz"], "run.sh: sweep needs at least one --grid NAME=VALUE,..."),
            (["--grid", "spread-ticks=2,4"], "run.sh: sweep replays recordings: give --replay FILE...")
        ] {
            let run = try sweep(arguments)
            XCTAssertEqual(run.status, 100, run.err)
            XCTAssertTrue(run.err.hasPrefix(message), run.err)
        }
    }
}
