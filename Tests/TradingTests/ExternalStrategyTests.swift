import IPC
import XCTest

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

    func context() -> StrategyContext {
        var context = StrategyContext(bookLevels: 0)
        context.instruments.set(1, QuotedInstrument(instrument: instrument, quoteSize: 0.001, maxPosition: 1))
        return context
    }

    func apply(_ line: String, _ context: inout StrategyContext) throws {
        var bytes = Array(line.utf8)
        try bytes.withUnsafeMutableBufferPointer { try ExternalCommandReader.apply(UnsafeBufferPointer($0), to: &context) }
    }

    func testEachCommandAsksTheContextForWhatItSays() throws {
        var context = context()
        try apply(#"[{"id":1,"type":"quote","bids":[{"price":"61234.00","size":"0.001"}],"asks":[]}]"#, &context)
        XCTAssertEqual(context.instruments[1].asked, .quote, "one level a side: a quote; fields in any order")
        XCTAssertEqual(context.instruments[1].desired, Quote(bidPrice: 6_123_400, bidSize: 100, askPrice: 0, askSize: 0))
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
            (#"[{"type":"quote","id":1,"bids":[{"price":"1.00"}]}]"#, #"a level needs a "price" and a "size", both above 0"#, 32),
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
