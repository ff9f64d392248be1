import Foundation
import Glibc
import IPC
import TestSupport
import XCTest

@testable import ExecCore

/// Two bots on one feed under `./run.sh --bot NAME=CONFIG`, as real processes on a replay of the
/// real recording: an account each (exec's summary, risk's lines, the journal's records, the
/// report's sections), never an order that would trade with the other bot's, and the same
/// journal every run.
final class BotsRunTests: XCTestCase {
    let root = RunScript.root

    /// Avellaneda-Stoikov as bot 0 ("mm"), a 3-level grid with a smaller limit as bot 1 ("grid").
    func configs() throws -> (mm: String, grid: String) {
        let directory = NSTemporaryDirectory() + "bots\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let mm = directory + "/mm.conf"
        let grid = directory + "/grid.conf"
        try "strategy = as\ngamma = 0.01\nhorizon = 10\nquote-size = 0.1\nmax-position = 1\n".write(
            toFile: mm, atomically: true, encoding: .utf8)
        try "strategy = grid\nlevels = 3\nquote-size = 0.05\nmax-position = 0.5\n".write(
            toFile: grid, atomically: true, encoding: .utf8)
        return (mm, grid)
    }

    func run(_ session: String, _ more: [String]) throws -> (status: Int32, out: String, err: String) {
        try RunScript.start(["--session", session] + more).finish(timeout: 300)
    }

    func cleanUp(_ session: String) { RunScript.cleanUp(session) }

    func testTwoBotsTradeOneReplayWithAnAccountEachAndNeverWithEachOther() throws {
        let data = try sharedDataDirectory()
        let (mm, grid) = try configs()
        // The session's file: exec's and risk's lines only, beside the bots' files.
        let sessionFile = mm + ".session"
        try "exec.entry-latency-ms = 4\nrisk.max-drawdown = 5000\n".write(
            toFile: sessionFile, atomically: true, encoding: .utf8)
        let arguments = [
            "--replay", data + "/binance-spot/btcusdt_20240808.gz", "--bot", "mm=\(mm)",
            "--bot", "grid=\(grid)", "--config", sessionFile, "--max-total-position", "0.2"
        ]
        var journals: [Data] = []
        for attempt in 0..<2 {
            let session = "bots\(attempt)x\(getpid())"
            defer { cleanUp(session) }
            let result = try run(session, arguments)
            XCTAssertEqual(result.status, 0, result.err)
            let directory = root.appendingPathComponent("runs/\(session)")
            journals.append(try Data(contentsOf: directory.appendingPathComponent("journal")))
            guard attempt == 0 else { continue }
            let lines = result.err.split(separator: "\n").map(String.init)
            // exec's account and risk's view of it, per bot.
            for bot in 0..<2 {
                let exec = try XCTUnwrap(lines.last { $0.hasPrefix("exec: BTCUSDT bot \(bot): ") }, result.err)
                XCTAssertGreaterThan(Int(exec.split(separator: " ")[4]) ?? 0, 5, exec)
                let risk = try XCTUnwrap(lines.last { $0.hasPrefix("risk: BTCUSDT bot \(bot): ") }, result.err)
                XCTAssertEqual(field(risk, "position"), field(exec, "position"), "risk saw bot \(bot)'s position")
            }
            XCTAssertTrue(
                lines.contains { $0.hasPrefix("risk: watching session") && $0.contains("max total position 0.4") },
                "risk's limit over both bots: twice exec's\n\(result.err)")
            XCTAssertTrue(result.err.contains("max drawdown 5000.0, "), "the session file's risk line\n\(result.err)")
            XCTAssertEqual(
                try String(contentsOf: directory.appendingPathComponent("bots"), encoding: .utf8),
                "0 mm \(mm)\n1 grid \(grid)\n")
            let report = try String(contentsOf: directory.appendingPathComponent("report.html"), encoding: .utf8)
            for heading in ["All bots", "BTCUSDT, bot 0 (mm)", "BTCUSDT, bot 1 (grid)"] {
                XCTAssertTrue(report.contains("<h2>\(heading)</h2>"), heading)
            }
            let fills = try String(contentsOf: directory.appendingPathComponent("fills.csv"), encoding: .utf8)
            XCTAssertTrue(fills.hasPrefix("record,type,instrument,bot,tick,"), String(fills.prefix(80)))
            try checkTheJournal(directory.appendingPathComponent("journal").path)
        }
        XCTAssertEqual(journals[0], journals[1], "the same replay, the same journal")
    }

