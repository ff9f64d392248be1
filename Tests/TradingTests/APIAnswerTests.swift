import BinanceAPI
import Network
import XCTest

/// The readers of the WebSocket API's answers and events exec acts on, on the documents' own
/// examples (BINANCE.md G.3, G.4) and on answers missing what exec needs.
final class APIAnswerTests: XCTestCase {
    /// `body` with the message's bytes and its result (or event) range.
    func reading<T>(
        _ text: String, _ body: (UnsafeBufferPointer<UInt8>, Range<Int>) throws -> T
    ) throws -> T {
        try Array(text.utf8).withUnsafeBufferPointer { bytes in
            let message = try APIMessage(bytes)
            return try body(bytes, try XCTUnwrap(message.result ?? message.event))
        }
    }

    func text(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>?) -> String? {
        range.map { String(decoding: UnsafeBufferPointer(rebasing: bytes[$0]), as: UTF8.self) }
    }

    func testAnOrderStatusAnswerSaysItsStateFilledQuantityAndOrderId() throws {
        let answer =
            #"{"id":6,"status":200,"result":{"symbol":"BTCUSDT","orderId":12569099453,"orderListId":-1,"#
            + #""clientOrderId":"tpab12-7","price":"23416.10000000","origQty":"0.00847000","#
            + #""executedQty":"0.00500000","cummulativeQuoteQty":"117.08050000","status":"PARTIALLY_FILLED","#
            + #""timeInForce":"GTC","type":"LIMIT_MAKER","side":"SELL","isWorking":true}}"#
        try reading(answer) { bytes, range in
            let status = try OrderStatusAnswer(bytes, range)
            XCTAssertEqual(text(bytes, status.status), "PARTIALLY_FILLED")
            XCTAssertEqual(text(bytes, status.executedQuantity), "0.00500000")
            XCTAssertEqual(status.orderId, 12_569_099_453)
            XCTAssertTrue(status.isOpen)
        }
        try reading(answer.replacingOccurrences(of: "PARTIALLY_FILLED", with: "CANCELED")) { bytes, range in
            XCTAssertFalse(try OrderStatusAnswer(bytes, range).isOpen)
        }
        try reading(#"{"id":6,"status":200,"result":{"orderId":1,"status":"NEW"}}"#) { bytes, range in
            XCTAssertThrowsError(try OrderStatusAnswer(bytes, range)) { error in
                XCTAssertEqual(
                    (error as? JSONScanner.Failure)?.message, "an order.status answer without status or executedQty")
            }
        }
    }

    func testMyTradesRowsComeInOrderWithTheirCommissions() throws {
        let answer =
            #"{"id":7,"status":200,"result":[{"symbol":"BNBBTC","id":28457,"orderId":100234,"orderListId":-1,"#
            + #""price":"4.00000100","qty":"12.00000000","quoteQty":"48.000012","commission":"10.10000000","#
            + #""commissionAsset":"BNB","time":1499865549590,"isBuyer":true,"isMaker":false,"isBestMatch":true},"#
            + #"{"id":28458,"price":"4.1","qty":"1"}]}"#
        var rows: [[String?]] = []
        var ids: [Int64] = []
        try reading(answer) { bytes, range in
            try AccountTrade.read(bytes, range) { trade in
                ids.append(trade.id)
                rows.append([
                    text(bytes, trade.price), text(bytes, trade.quantity), text(bytes, trade.commission),
                    text(bytes, trade.commissionAsset)
                ])
            }
        }
        XCTAssertEqual(ids, [28_457, 28_458])
        XCTAssertEqual(rows, [["4.00000100", "12.00000000", "10.10000000", "BNB"], ["4.1", "1", nil, nil]])
        try reading(#"{"id":7,"status":200,"result":[{"id":1,"price":"4.1"}]}"#) { bytes, range in
            XCTAssertThrowsError(try AccountTrade.read(bytes, range) { _ in XCTFail("a row without qty read") })
        }
    }

    func testOpenOrdersGiveTheirClientIdsAndOneWithoutIsRefused() throws {
        var ids: [String?] = []
        try reading(
            #"{"id":8,"status":200,"result":[{"symbol":"BTCUSDT","orderId":1,"clientOrderId":"tpab12-7","#
                + #""status":"NEW"},{"clientOrderId":"web_x"}]}"#
        ) { bytes, range in
            try OpenOrder.read(bytes, range) { ids.append(text(bytes, $0.clientOrderId)) }
        }
        XCTAssertEqual(ids, ["tpab12-7", "web_x"])
        try reading(#"{"id":8,"status":200,"result":[{"orderId":1}]}"#) { bytes, range in
            XCTAssertThrowsError(try OpenOrder.read(bytes, range) { _ in })
        }
    }

    func testAnExecutionReportGivesWhatExecBooksAndOneWithoutItsKeysIsRefused() throws {
        let event =
            #"{"subscriptionId":0,"event":{"e":"executionReport","E":1499405658658,"s":"ETHBTC","#
            + #""c":"mUvoqJxFIILMdfAW5iGSOW","S":"BUY","o":"LIMIT","f":"GTC","q":"1.00000000","p":"0.10264410","#
            + #""x":"TRADE","X":"PARTIALLY_FILLED","r":"NONE","i":4293153,"l":"0.50000000","z":"0.50000000","#
            + #""L":"0.10264410","n":"0.00050000","N":"ETH","T":1499405658657,"t":17,"C":null}}"#
        try reading(event) { bytes, range in
            let report = try ExecutionReportEvent(bytes, range)
            XCTAssertEqual(text(bytes, report.symbol), "ETHBTC")
            XCTAssertEqual(text(bytes, report.executionType), "TRADE")
            XCTAssertEqual(text(bytes, report.lastQuantity), "0.50000000")
            XCTAssertEqual(text(bytes, report.lastPrice), "0.10264410")
            XCTAssertEqual(text(bytes, report.commissionAsset), "ETH")
            XCTAssertNil(report.origClientOrderId)
            XCTAssertEqual(report.tradeId, 17)
            XCTAssertEqual(report.orderId, 4_293_153)
        }
        try reading(event.replacingOccurrences(of: #""x":"TRADE","#, with: "")) { bytes, range in
            XCTAssertThrowsError(try ExecutionReportEvent(bytes, range))
        }
    }
}
