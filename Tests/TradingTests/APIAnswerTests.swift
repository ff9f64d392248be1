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

    func testBalancesFromAccountStatusAndFromAnAccountPositionEvent() throws {
        var rows: [[String?]] = []
        let status =
            #"{"id":9,"status":200,"result":{"makerCommission":15,"canTrade":true,"updateTime":123456789,"#
            + #""accountType":"SPOT","balances":[{"asset":"BTC","free":"4723846.89208129","locked":"0.00000000"},"#
            + #"{"asset":"LTC","free":"4763368.68006011","locked":"0.00000000"}],"permissions":["SPOT"]}}"#
        let updated = try reading(status) { bytes, range in
            try AccountBalance.readAccountStatus(bytes, range) { balance in
                rows.append([text(bytes, balance.asset), text(bytes, balance.free), text(bytes, balance.locked)])
            }
        }
        XCTAssertEqual(updated, 123_456_789)
        XCTAssertEqual(
            rows, [["BTC", "4723846.89208129", "0.00000000"], ["LTC", "4763368.68006011", "0.00000000"]])
        rows = []
        let event =
            #"{"subscriptionId":0,"event":{"e":"outboundAccountPosition","E":1564034571105,"u":1564034571073,"#
            + #""B":[{"a":"ETH","f":"10000.000000","l":"0.000000"}]}}"#
        let eventUpdated = try reading(event) { bytes, range in
            try AccountBalance.readAccountPosition(bytes, range) { balance in
                rows.append([text(bytes, balance.asset), text(bytes, balance.free), text(bytes, balance.locked)])
            }
        }
        XCTAssertEqual(eventUpdated, 1_564_034_571_073)
        XCTAssertEqual(rows, [["ETH", "10000.000000", "0.000000"]])
        try reading(#"{"id":9,"status":200,"result":{"balances":[{"asset":"BTC","free":"1"}]}}"#) { bytes, range in
            XCTAssertThrowsError(try AccountBalance.readAccountStatus(bytes, range) { _ in })
        }
        try reading(#"{"id":9,"status":200,"result":{"canTrade":true}}"#) { bytes, range in
            XCTAssertThrowsError(try AccountBalance.readAccountStatus(bytes, range) { _ in })
        }
    }

    func testAmountsAreReadExactlyInAttoUnitsOrRefused() {
        func atto(_ text: String) -> Int128? {
            Array(text.utf8).withUnsafeBufferPointer { AccountBalance.attoUnits($0, 0..<$0.count) }
        }
        XCTAssertEqual(atto("0.00100000"), 1_000_000_000_000_000)
        XCTAssertEqual(atto("12"), 12_000_000_000_000_000_000)
        XCTAssertEqual(atto("0.000000000000000001"), 1)
        XCTAssertEqual(
            atto("99999999999999999999.999999999999999999"),
            Int128(100_000_000_000_000_000_000) * 1_000_000_000_000_000_000 - 1)
        for refused in ["", ".5", "5.", "-1", "1e5", "1.2.3", "0.0000000000000000001", "100000000000000000000", " 1"] {
            XCTAssertNil(atto(refused), refused)
        }
    }
}