    /// The journal's records carry their bots; the bots' client ids never meet; and no order
    /// either bot placed would have traded with one the other had working (as exec's order
    /// managers saw them: a replaced order is gone at its replace).
    func checkTheJournal(_ path: String) throws {
        var working: [[UInt32: OrderCommand]] = [[:], [:]]
        var fillsByBot = [0, 0]
        var positions: [Int64] = [0, 0]
        var largestTogether: Int64 = 0
        var crossings: [String] = []
        var strayIds: [String] = []
        _ = try Journal.read(path) { frame, record in
            let bot = Int(frame.header.bot)
            switch frame.header.messageType {
            case .orderCommand:
                let command = frame.as(OrderCommand.self)
                if command.command != .cancel, Int(command.clientOrderId % 2) != (bot + 1) % 2 {
                    strayIds.append("record \(record): bot \(bot) id \(command.clientOrderId)")
                }
                guard command.command != .cancel else { return }
                if command.command == .replace { working[bot][command.origClientOrderId] = nil }
                for other in working[1 - bot].values where other.side != command.side {
                    if command.side == .buy ? command.price >= other.price : command.price <= other.price {
                        crossings.append("record \(record): bot \(bot) \(command.side) at \(command.price)")
                    }
                }
                if command.orderType == .postOnly { working[bot][command.clientOrderId] = command }
            case .executionReport:
                let report = frame.as(ExecutionReport.self)
                switch report.report {
                case .fill, .partialFill:
                    fillsByBot[bot] += 1
                    positions[bot] += report.side == .buy ? report.size : -report.size
                    largestTogether = max(largestTogether, abs(positions[0] + positions[1]))
                    if report.report == .fill { working[bot][report.clientOrderId] = nil }
                case .cancelled, .reject: working[bot][report.clientOrderId] = nil
                case .ack, .adjustment: break
                }
            default: break
            }
        }
        XCTAssertEqual(crossings, [], "orders that would have traded with the other bot's")
        XCTAssertEqual(strayIds, [], "bot 0's ids are odd, bot 1's even")
        XCTAssertTrue(fillsByBot.allSatisfy { $0 > 5 }, "\(fillsByBot)")
        // --max-total-position 0.2 (lots of 10^-8): reached, never passed.
        XCTAssertEqual(largestTogether, 20_000_000, "the bots' position together at its largest")
    }

    func testBadBotFlagsStartNothing() throws {
        let (mm, _) = try configs()
        // A bot's file with the session's lines in it.
        let session = mm + ".session"
        try "strategy = as\nexec.taker-fee-ppm = 0\n".write(toFile: session, atomically: true, encoding: .utf8)
        for (arguments, problem) in [
            (["--bot", "mm"], "run.sh: --bot 'mm': expected NAME=CONFIG (a strategy file)"),
            (["--bot", "m m=\(mm)"], "NAME is letters, digits, '_' or '-'"),
            (["--bot", "mm=/nonexistent.conf"], "run.sh: --bot mm: cannot read config file /nonexistent.conf"),
            (["--bot", "mm=\(mm)", "--bot", "mm=\(mm)"], "run.sh: --bot mm given twice"),
            (
                ["--strategy", "fixed", "--bot", "mm=\(mm)"],
                "run.sh: --strategy with --bot: each bot's CONFIG names its strategy and parameters"
            ),
            (
                ["--config", mm, "--bot", "mm=\(mm)"],
                "run.sh: --config \(mm) with --bot: the session file holds exec. and risk. lines only"
            ),
            (["--bot", "venue=\(session)"], "run.sh: --bot venue: \(session) sets exec. or risk. lines"),
            (
                ["--max-total-position", "1"],
                "run.sh: --max-total-position holds several bots' positions together: it goes with --bot"
            )
        ] {
            let name = "botsbad\(getpid())"
            defer { cleanUp(name) }
            let result = try run(name, arguments + ["--duration", "1"])
            XCTAssertEqual(result.status, 100, result.err)
            XCTAssertTrue(result.err.contains(problem), result.err)
        }
    }

    /// One bot's signal killed: the session stops, naming it, flat.
    func testAKilledBotStopsTheSessionNamedAndFlat() throws {
        let (mm, grid) = try configs()
        let session = "botskill\(getpid())"
        defer { cleanUp(session) }
        let run = try RunScript.start(
            ["--session", session, "--duration", "60", "--bot", "mm=\(mm)", "--bot", "grid=\(grid)"])
        let deadline = Date().addingTimeInterval(30)
        while !run.errorsSoFar.contains("flattens; files in") && Date() < deadline { usleep(50_000) }
        usleep(800_000)
        let pids = try String(contentsOf: root.appendingPathComponent("runs/\(session)/pids"), encoding: .utf8)
        let line = try XCTUnwrap(pids.split(separator: "\n").first { $0.hasPrefix("signal-grid ") }, pids)
        let pid = try XCTUnwrap(Int32(line.dropFirst("signal-grid ".count)))
        kill(pid, SIGKILL)
        let result = run.finish(timeout: 30)
        XCTAssertEqual(result.status, 1, result.err)
        XCTAssertTrue(
            result.err.contains(
                "run.sh: signal-grid (pid \(pid)) exited with status 137 (killed by SIGKILL); stopping the session"),
            result.err)
        XCTAssertTrue(result.err.contains("run.sh: flat: exec closed every order and position before"), result.err)
    }

    /// `position 0.03597586` from a summary line: the word after `position`.
    func field(_ line: String, _ name: String) -> String? {
        let words = line.split(separator: " ")
        guard let index = words.firstIndex(of: Substring(name)), index + 1 < words.count else { return nil }
        return String(words[index + 1].trimmingCharacters(in: CharacterSet(charactersIn: ",")))
    }
}
