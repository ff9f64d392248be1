import Foundation
import IPC
import StrategyHarness
import TestSupport
import XCTest

@testable import ExecCore
@testable import SignalCore

/// The external strategies' JSON lines (docs/external.md): the events as written, field by
/// field, and the commands as read: applied when the whole line is right, refused with the byte
/// and the reason when any of it is not.
final class ExternalStrategyTests: XCTestCase {
    let instrument = try! Instrument(
        id: 1, symbol: "BTCUSDT", tickMantissa: 1, tickDecimals: 2, lotMantissa: 1, lotDecimals: 5,
        priceDisplayDecimals: 8, sizeDisplayDecimals: 8)

    func written(_ write: (inout ExternalEventWriter) -> Void) -> String {
        var writer = ExternalEventWriter()
        write(&writer)
        return String(decoding: writer.line.written(), as: UTF8.self)
    }

    func testEventsAreWrittenFieldByFieldWithExactDecimals() {
        XCTAssertEqual(
            written { $0.instrument(instrument, quoteSizeLots: 100, maxPositionLots: 100_000) },
            #"{"type":"instrument","id":1,"symbol":"BTCUSDT","tick":"0.01","lot":"0.00001","quote_size":"0.00100","#
                + #""max_position":"1.00000"}"# + "\n")
        let top = BookTop(
            header: FrameHeader(type: .bookTop, instrument: 1), bidPrice: 6_123_401, bidSize: 50_000,
            askPrice: 6_123_402, askSize: 0)
        XCTAssertEqual(
            written { $0.book(top, view: nil, instrument: instrument, timeNs: 17) },
            #"{"type":"book","time_ns":17,"id":1,"bids":[{"price":"61234.01","size":"0.50000"}],"asks":[]}"# + "\n",
            "the top alone, an empty side empty")
        let trade = Trade(
            header: FrameHeader(type: .trade, instrument: 1), price: 5, size: 1, tradeId: 9, aggressor: .sell)
        XCTAssertEqual(
            written { $0.trade(trade, instrument: instrument, timeNs: 18) },
            #"{"type":"trade","time_ns":18,"id":1,"price":"0.05","size":"0.00001","aggressor":"sell"}"# + "\n")
        // A fill with a rebate: fee −3 ticks × lots = −0.0000003 (7 decimals: a tick's 2 and a lot's 5).
        let fill = ExecutionReport(
            header: FrameHeader(type: .executionReport, instrument: 1), report: .fill, side: .buy,
            clientOrderId: 42, price: 6_123_401, size: 100, fee: -3)
        XCTAssertEqual(
            written { $0.order(fill, instrument: instrument, timeNs: 19) },
            #"{"type":"order","time_ns":19,"id":1,"order":42,"report":"fill","side":"buy","price":"61234.01","#
                + #""size":"0.00100","fee":"-0.0000003","reason":"none"}"# + "\n")
        let reject = ExecutionReport(
            header: FrameHeader(type: .executionReport, instrument: 1), report: .reject, side: .sell,
            rejectReason: .postOnlyWouldCross, clientOrderId: 43, price: 1, size: 1, fee: 0)
        XCTAssertTrue(
            written { $0.order(reject, instrument: instrument, timeNs: 20) }.hasSuffix(
                #""report":"reject","side":"sell","price":"0.01","size":"0.00001","fee":"0.0000000","#
                    + #""reason":"post_only_would_cross"}"# + "\n"))
        let position = PositionReport(
            instrument: 1, timeNs: 21, position: -250, markPrice: nil, unrealizedPnl: -1_234_567,
            realizedPnl: 10_000_000, fees: 0)
        XCTAssertEqual(
            written { $0.position(position, instrument: instrument, timeNs: 21) },
            #"{"type":"position","time_ns":21,"id":1,"position":"-0.00250","mark":null,"realized":"1.0000000","#
                + #""unrealized":"-0.1234567","fees":"0.0000000"}"# + "\n")
        XCTAssertEqual(written { $0.timer(15, timeNs: 22) }, #"{"type":"timer","time_ns":22,"timer":15}"# + "\n")
    }

    /// `signal --external 'COMMAND'` is the external strategy; it needs its command.
    func testTheExternalFlagNamesTheStrategyAndItsCommandIsRequired() throws {
        let options = try SignalOptions(["--external", "python3 strategy.py --x 1"])
        XCTAssertEqual(options.strategy.name, "external")
        XCTAssertEqual(options.strategyArguments.map(\.value), ["python3 strategy.py --x 1"])
        XCTAssertThrowsError(try SignalOptions(["--strategy", "external"])) { error in
            XCTAssertEqual("\(error)", "--strategy external needs --external 'COMMAND': the strategy to start")
        }
        XCTAssertThrowsError(try SignalOptions(["--strategy", "fixed", "--external", "x"]))
    }

    func context() -> StrategyContext {
        var context = StrategyContext(bookLevels: 0)
        context.instruments.set(1, QuotedInstrument(instrument: instrument, quoteSize: 0.001, maxPosition: 1))
        return context
    }

    func apply(_ line: String, _ context: inout StrategyContext) throws {
        var bytes = Array(line.utf8)
        try bytes.withUnsafeMutableBufferPointer {
            try ExternalCommandReader.apply(UnsafeBufferPointer($0), to: &context)
        }
    }

    func testEachCommandAsksTheContextForWhatItSays() throws {
        var context = context()
        try apply(#"[{"id":1,"type":"quote","bids":[{"price":"61234.00","size":"0.001"}],"asks":[]}]"#, &context)
        XCTAssertEqual(context.instruments[1].asked, .quote, "one level a side: a quote; fields in any order")
        XCTAssertEqual(
            context.instruments[1].desired, Quote(bidPrice: 6_123_400, bidSize: 100, askPrice: 0, askSize: 0))
        try apply(
            #"[{"type":"quote","id":1,"bids":[{"price":"100.00","size":"0.001"},{"price":"99.99","size":"0.002"}],"#
                + #""asks":[{"size":"0.003","price":"100.01"}]}]"#, &context)
        XCTAssertEqual(context.instruments[1].asked, .ladder, "two levels: a ladder")
        XCTAssertEqual(context.instruments[1].desiredLadder.count(.buy), 2)
        XCTAssertEqual(context.instruments[1].desiredLadder.level(.buy, 1).price, 9_999)
        XCTAssertEqual(context.instruments[1].desiredLadder.level(.sell, 0).size, 300)
        try apply(#" [ {"type":"cancel","id":1} ] "#, &context)
        XCTAssertEqual(context.instruments[1].desired, .none)
        XCTAssertEqual(context.instruments[1].asked, .quote)
        try apply(
            #"[{"type":"order","id":1,"side":"sell","size":"0.002"},"#
                + #"{"type":"order","id":1,"side":"buy","size":"0.5","price":"61000.5"}]"#, &context)
        XCTAssertEqual(context.pendingOrders.map(\.side), [.sell, .buy])
        XCTAssertEqual(context.pendingOrders.map(\.price), [nil, 6_100_050], "no price: a market order")
        XCTAssertEqual(context.pendingOrders.map(\.size), [200, 50_000])
        try apply(#"[{"type":"timer","timer":7,"at_ns":1723075260000000000}]"#, &context)
        XCTAssertEqual(context.timers[7], 1_723_075_260_000_000_000)
        try apply(#"[{"type":"cancel_timer","timer":7}]"#, &context)
        XCTAssertEqual(context.timers[7], .max)
        try apply("[]", &context)
    }

    /// Each malformed line: its error (what and at which byte), and nothing of it applied.
    func testAMalformedLineIsRefusedWholeNamingTheByteAndWhy() {
        let cases: [(line: String, message: String, byte: Int)] = [
            ("", "expected a JSON array of commands ([] for none)", 0),
            (#"{"type":"cancel","id":1}"#, "expected a JSON array of commands ([] for none)", 0),
            ("[] []", "more after the array", 3),
            (#"[{"id":1}]"#, #"a command without its "type""#, 1),
            (#"[{"type":"buy","id":1}]"#, #"unknown command "buy": quote, cancel, order, timer or cancel_timer"#, 9),
            (#"[{"type":"cancel","id":2}]"#, "instrument 2 is not defined", 23),
            (#"[{"type":"cancel"}]"#, #"a command without its instrument "id""#, 1),
            (#"[{"type":"quote","id":1,"bid":[]}]"#, #"a quote has no field "bid""#, 24),
            (
                #"[{"type":"quote","id":1,"bids":[{"price":"1.001","size":"1"}]}]"#,
                #"price "1.001" has more decimals than the increment allows"#, 41
            ),
            (
                #"[{"type":"quote","id":1,"bids":[{"price":"1.00"}]}]"#,
                #"a level needs a "price" and a "size", both above 0"#, 32
            ),
            (
                #"[{"type":"quote","id":1,"bids":[{"price":"1.00","size":"1"},{"price":"1.01","size":"1"}]}]"#,
                "BTCUSDT: bid level 1 at 101 ticks is not below level 0 at 100", 1
            ),
            (
                #"[{"type":"quote","id":1,"bids":[{"price":"1.01","size":"1"}],"asks":[{"price":"1.01","size":"1"}]}]"#,
                "BTCUSDT: the best bid is not below the best ask", 1
            ),
            (#"[{"type":"order","id":1,"side":"hold","size":"1"}]"#, #""side" is "buy" or "sell""#, 31),
            (
                #"[{"type":"order","id":1,"side":"buy","size":"0"}]"#,
                #"an order needs a "side" and a "size" above 0 (and a price above 0, or none)"#, 1
            ),
            (#"[{"type":"timer","timer":16,"at_ns":1}]"#, #""timer" is 0 to 15"#, 25),
            (#"[{"type":"timer","timer":1}]"#, #"a timer needs "timer" and "at_ns""#, 1),
            // The first command is right, the second is not: neither is applied.
            (#"[{"type":"cancel","id":1},{"type":"order","id":1,"side":"buy"}]"#, "an order needs", 26)
        ]
        for (line, message, byte) in cases {
            var context = context()
            XCTAssertThrowsError(try apply(line, &context), line) { error in
                let failure = error as! ExternalCommandReader.Failure
                XCTAssertTrue(failure.message.hasPrefix(message), "\(line): \(failure.message)")
                XCTAssertEqual(failure.offset, byte, "\(line): \(failure.message)")
            }
            XCTAssertEqual(context.instruments[1].asked, .nothing, line)
            XCTAssertTrue(context.pendingOrders.isEmpty, line)
            XCTAssertEqual(context.nextTimerNs, .max, line)
        }
    }
}

/// External strategies as users run them: the Python example under run.sh on a real replay, the
/// same journal through the in-process harness; a strategy that writes a bad line, then dies.
final class ExternalStrategyRunTests: XCTestCase {
    let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    func testThePythonExampleTradesAReplayUnderRunShAndTheHarnessJournalsTheSame() throws {
        let data = try sharedDataDirectory()
        let session = "external\(getpid())"
        defer {
            try? FileManager.default.removeItem(at: root.appendingPathComponent("runs/\(session)"))
            unlink(root.appendingPathComponent("runs/.\(session).lock").path)
        }
        let command = "python3 '\(root.path)/Examples/external-strategy/imbalance_maker.py' --spread-ticks 2"
        let strategy = ["--strategy", "external", "--book-levels", "5", "--external", command]
        let run = try ChildProcess(
            root.appendingPathComponent("run.sh").path,
            ["--replay", "\(data)/binance-spot/btcusdt_20240808.gz", "--session", session] + strategy,
            environment: ["TICKPIPE_BIN": productsDirectory().path]
        ).finish(timeout: 300)
        XCTAssertEqual(run.status, 0, run.err)
        let lines = run.err.split(separator: "\n")
        let exec = try XCTUnwrap(lines.last { $0.hasPrefix("exec: BTCUSDT: ") }, run.err)
        let fills = try XCTUnwrap(Int(exec.split(separator: " ")[2]), String(exec))
        XCTAssertGreaterThan(fills, 5, String(exec))
        XCTAssertTrue(lines.contains("imbalance_maker: \(fills) fills"), "the strategy saw each fill: \(run.err)")
        XCTAssertFalse(run.err.contains("external strategy"), "no problem said: \(run.err)")

        let journal = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-ext-\(getpid())").path
        defer { unlink(journal) }
        let outcome = try StrategyHarness(
            files: ["\(data)/binance-spot/btcusdt_20240808.gz"], exchangeInfo: "\(data)/cryptofeed/BINANCE.0",
            signal: strategy + ["--quote-size", "0.1", "--max-position", "1"], exec: ["--max-position", "1"]
        ).replay(journal: journal)
        XCTAssertEqual(outcome.results.map(\.summary), [String(exec)])
        XCTAssertTrue(
            try Data(contentsOf: URL(fileURLWithPath: journal))
                == Data(contentsOf: root.appendingPathComponent("runs/\(session)/journal")),
            "the harness journaled other bytes than run.sh with the external strategy")
    }

    /// A strategy that quotes the touch; at its 50th book event answers a price finer than the
    /// tick, at its 2000th exits with status 3 (saying at what market time, on its stderr).
    static let faulty = #"""
        import json, sys
        books = 0
        for line in sys.stdin:
            event = json.loads(line)
            reply = []
            if event["type"] == "book" and event["bids"] and event["asks"]:
                books += 1
                bid, ask = event["bids"][0]["price"], event["asks"][0]["price"]
                if books == 50:
                    bid = "1.001"
                    print("malformed at", event["time_ns"], file=sys.stderr, flush=True)
                if books == 2000:
                    print("dying at", event["time_ns"], file=sys.stderr, flush=True)
                    sys.exit(3)
                reply = [{"type": "quote", "id": event["id"], "bids": [{"price": bid, "size": "0.1"}],
                          "asks": [{"price": ask, "size": "0.1"}]}]
            print(json.dumps(reply), flush=True)
        """#

    func testAMalformedLineCancelsTheInstrumentsQuotesAndAStrategyThatDiesCancelsAll() throws {
        let data = try sharedDataDirectory()
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-faulty-\(getpid()).py")
        let journal = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-faulty-\(getpid())").path
        try ExternalStrategyRunTests.faulty.write(to: script, atomically: true, encoding: .utf8)
        let stderr = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-faulty-\(getpid()).err")
        defer {
            unlink(script.path)
            unlink(journal)
            unlink(stderr.path)
        }
        let command = "python3 '\(script.path)' 2> '\(stderr.path)'"
        let outcome = try StrategyHarness(
            files: ["\(data)/binance-spot/btcusdt_20240808.gz"], exchangeInfo: "\(data)/cryptofeed/BINANCE.0",
            signal: ["--strategy", "external", "--external", command, "--quote-size", "0.1", "--max-position", "1"],
            exec: ["--max-position", "1"]
        ).replay(journal: journal)
        let said = outcome.problems.filter { $0.contains("external strategy") }
        XCTAssertEqual(said.count, 3, "the bad line, the end, the count: \(outcome.problems)")
        let malformed = try XCTUnwrap(said.first)
        XCTAssertTrue(malformed.hasPrefix("signal: external strategy's line "), malformed)
        XCTAssertTrue(
            malformed.contains(#": price "1.001" has more decimals than the increment allows at byte 48 of [{"#),
            malformed)
        XCTAssertTrue(malformed.hasSuffix("; BTCUSDT's quotes cancelled"), malformed)
        XCTAssertEqual(
            said.dropFirst().first,
            "signal: external strategy '\(command)' closed its output (it exited with status 3); every instrument's "
                + "quotes cancelled, no more events sent to it")
        let counted = try XCTUnwrap(said.last)
        XCTAssertTrue(counted.contains("': 1 of ") && counted.hasSuffix(" reply lines malformed"), counted)

        // Its own account of when: the market times of the bad line and of its end.
        let told = try String(contentsOf: stderr, encoding: .utf8).split(separator: "\n")
        let malformedNs = try XCTUnwrap(
            told.first { $0.hasPrefix("malformed at ") }.flatMap { Int64($0.split(separator: " ")[2]) })
        let diedNs = try XCTUnwrap(
            told.first { $0.hasPrefix("dying at ") }.flatMap { Int64($0.split(separator: " ")[2]) })
        var commands: [(timeNs: Int64, command: OrderCommand.Command)] = []
        _ = try Journal.read(journal) { frame, _ in
            if frame.header.messageType == .orderCommand {
                let command = frame.as(OrderCommand.self)
                commands.append((command.header.receiveTimeNs, OrderCommand.Command(rawValue: command.commandRaw)!))
            }
        }
        let atMalformed = commands.filter { $0.timeNs == malformedNs }.map(\.command)
        XCTAssertEqual(atMalformed, [.cancel, .cancel], "the bad line's event cancelled both quotes, nothing else")
        XCTAssertTrue(
            commands.contains { $0.timeNs > malformedNs && $0.timeNs < diedNs && $0.command == .new },
            "the strategy went on quoting after its bad line")
        let afterDeath = commands.filter { $0.timeNs >= diedNs }.map(\.command)
        XCTAssertFalse(afterDeath.isEmpty)
        XCTAssertTrue(afterDeath.allSatisfy { $0 == .cancel }, "only cancels once it died: \(afterDeath)")
    }
}
