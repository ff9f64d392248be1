import Foundation
import IPC
import TestSupport
import XCTest

@testable import ExecCore

/// The shadow paper venue (`exec --shadow-paper`): the paper venue follows the order manager's
/// commands and the live venue's ends, and the report compares the two journals order by order.
/// The live venue here is a paper venue too, with another latency, so every step is exact.
final class ShadowPaperVenueTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-shadow-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    let ms: Int64 = 1_000_000
    let instrument = try! Instrument(
        id: 1, symbol: "BTCUSDT", tickMantissa: 1, tickDecimals: 2, lotMantissa: 1, lotDecimals: 5,
        priceDisplayDecimals: 2, sizeDisplayDecimals: 5)

    /// A paper venue of latency `latencyMs` on a book of 100 × 5000 bid, 101 × 4000 ask.
    func paper(latencyMs: Int64) -> DefaultPaperVenue {
        let venue = PaperVenue(
            instrument: 1, latency: ConstantLatency(latencyNs: latencyMs * ms), queue: ProportionalQueue(),
            fees: NotionalFees())
        venue.level(.bid, price: 100, size: 5_000)
        venue.level(.ask, price: 101, size: 4_000)
        return venue
    }

    func shadowed(liveLatencyMs: Int64, paperLatencyMs: Int64) throws -> (
        ShadowedVenue<DefaultPaperVenue, DefaultPaperVenue>, String
    ) {
        let path = directory.appendingPathComponent("shadow-\(liveLatencyMs)-\(paperLatencyMs).journal").path
        let journal = try ShadowJournal(path: path, policy: .none, appending: false)
        let venue = ShadowedVenue(
            live: paper(latencyMs: liveLatencyMs), paper: paper(latencyMs: paperLatencyMs), journal: journal,
            instrument: 1)
        var none: [ExecutionReport] = []
        venue.top(
            BookTop(
                header: FrameHeader(type: .bookTop, instrument: 1), bidPrice: 100, bidSize: 5_000, askPrice: 101,
                askSize: 4_000),
            nowNs: 0, into: &none)
        XCTAssertTrue(none.isEmpty)
        return (venue, path)
    }

    func command(
        _ kind: OrderCommand.Command, _ id: UInt32, orig: UInt32 = 0, price: Int64 = 100, size: Int64 = 1_000
    ) -> OrderCommand {
        OrderCommand(
            header: FrameHeader(type: .orderCommand, instrument: 1), command: kind, side: .buy, orderType: .postOnly,
            timeInForce: .goodTillCancel, clientOrderId: kind == .cancel ? 0 : id, origClientOrderId: orig,
            price: price, size: size)
    }

    func sellThrough(_ price: Int64) -> Trade {
        Trade(header: FrameHeader(type: .trade, instrument: 1), price: price, size: 10, tradeId: 1, aggressor: .sell)
    }

    func summary(_ reports: [ExecutionReport]) -> [String] {
        reports.map { "\($0.report) \($0.clientOrderId)" }
    }

    /// The shadow journal's order commands and reports, in order.
    func shadowRecords(_ path: String) throws -> [String] {
        var records: [String] = []
        let scan = try Journal.read(path) { frame, _ in
            switch frame.header.messageType {
            case .orderCommand:
                let order = frame.as(OrderCommand.self)
                records.append(
                    order.command == .cancel
                        ? "cancel \(order.origClientOrderId)" : "\(order.command) \(order.clientOrderId)")
            case .executionReport:
                let report = frame.as(ExecutionReport.self)
                records.append("\(report.report) \(report.clientOrderId)")
            default:
                break
            }
        }
        XCTAssertTrue(scan.damaged.isEmpty && scan.tornTailBytes == 0)
        return records
    }

    /// The live venue fills an order before its twin reaches the paper venue: the live report goes
    /// on, the twin is cancelled on paper, and nothing of the paper venue's reaches the manager.
    func testAnOrderTheLiveVenueEndsIsCancelledOnPaper() throws {
        let (venue, path) = try shadowed(liveLatencyMs: 1, paperLatencyMs: 10)
        var reports: [ExecutionReport] = []
        venue.submit(command(.new, 1), nowNs: 0, into: &reports)
        venue.advance(to: 1 * ms, into: &reports)
        venue.trade(sellThrough(99), nowNs: 2 * ms, into: &reports)
        XCTAssertEqual(summary(reports), ["ack 1", "fill 1"], "the live venue's, all of them, and only them")
        XCTAssertEqual(venue.nextArrivalNs, 10 * ms, "the twin still on its way to the paper venue")
        venue.advance(to: 10 * ms, into: &reports)
        venue.advance(to: 12 * ms, into: &reports)
        venue.finish()
        XCTAssertEqual(summary(reports), ["ack 1", "fill 1"])
        XCTAssertEqual(try shadowRecords(path), ["new 1", "cancel 1", "ack 1", "cancelled 1"])
        XCTAssertEqual(venue.ledger.fills, 0)
        XCTAssertEqual(venue.nextArrivalNs, .max)
    }

    /// The paper venue fills first: the manager, following the live venue, replaces the order;
    /// on paper its replacement is a new order. A cancel of an order the paper venue no longer
    /// has is dropped.
    func testAReplaceOfAnOrderThePaperVenueFilledIsANewOrderThere() throws {
        let (venue, path) = try shadowed(liveLatencyMs: 10, paperLatencyMs: 1)
        var reports: [ExecutionReport] = []
        venue.submit(command(.new, 1), nowNs: 0, into: &reports)
        venue.advance(to: 1 * ms, into: &reports)
        venue.trade(sellThrough(99), nowNs: 2 * ms, into: &reports)
        venue.advance(to: 10 * ms, into: &reports)
        XCTAssertEqual(summary(reports), ["ack 1"], "live, the order arrived after the trade")
        venue.submit(command(.replace, 2, orig: 1, price: 99), nowNs: 11 * ms, into: &reports)
        venue.submit(command(.cancel, 0, orig: 7), nowNs: 11 * ms, into: &reports)
        venue.advance(to: 12 * ms, into: &reports)
        venue.submit(command(.cancel, 0, orig: 2), nowNs: 13 * ms, into: &reports)
        venue.advance(to: 14 * ms, into: &reports)
        venue.finish()
        XCTAssertEqual(
            try shadowRecords(path),
            ["new 1", "ack 1", "fill 1", "new 2", "ack 2", "cancel 2", "cancelled 2"])
        XCTAssertEqual(venue.ledger.fills, 1)
        XCTAssertEqual(venue.ledger.position, 1_000)
    }

    /// Whatever works on paper at the end is cancelled there, and every cancel arrives.
    func testTheEndCancelsWhatStillWorksOnPaper() throws {
        let (venue, path) = try shadowed(liveLatencyMs: 1, paperLatencyMs: 3)
        var reports: [ExecutionReport] = []
        venue.submit(command(.new, 1), nowNs: 0, into: &reports)
        venue.submit(command(.new, 2, price: 99), nowNs: 0, into: &reports)
        venue.advance(to: 5 * ms, into: &reports)
        venue.finish()
        XCTAssertEqual(
            try shadowRecords(path),
            ["new 1", "new 2", "ack 1", "ack 2", "cancel 1", "cancel 2", "cancelled 1", "cancelled 2"])
    }

    /// A continued shadow journal (exec restarted with --append) whose last record was torn by a
    /// crash: opening cuts the torn bytes off, keeps every whole record, and says what it cut.
    func testAContinuedShadowJournalCutsATornTailAndSaysSo() throws {
        let path = directory.appendingPathComponent("torn.journal").path
        let first = try ShadowJournal(path: path, policy: .none, appending: false)
        first.record(Frame(InstrumentDefinition(instrument)))
        first.close()
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        let torn = whole + Data(repeating: 7, count: 20)
        try torn.write(to: URL(fileURLWithPath: path))
        let continued = try ShadowJournal(path: path, policy: .none, appending: true)
        continued.close()
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), whole, "the whole record kept, nothing else")
        // What the shadow journal's opening says (on stderr): the same finding as here.
        try torn.write(to: URL(fileURLWithPath: path))
        let (journal, opening) = try Journal.open(path, policy: .none, appending: true)
        try journal.close()
        XCTAssertEqual(opening.findings, ["a torn last record (20 bytes) was cut off"])
    }

    /// Two journals written by hand, compared by `exec report --shadow`: the counts, the one-sided
    /// fills, the times to first fill and the average prices, as worked out here.
    func testTheReportComparesTheJournalsOrderByOrder() throws {
        func journal(_ name: String, _ frames: [Frame]) throws -> String {
            let path = directory.appendingPathComponent(name).path
            let (journal, _) = try Journal.open(path, policy: .none, appending: false)
            for frame in frames { try journal.append(frame) }
            try journal.close()
            return path
        }
        func new(_ id: UInt32, _ price: Int64, side: Side = .buy) -> Frame {
            Frame(
                OrderCommand(
                    header: FrameHeader(type: .orderCommand, instrument: 1), command: .new, side: side,
                    orderType: .postOnly, timeInForce: .goodTillCancel, clientOrderId: id, price: price, size: 1_000))
        }
        func report(_ kind: ExecutionReport.Report, _ id: UInt32, _ price: Int64, _ size: Int64, atMs: Int64)
            -> Frame
        {
            Frame(
                ExecutionReport(
                    header: FrameHeader(type: .executionReport, instrument: 1, receiveTimeNs: atMs * ms), report: kind,
                    side: .buy, rejectReason: kind == .reject ? .postOnlyWouldCross : .none, clientOrderId: id,
                    price: price, size: size))
        }
        let definition = Frame(InstrumentDefinition(instrument))
        // Live: 1 filled at 5 ms, 2 in part at 7 ms, 3 never, 4 rejected.
        let live = try journal(
            "live.journal",
            [
                definition, new(1, 10_000), new(2, 10_100), new(3, 10_200), new(4, 10_300),
                report(.fill, 1, 10_000, 1_000, atMs: 5), report(.partialFill, 2, 10_100, 400, atMs: 7),
                report(.reject, 4, 10_300, 1_000, atMs: 1)
            ])
        // Paper: 1 filled at 8 ms, 3 at 9 ms; 2 never.
        let shadow = try journal(
            "shadow.journal",
            [
                definition, new(1, 10_000), new(2, 10_100), new(3, 10_200), new(4, 10_300),
                report(.fill, 1, 10_000, 1_000, atMs: 8), report(.fill, 3, 10_200, 1_000, atMs: 9)
            ])
        let result = try ChildProcess("exec", ["report", live, "--shadow", shadow]).finish()
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertTrue(
            result.err.contains(
                "exec: shadow paper venue: BTCUSDT: 4 orders placed live, 4 on paper; filled 2 live, 2 on paper, 1 on "
                    + "both, 1 live only, 1 on paper only"), result.err)
        for (label, live, paper) in [
            ("orders filled on both", "1", "1"), ("orders filled here only", "1", "1"),
            ("orders rejected", "1", "0"), ("lots filled", "0.01400", "0.02000"),
            ("lots filled, orders filled on both", "0.01000", "0.01000"),
            // (10000 × 1000 + 10100 × 400) / 1400 = 10028.571… ticks of 0.01.
            ("average buy price", "100.2857", "101.0000"),
            // Nearest rank: of 5 and 7 ms the upper; of 8 and 9 ms the upper.
            ("placement to first fill, median (ms)", "7.0", "9.0"),
            ("placement to first fill, orders filled on both, median (ms)", "5.0", "8.0"),
            ("average sell price", "n/a", "n/a"), ("final position", "0.01400", "0.02000")
        ] {
            let row = "<tr><td>\(label)</td><td class=\"v\">\(live)</td><td class=\"v\">\(paper)</td></tr>"
            XCTAssertTrue(result.out.contains(row), "\(row)\n\(result.out)")
        }

        let usage = try ChildProcess("exec", ["report", live, "--shadow"]).finish()
        XCTAssertEqual(usage.status, 100)
        XCTAssertTrue(
            usage.err.hasPrefix(
                "exec: report needs one FILE, then --venue-journal FILE, --shadow FILE and --title TEXT"))
        let missing = try ChildProcess("exec", ["report", live, "--shadow", shadow + ".nope"]).finish()
        XCTAssertEqual(missing.status, 1, missing.err)
    }
}
