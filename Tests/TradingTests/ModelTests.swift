import Foundation
import IPC
import TestSupport
import XCTest

@testable import ExecCore

/// The paper venue's models as the flags choose them: recorded latencies interpolated, a fee
/// schedule per instrument, the queue model's flags; and each through the real `exec` on the
/// real recording.
final class ModelTests: XCTestCase {
    func file(_ name: String, _ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-model-\(getpid())-\(name)")
            .path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { unlink(path) }
        return path
    }

    /// hftbacktest's IntpOrderLatency: linear between the recorded orders, theirs outside them.
    func testRecordedLatenciesAreInterpolatedBetweenOrders() throws {
        let path = try file(
            "latency",
            """
            # request_ns, exchange_ns, response_ns
            1000,1100,1200
            2000,2300,2400

            4000 4100 4150
            """)
        var model = try RecordedLatency(path: path)
        XCTAssertEqual(model.entryLatency(sentAtNs: 0), 100, "before the first order: its latency")
        XCTAssertEqual(model.entryLatency(sentAtNs: 1000), 100)
        XCTAssertEqual(model.entryLatency(sentAtNs: 1500), 200, "half way from 100 to 300")
        XCTAssertEqual(model.entryLatency(sentAtNs: 2000), 300)
        XCTAssertEqual(model.entryLatency(sentAtNs: 3000), 200, "half way from 300 to 100")
        XCTAssertEqual(model.entryLatency(sentAtNs: 9000), 100, "after the last: its latency")
        XCTAssertEqual(model.entryLatency(sentAtNs: 1250), 150, "an earlier time after a later one: searched again")
    }

    func testABadLatencyFileIsNamedByLine() throws {
        let cases = [
            (
                "1000,1100\n",
                ":1: expected three timestamps in nanoseconds (request, exchange, response), found '1000,1100'"
            ),
            ("1000,900,1200\n", ":1: the exchange time must follow the request and the response the exchange"),
            ("1000,1100,1200\n1000,1200,1300\n", ":2: request times must increase (1000 after 1000)"),
            ("# nothing\n", ": no orders in it")
        ]
        for (index, (text, expected)) in cases.enumerated() {
            let path = try file("bad-latency-\(index)", text)
            XCTAssertThrowsError(try RecordedLatency(path: path)) { error in
                XCTAssertEqual("\(error)", "--latency-file \(path)\(expected)")
            }
        }
        XCTAssertThrowsError(try RecordedLatency(path: "/nonexistent")) { error in
            XCTAssertEqual("\(error)", "--latency-file /nonexistent: No such file or directory")
        }
    }

    func testAFeeScheduleGivesEachInstrumentItsRates() throws {
        let path = try file(
            "fees",
            """
            # symbol maker taker
            BTCUSDT  -10  400
            *        100  1000
            """)
        let schedule = try FeeSchedule(path: path, others: NotionalFees(makerMillionths: 1, takerMillionths: 2))
        let btc = try Instrument(
            id: 1, symbol: "BTCUSDT", tickMantissa: 1, tickDecimals: 2, lotMantissa: 1, lotDecimals: 5,
            priceDisplayDecimals: 8, sizeDisplayDecimals: 8)
        let eth = try Instrument(
            id: 2, symbol: "ETHUSDT", tickMantissa: 1, tickDecimals: 2, lotMantissa: 1, lotDecimals: 4,
            priceDisplayDecimals: 8, sizeDisplayDecimals: 8)
        XCTAssertEqual(schedule.applying(to: btc).fee(price: 1_000_000, size: 1_000, maker: true), -10_000)
        XCTAssertEqual(schedule.applying(to: btc).fee(price: 1_000_000, size: 1_000, maker: false), 400_000)
        XCTAssertEqual(
            schedule.applying(to: eth).fee(price: 1_000_000, size: 1_000, maker: true), 100_000, "the * line")
        XCTAssertEqual(schedule.applying(to: btc).maxRateMillionths, 400)
        XCTAssertEqual(schedule.applying(to: eth).maxRateMillionths, 1_000)
        let unnamed = try FeeSchedule(
            path: try file("fees-btc", "BTCUSDT 0 0\n"), others: NotionalFees(makerMillionths: 1, takerMillionths: 2))
        XCTAssertEqual(
            unnamed.applying(to: eth).fee(price: 1_000_000, size: 1_000, maker: false), 2_000, "the flags' rates")

        let bad = [
            ("BTCUSDT 10\n", ":1: expected a symbol and two rates in millionths (maker, taker), found 'BTCUSDT 10'"),
            ("BTCUSDT 10 20000\n", ":1: rates must be within -10000...10000 millionths (±1 %)"),
            ("BTCUSDT 1 2\nBTCUSDT 3 4\n", ":2: BTCUSDT already on line 1")
        ]
        for (index, (text, expected)) in bad.enumerated() {
            let path = try file("bad-fees-\(index)", text)
            XCTAssertThrowsError(try FeeSchedule(path: path, others: NotionalFees())) { error in
                XCTAssertEqual("\(error)", "--fee-schedule \(path)\(expected)")
            }
        }
    }

