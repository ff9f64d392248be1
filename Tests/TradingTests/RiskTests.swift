import Foundation
import Glibc
import IPC
import TestSupport
import XCTest

@testable import ExecCore

/// The whole pipeline over a session's rings, as real processes, and risk acting on it: each
/// limit halts trading with its name; `kill -USR1 risk` flattens (also with signal dead); an exec
/// that does not confirm is killed.
final class RiskTests: XCTestCase {
    final class Session {
        let name: String
        let journal: String
        var feed: ChildProcess!
        var book: ChildProcess!
        var signal: ChildProcess!
        var exec: ChildProcess!
        var risk: ChildProcess!

        /// A synthetic market unless `feedArguments` say otherwise; exec waits for `execReaders`
        /// (risk) before it starts.
        init(
            _ label: String, risk riskArguments: [String], execArguments: [String] = [], signalArguments: [String] = [],
            feedArguments: [String] = [], execReaders: Int = 0, riskEnvironment: [String: String] = [:],
            execEnvironment: [String: String] = [:]
        ) throws {
            name = "\(label)\(getpid())"
            journal = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-\(name).jrnl").path
            let ring = { (part: String) in "shm:tickpipe.\(self.name).\(part)" }
            // Wired as run.sh wires it: exec reads the market from feed's ring beside signal's.
            feed = try ChildProcess("feed", ["--out", ring("md"), "--readers", "2", "--session", name] + feedArguments)
            book = try ChildProcess(
                "book", ["--in", ring("md"), "--out", ring("tops"), "--progress", "--session", name])
            signal = try ChildProcess(
                "signal",
                [
                    "--in", ring("tops"), "--out", ring("quotes"), "--pass-tops", "--strategy", "fixed",
                    "--spread-ticks", "2", "--quote-size", "0.5", "--min-requote-ms", "50",
                    "--session", name, "--positions", ring("exec")
                ] + signalArguments)
            exec = try ChildProcess(
                "exec",
                [
                    "--in", ring("quotes"), "--market", ring("md"), "--out", ring("exec"), "--readers",
                    "\(execReaders)", "--journal", journal,
                    "--session", name, "--max-position", "5"
                ] + execArguments, environment: execEnvironment)
            // risk attaches to rings that exist: exec's, and book's (which a replay's feed makes later).
            for part in ["tops", "exec"] {
                for _ in 0..<600 where access("/dev/shm/tickpipe.\(name).\(part)", F_OK) != 0 { usleep(50_000) }
            }
            usleep(200_000)
            risk = try ChildProcess(
                "risk", ["--session", name, "--exec", ring("exec"), "--market", ring("tops")] + riskArguments,
                environment: riskEnvironment)
        }

        /// Stops everything still running and returns risk's and exec's stderr.
        func stop() -> (risk: String, exec: String) {
            for child in [feed!, book!, signal!, exec!, risk!] {
                kill(child.pid, SIGCONT)
                kill(child.pid, SIGTERM)
            }
            let riskResult = risk.finish(timeout: 30)
            let execResult = exec.finish(timeout: 30)
            for child in [feed!, book!, signal!] { _ = child.finish(timeout: 30) }
            return (riskResult.err, execResult.err)
        }

        /// The position, PnL and working orders rebuilt from the journal.
        func journaledBook() throws -> (
            position: Int64, fills: UInt64, realizedPnl: Int128, fees: Int128, openOrders: Int
        ) {
            var ledger = PositionLedger()
            var open = Set<UInt32>()
            _ = try Journal.read(journal) { frame, _ in
                switch frame.header.messageType {
                case .orderCommand:
                    let command = frame.as(OrderCommand.self)
                    if command.command != .cancel { open.insert(command.clientOrderId) }
                case .executionReport:
                    let report = frame.as(ExecutionReport.self)
                    ledger.book(report)
                    if report.report == .fill || report.report == .cancelled || report.report == .reject {
                        open.remove(report.clientOrderId)
                    }
                default: break
                }
            }
            return (ledger.position, ledger.fills, ledger.realizedPnl, ledger.fees, open.count)
        }

        deinit {
            unlink(journal)
            for part in ["md", "tops", "quotes", "exec", "control"] { unlink("/dev/shm/tickpipe.\(name).\(part)") }
        }
    }

