import ExampleStrategy
import Foundation
import IPC
import SignalCore
import StrategyHarness
import TestSupport
import XCTest

/// docs/strategies.md followed verbatim: its shell commands, in order, from the repository (with
/// this build's tools, as every run.sh test), build the example package's own signal and trade a
/// replay with its strategy under run.sh; the guide's harness call on run.sh's options then
/// journals the same bytes, so a strategy that answers its fills and timers is the same backtest
/// in one thread as in five processes.
final class StrategyGuideTests: XCTestCase {
    let root: URL = {
        var directory = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { directory.deleteLastPathComponent() }
        return directory
    }()

    /// The guide's ```sh blocks, as written.
    func shellBlocks(_ page: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring]?
        for line in page.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```sh" {
                current = []
            } else if current != nil, line == "```" {
                blocks.append(current!.joined(separator: "\n"))
                current = nil
            } else if current != nil {
                current!.append(line)
            }
        }
        return blocks
    }

    func testTheGuidesCommandsTradeAReplayWithTheExampleStrategyAndTheHarnessJournalsTheSame() throws {
        let data = try sharedDataDirectory()
        let guide = try String(contentsOf: root.appendingPathComponent("docs/strategies.md"), encoding: .utf8)
        let commands = shellBlocks(guide)
        XCTAssertEqual(commands.count, 1, "the guide's commands")
        let script = "set -euo pipefail\ncd '\(root.path)'\n" + commands.joined(separator: "\n")
        let run = try ChildProcess(
            "/bin/bash", ["-c", script], environment: ["TICKPIPE_BIN": productsDirectory().path]
        ).finish(timeout: 600)
        XCTAssertEqual(run.status, 0, run.out + run.err)
        let lines = run.err.split(separator: "\n")
        // run.sh: report in runs/SESSION/report.html …
        let reportLine = try XCTUnwrap(lines.first { $0.contains("report in runs/") }, run.err)
        let afterRuns = reportLine[reportLine.range(of: "report in runs/")!.upperBound...]
        let session = String(afterRuns.prefix { $0 != "/" })
        defer {
            try? FileManager.default.removeItem(at: root.appendingPathComponent("runs/\(session)"))
            unlink(root.appendingPathComponent("runs/.\(session).lock").path)
        }
        let exec = try XCTUnwrap(lines.last { $0.hasPrefix("exec: BTCUSDT: ") }, run.err)
        let fills = try XCTUnwrap(Int(exec.split(separator: " ")[2]), String(exec))
        XCTAssertGreaterThan(fills, 10, String(exec))

        // The harness, as the guide calls it, with run.sh's defaults.
        let journal = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-guide-\(getpid())").path
        defer { unlink(journal) }
        let outcome = try StrategyHarness(
            files: ["\(data)/binance-spot/btcusdt_20240808.gz"], exchangeInfo: "\(data)/cryptofeed/BINANCE.0",
            signal: ["--strategy", "cooldown", "--back-off-ticks", "3", "--quote-size", "0.1", "--max-position", "1"],
            strategies: StrategyRegistry([.init(FillCooldown.self)]),
            exec: ["--max-position", "1"]
        ).replay(journal: journal)
        XCTAssertEqual(outcome.results.map(\.summary), [String(exec)])
        XCTAssertTrue(
            try Data(contentsOf: URL(fileURLWithPath: journal))
                == Data(contentsOf: root.appendingPathComponent("runs/\(session)/journal")),
            "StrategyHarness journaled other bytes than run.sh with the example's signal")
    }

    /// FillCooldown's quote, worked out by hand: a book of 10000 / 10010 (mid 10005), 4 ticks wide,
    /// 2 ticks of skew per quote size, 5 ticks of back-off.
    func testTheExampleStrategysQuote() {
        let top = BookTop(
            header: FrameHeader(type: .bookTop, instrument: 1), bidPrice: 10_000, bidSize: 1, askPrice: 10_010,
            askSize: 1)
        var parameters = FillCooldown.Parameters()
        parameters.skewTicks = 2
        func quote(_ position: Int64, bidCooling: Bool = false, askCooling: Bool = false) -> Quote {
            FillCooldown.quote(
                top, parameters: parameters, positionLots: position, sizeLots: 10, maxPositionLots: 30,
                bidCooling: bidCooling, askCooling: askCooling)
        }
        // Flat: 10005 ± 2.
        XCTAssertEqual(quote(0), Quote(bidPrice: 10_003, bidSize: 10, askPrice: 10_007, askSize: 10))
        // Long one quote size: r = 10005 − 2 = 10003; 10001 / 10005.
        XCTAssertEqual(quote(10), Quote(bidPrice: 10_001, bidSize: 10, askPrice: 10_005, askSize: 10))
        // The bid just filled: 5 ticks further out, 10001 − 5 = 9996.
        XCTAssertEqual(quote(10, bidCooling: true).bidPrice, 9_996)
        XCTAssertEqual(quote(0, askCooling: true).askPrice, 10_012)
        XCTAssertEqual(quote(30).bidSize, 0, "at the long limit, no bid")
    }
}
