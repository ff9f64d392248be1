import XCTest

@testable import ExecCore

/// A live run's venue journal read for the report: the venue's trades once each (an event
/// repeated, or a trade both reported and fetched with `myTrades`, counts once), commissions
/// summed by asset exactly, and unreadable lines named with their number.
final class VenueJournalTradesTests: XCTestCase {
    func event(_ execution: String, trade: Int, commission: String, asset: String) -> String {
        #"{"t_ns":1,"received":{"subscriptionId":0,"event":{"e":"executionReport","E":1,"s":"BTCUSDT","#
            + #""c":"tpx-1","S":"BUY","o":"LIMIT","x":"\#(execution)","X":"PARTIALLY_FILLED","i":7,"#
            + #""l":"0.10000000","L":"100.00","n":"\#(commission)","N":"\#(asset)","t":\#(trade)}}}"#
    }

    func testTradesCountOnceAndCommissionsSumByAsset() throws {
        let lines = [
            event("TRADE", trade: 1, commission: "0.00010000", asset: "BTC"),
            event("TRADE", trade: 1, commission: "0.00010000", asset: "BTC"), // the event again
            event("NEW", trade: -1, commission: "0", asset: "BTC"),
            #"{"t_ns":2,"sent":{"id":9,"method":"myTrades","params":{"symbol":"BTCUSDT"}}}"#,
            #"{"t_ns":3,"received":{"id":9,"status":200,"result":[{"symbol":"BTCUSDT","id":1,"price":"100.00","#
                + #""qty":"0.10000000","commission":"0.00010000","commissionAsset":"BTC"},{"symbol":"BTCUSDT","#
                + #""id":2,"price":"101.00","qty":"0.20000000","commission":"0.02020000","commissionAsset":"USDT"},"#
                + #"{"symbol":"BTCUSDT","id":3,"price":"101.00","qty":"0.20000000","#
                + #""commission":"0.000000000000000001","#
                + #""commissionAsset":"BTC"}]}}"#,
            #"{"t_ns":4,"received":{"id":10,"status":200,"result":[{"symbol":"BTCUSDT","orderId":5,"price":"1.00","#
                + #""origQty":"1.00000000"}]}}"#,
            "not json at all",
            event("TRADE", trade: 4, commission: "a lot", asset: "BNB"),
            // Two commissions of 10^20 - 1 units: each fits, their sum does not.
            event("TRADE", trade: 5, commission: "99999999999999999999", asset: "XYZ"),
            event("TRADE", trade: 6, commission: "99999999999999999999", asset: "XYZ")
        ]
        var trades = VenueJournalTrades()
        for (index, line) in lines.enumerated() {
            Array(line.utf8).withUnsafeBufferPointer { trades.add($0, line: index + 1) }
        }
        XCTAssertEqual(trades.tradeIds["BTCUSDT"], [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(
            trades.commissionText("BTCUSDT"),
            "0.000100000000000001 BTC, 0.02020000 USDT, 99999999999999999999.00000000 XYZ")
        XCTAssertEqual(trades.commissionText("ETHUSDT"), "none")
        XCTAssertEqual(trades.problemCount, 3)
        XCTAssertTrue(trades.problems[0].hasPrefix("line 7: "), "\(trades.problems)")
        XCTAssertTrue(trades.problems[1].hasPrefix("line 8: "), "\(trades.problems)")
        XCTAssertTrue(trades.problems[1].contains("a commission that is not a decimal"), "\(trades.problems)")
        XCTAssertTrue(trades.problems[2].hasPrefix("line 10: "), "\(trades.problems)")
        XCTAssertTrue(trades.problems[2].contains("XYZ commissions past 128 bits"), "\(trades.problems)")
    }
}