    func waitFor(_ text: String, in child: ChildProcess, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if child.errorsSoFar.contains(text) { return true }
            usleep(20_000)
        }
        return false
    }

    /// feed → book → signal → exec → risk on the real recording, each its own process: what risk
    /// reports at the end is what the journal rebuilds, to the tick × lot.
    func testRiskReportsThePnLTheJournalRebuildsOnTheRealRecording() throws {
        let data = try sharedDataDirectory()
        // exec waits for its two readers, signal's position feed and risk: a release build
        // replays the file before risk would otherwise have attached.
        let session = try Session(
            "spot", risk: [],
            feedArguments: [
                "--replay", "\(data)/binance-spot/btcusdt_20240808.gz",
                "--exchange-info", "\(data)/cryptofeed/BINANCE.0"
            ],
            execReaders: 2)
        XCTAssertTrue(
            waitFor("exec: BTCUSDT: ", in: session.exec, timeout: 300), "exec reaches the end of the recording")
        let (risk, exec) = session.stop()
        let journaled = try session.journaledBook()
        XCTAssertGreaterThan(journaled.fills, 10, "the strategy traded: \(exec)")
        let expected = "realized \(journaled.realizedPnl) and fees \(journaled.fees) ticks × lots"
        let riskLine = try XCTUnwrap(risk.split(separator: "\n").first { $0.hasPrefix("risk: BTCUSDT: ") }, risk)
        XCTAssertTrue(riskLine.contains(expected), "expected \(expected) in: \(riskLine)")
        // The position as both print it: exec's own ledger and risk's last snapshot of it.
        let execLine = try XCTUnwrap(exec.split(separator: "\n").first { $0.hasPrefix("exec: BTCUSDT: ") }, exec)
        XCTAssertNotNil(positionField(riskLine))
        XCTAssertEqual(positionField(riskLine), positionField(execLine))
        XCTAssertTrue(exec.contains("\(journaled.fills) fills"), exec)
    }

    func testFlattenLeavesNoOrderAndNoPositionWithinASecond() throws {
        let session = try Session("flat", risk: [])
        usleep(3_000_000) // trading
        kill(session.risk.pid, SIGUSR1)
        let flat = waitFor("risk: flat: exec confirmed within 1000 ms", in: session.risk, timeout: 1.5)
        let output = session.stop()
        XCTAssertTrue(flat, output.risk)
        XCTAssertTrue(output.exec.contains("exec: flat: no order working, no position"), output.exec)
        let book = try session.journaledBook()
        XCTAssertGreaterThan(book.fills, 0, "it traded before the flatten")
        XCTAssertEqual(book.position, 0)
        XCTAssertEqual(book.openOrders, 0)
    }

    func testFlattenWorksWithSignalDead() throws {
        let session = try Session("nosig", risk: [])
        usleep(3_000_000)
        kill(session.signal.pid, SIGKILL)
        usleep(200_000)
        kill(session.risk.pid, SIGUSR1)
        let flat = waitFor("risk: flat: exec confirmed within 1000 ms", in: session.risk, timeout: 1.5)
        let output = session.stop()
        XCTAssertTrue(flat, output.risk + output.exec)
        XCTAssertEqual(try session.journaledBook().position, 0)
        XCTAssertEqual(try session.journaledBook().openOrders, 0)
    }

    /// Wired by hand, no run.sh: signal killed, exec notices its input's producer is dead,
    /// flattens, stops with the reason, and removes the ring nobody else will.
    func testExecStopsFlatWhenItsUpstreamDies() throws {
        let session = try Session("upstream", risk: [])
        usleep(3_000_000)
        kill(session.signal.pid, SIGKILL)
        let exec = session.exec.finish(timeout: 10)
        XCTAssertEqual(exec.status, 1, exec.err)
        XCTAssertTrue(
            exec.err.contains(
                "exec: upstream shm:tickpipe.\(session.name).quotes producer pid \(session.signal.pid) died without "
                    + "ending its stream; flat, stopped"
            ),
            exec.err)
        XCTAssertEqual(try session.journaledBook().position, 0)
        XCTAssertEqual(try session.journaledBook().openOrders, 0)
        XCTAssertNotEqual(
            access("/dev/shm/tickpipe.\(session.name).quotes", F_OK), 0, "the dead producer's ring is removed")
        _ = session.stop()
    }

    func testSignalKnowsThePositionFromExecAndStopsAtItsLimit() throws {
        // signal's limit (1 unit) binds before exec's (5): it must be reading exec's positions.
        let session = try Session("inventory", risk: [], signalArguments: ["--max-position", "1"])
        usleep(6_000_000)
        _ = session.stop()
        var largest: Int64 = 0
        var ledger = PositionLedger()
        _ = try Journal.read(session.journal) { frame, _ in
            guard frame.header.messageType == .executionReport else { return }
            ledger.book(frame.as(ExecutionReport.self))
            largest = max(largest, abs(ledger.position))
        }
        XCTAssertGreaterThan(ledger.fills, 2)
        // 1 unit, plus at most one more 0.5 order in flight when the limit was reached.
        XCTAssertLessThanOrEqual(largest, 1_500, "position in lots of 0.001")
    }

    func testAStoppedExecIsKilledWhenItDoesNotConfirm() throws {
        let session = try Session("stopped", risk: [])
        usleep(2_000_000)
        kill(session.exec.pid, SIGSTOP)
        kill(session.risk.pid, SIGUSR1)
        let killed = waitFor(
            "did not confirm the flatten within 1000 ms: killed it; trading stays halted", in: session.risk, timeout: 3)
        let output = session.stop()
        XCTAssertTrue(killed, output.risk)
        XCTAssertTrue(output.risk.contains("risk: exec pid \(session.exec.pid) did not confirm"), output.risk)
    }

    func testEachLimitHaltsWithItsName() throws {
        let cases: [(String, [String], String)] = [
            ("position", ["--max-position", "0.2"], "risk: HALT: max position 0.2 SYNUSDT breached: position "),
            ("notional", ["--max-notional", "10"], "risk: HALT: max notional 10.0 breached: exposure ")
        ]
        for (label, arguments, expected) in cases {
            let session = try Session(label, risk: arguments)
            let halted = waitFor(expected, in: session.risk, timeout: 15)
            let obeyed = waitFor("exec: trading halted (", in: session.exec, timeout: 2)
            let output = session.stop()
            XCTAssertTrue(halted, "\(label): \(output.risk)")
            XCTAssertTrue(obeyed, "exec cancels everything and sends no new order: \(label): \(output.exec)")
        }
    }

    /// `risk resume SESSION`: refused while the limit that halted trading is still breached,
    /// naming it; granted once a flatten has brought the position back, and exec quotes again.
    func testResumeLiftsAHaltOnlyOnceItsCauseIsGone() throws {
        let session = try Session("resume", risk: ["--max-position", "0.2"])
        let halted = waitFor("risk: HALT: max position 0.2 SYNUSDT breached", in: session.risk, timeout: 15)
        XCTAssertTrue(halted, session.risk.errorsSoFar)
        let refused = try ChildProcess("risk", ["resume", session.name]).finish(timeout: 10)
        XCTAssertEqual(refused.status, 1, refused.err)
        XCTAssertTrue(
            refused.err.hasPrefix(
                "risk: resume refused by risk pid \(session.risk.pid): max position 0.2 SYNUSDT "
                    + "breached: position "),
            refused.err)
        XCTAssertTrue(refused.err.contains("still breached"), refused.err)

        kill(session.risk.pid, SIGUSR1)
        XCTAssertTrue(waitFor("risk: flat: exec confirmed", in: session.risk, timeout: 3), session.risk.errorsSoFar)
        func placed() throws -> Int {
            var count = 0
            _ = try Journal.read(session.journal) { frame, _ in
                if frame.header.messageType == .orderCommand, frame.as(OrderCommand.self).command != .cancel {
                    count += 1
                }
            }
            return count
        }
        let beforeResume = try placed()
        let resumed = try ChildProcess("risk", ["resume", session.name]).finish(timeout: 10)
        XCTAssertEqual(resumed.status, 0, resumed.err)
        XCTAssertTrue(
            resumed.err.hasPrefix("risk: resumed: the halt (max position 0.2 SYNUSDT breached"), resumed.err)
        XCTAssertTrue(waitFor("exec: trading resumed: quoting again", in: session.exec, timeout: 3))
        let deadline = Date().addingTimeInterval(5)
        while try placed() == beforeResume && Date() < deadline { usleep(50_000) }
        let afterResume = try placed()
        let output = session.stop()
        XCTAssertGreaterThan(afterResume, beforeResume, "exec places orders again: \(output.exec)")
        XCTAssertTrue(output.risk.contains("risk: RESUMED: the halt (max position 0.2 SYNUSDT breached"), output.risk)

        let noSession = try ChildProcess("risk", ["resume", "nosuch\(getpid())"]).finish(timeout: 10)
        XCTAssertEqual(noSession.status, 1, noSession.err)
    }

    func testTheWatchdogHaltsWhenAStageStops() throws {
        let session = try Session("watchdog", risk: ["--heartbeat-timeout-ms", "500"])
        usleep(1_500_000)
        kill(session.book.pid, SIGSTOP)
        let halted = waitFor(
            "risk: HALT: watchdog: book pid \(session.book.pid) silent for ", in: session.risk, timeout: 5)
        let output = session.stop()
        XCTAssertTrue(halted, output.risk)
    }

    func testStaleMarketDataHalts() throws {
        let session = try Session("stale", risk: ["--stale-ms", "300", "--heartbeat-timeout-ms", "60000"])
        usleep(1_500_000)
        kill(session.feed.pid, SIGSTOP)
        let halted = waitFor("risk: HALT: stale market data: nothing for ", in: session.risk, timeout: 5)
        let output = session.stop()
        XCTAssertTrue(halted, output.risk)
    }
}