    func testTheQueueModelFlags() throws {
        XCTAssertEqual(try ExecOptions([]).queue, .proportional)
        XCTAssertEqual(try ExecOptions(["--queue-power", "1"]).queue, .proportional)
        XCTAssertEqual(try ExecOptions(["--queue-power", "3"]).queue, .power(3))
        XCTAssertEqual(try ExecOptions(["--queue-model", "power"]).queue, .power(2))
        XCTAssertEqual(try ExecOptions(["--queue-model", "power", "--queue-power", "4"]).queue, .power(4))
        XCTAssertEqual(try ExecOptions(["--queue-model", "risk-averse"]).queue, .riskAverse)
        XCTAssertThrowsError(try ExecOptions(["--queue-model", "risk-averse", "--queue-power", "2"])) { error in
            XCTAssertEqual(
                "\(error)", "--queue-power is the power model's; not with --queue-model proportional or risk-averse")
        }
        XCTAssertThrowsError(try ExecOptions(["--queue-model", "fifo"])) { error in
            XCTAssertEqual("\(error)", "--queue-model 'fifo': expected proportional, power or risk-averse")
        }
        XCTAssertThrowsError(try ExecOptions(["--latency-file", "x", "--entry-latency-ms", "1"]))
    }

    /// The BTCUSDT replay through the real tools with each model, quoting at the touch (where
    /// the queue decides the fills): the named defaults journal what no flags do; the
    /// risk-averse queue fills less than the proportional one, the power queue differently; a
    /// recorded latency of 5 ms throughout journals what --entry-latency-ms 5 does; a schedule
    /// giving BTCUSDT the flags' rates journals the same bytes.
    func testEachModelRunsInTheRealExec() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-models-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func replay(_ name: String, _ models: [String]) throws -> (journal: Data, fills: Int) {
            let journal = directory.appendingPathComponent("\(name).jrnl").path
            let result = try replayThroughPipes(
                signal: [
                    "--strategy", "fixed", "--spread-ticks", "1", "--quote-size", "0.01", "--max-position", "0.05"
                ],
                exec: ["--journal", journal, "--max-position", "0.05"] + models)
            XCTAssertEqual(result.status, 0, "\(name): \(result.err)")
            let summary = result.err.split(separator: "\n").first { $0.hasPrefix("exec: BTCUSDT: ") } ?? ""
            let fills = Int(summary.dropFirst("exec: BTCUSDT: ".count).prefix { $0 != " " }) ?? -1
            return (try Data(contentsOf: URL(fileURLWithPath: journal)), fills)
        }
        let fees = ["--maker-fee-ppm", "-10", "--taker-fee-ppm", "400"]
        let defaults = try replay("defaults", fees)
        let proportional = try replay(
            "proportional", fees + ["--queue-model", "proportional", "--entry-latency-ms", "5"])
        XCTAssertEqual(proportional.journal, defaults.journal, "the named defaults are the defaults")
        let riskAverse = try replay("risk-averse", fees + ["--queue-model", "risk-averse"])
        XCTAssertGreaterThan(defaults.fills, 100)
        XCTAssertLessThan(riskAverse.fills, defaults.fills, "only trades move a risk-averse queue")
        let power = try replay("power", fees + ["--queue-model", "power"])
        XCTAssertGreaterThan(power.fills, 100)
        XCTAssertNotEqual(power.journal, defaults.journal, "cancels placed by the power model")

        let latency = try file("five-ms", "0,5000000,6000000\n")
        XCTAssertEqual(
            try replay("recorded-latency", fees + ["--latency-file", latency]).journal, defaults.journal,
            "5 ms recorded throughout is --entry-latency-ms 5")
        let schedule = try file("schedule", "BTCUSDT -10 400\n* 0 0\n")
        XCTAssertEqual(
            try replay("schedule", ["--fee-schedule", schedule]).journal, defaults.journal,
            "BTCUSDT's line gives it the rates the flags gave")

        let missing = try ChildProcess("exec", ["--latency-file", "/nonexistent"]).finish()
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.err, "exec: --latency-file /nonexistent: No such file or directory\n")
    }
}
