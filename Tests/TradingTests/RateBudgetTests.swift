import BinanceAPI
import XCTest

/// The rate budget against the venue's answers (BINANCE.md G.5).
final class RateBudgetTests: XCTestCase {
    func message(_ text: String) throws -> APIMessage {
        try Array(text.utf8).withUnsafeBufferPointer { try APIMessage($0) }
    }

    func limits(weight: Int, orders10s: Int, ordersDay: Int) -> String {
        """
        "rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000,\
        "count":\(weight)},{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":50,\
        "count":\(orders10s)},{"rateLimitType":"ORDERS","interval":"DAY","intervalNum":1,"limit":160000,\
        "count":\(ordersDay)}]
        """
    }

    func testNewOrdersStopShortOfTheLimitAndCancelsKeepTheReserve() throws {
        var budget = RateBudget()
        XCTAssertTrue(budget.allows(.order, nowMs: 0), "no reading yet: nothing known against it")
        try budget.record(
            message(#"{"id":1,"status":200,"result":{},"# + limits(weight: 10, orders10s: 44, ordersDay: 9) + "}"),
            nowMs: 0)
        XCTAssertTrue(budget.allows(.order, nowMs: 0))
        XCTAssertEqual(budget.orderHeadroom(nowMs: 0), 1.0 / 45, accuracy: 1e-9, "45 usable, 44 used")
        XCTAssertEqual(budget.requotePressure(nowMs: 0), 1 - 2.0 / 45, accuracy: 1e-9)
        try budget.record(
            message(#"{"id":2,"status":200,"result":{},"# + limits(weight: 10, orders10s: 45, ordersDay: 9) + "}"),
            nowMs: 0)
        XCTAssertFalse(budget.allows(.order, nowMs: 0), "the last 10% of the ORDERS limit is the cancels'")
        XCTAssertTrue(budget.allows(.cancel, nowMs: 0))
        XCTAssertEqual(budget.orderHeadroom(nowMs: 0), 0)
        XCTAssertEqual(budget.requotePressure(nowMs: 0), 1)
        XCTAssertEqual(budget.description(nowMs: 0), "weight 10 of 6000, orders 45 of 50 (10 s), 9 of 160000 (1 d)")
        // The 10-second interval turns at 10 000 ms: its count is 0 again, with no answer to say so.
        XCTAssertTrue(budget.allows(.order, nowMs: 10_000))
        XCTAssertEqual(budget.requotePressure(nowMs: 10_000), 0)
        XCTAssertEqual(
            budget.description(nowMs: 10_000), "weight 10 of 6000, orders 0 of 50 (10 s), 9 of 160000 (1 d)")
        try budget.record(
            message(#"{"id":3,"status":200,"result":{},"# + limits(weight: 5_400, orders10s: 1, ordersDay: 9) + "}"),
            nowMs: 0)
        XCTAssertFalse(budget.allows(.order, nowMs: 0), "the weight's reserve is the cancels' too")
        XCTAssertFalse(budget.allows(.query, nowMs: 0))
        XCTAssertTrue(budget.allows(.cancel, nowMs: 0))
    }

    /// New orders sent and not yet answered count: with 40 of 50 read and 5 out, the sixth waits
    /// (45 is the reserve's edge); the answers bring the count into the readings instead.
    func testOrdersInFlightCountBeforeTheirAnswersDo() throws {
        var budget = RateBudget()
        try budget.record(
            message(#"{"id":1,"status":200,"result":{},"# + limits(weight: 10, orders10s: 40, ordersDay: 9) + "}"),
            nowMs: 0)
        for id in UInt64(2)...6 {
            XCTAssertTrue(budget.allows(.order, nowMs: 0))
            budget.sent(.order, id: id)
        }
        budget.sent(.query, id: 7)
        XCTAssertFalse(budget.allows(.order, nowMs: 0), "40 read + 5 out")
        XCTAssertTrue(budget.allows(.cancel, nowMs: 0))
        try budget.record(
            message(#"{"id":2,"status":200,"result":{},"# + limits(weight: 10, orders10s: 41, ordersDay: 9) + "}"),
            nowMs: 0)
        budget.answered(2)
        XCTAssertFalse(budget.allows(.order, nowMs: 0), "41 read + 4 out")
        budget.connectionLost()
        XCTAssertTrue(budget.allows(.order, nowMs: 0), "41 read, nothing out")
    }

    func testTheVenuesStopsAreObeyed() throws {
        var budget = RateBudget()
        try budget.record(
            message(
                #"{"id":4,"status":429,"error":{"code":-1003,"msg":"Too much request weight used","#
                    + #""data":{"retryAfter":5000}}}"#
            ),
            nowMs: 1_000)
        XCTAssertFalse(budget.allows(.cancel, nowMs: 4_999), "429: nothing until retryAfter")
        XCTAssertTrue(budget.allows(.cancel, nowMs: 5_000))

        try budget.record(
            message(
                #"{"id":5,"status":429,"error":{"code":-1015,"msg":"Too many new orders; current limit is 50 "#
                    + #"orders per 10 SECOND."}}"#
            ),
            nowMs: 12_345)
        XCTAssertFalse(budget.allows(.order, nowMs: 19_999), "-1015: no new order until the interval turns")
        XCTAssertTrue(budget.allows(.cancel, nowMs: 12_345), "cancels still go")
        XCTAssertTrue(budget.allows(.order, nowMs: 20_000))

        try budget.record(
            message(
                #"{"id":6,"status":418,"error":{"code":-1003,"msg":"IP banned until 1659146400000.","data":"#
                    + #"{"serverTime":1659142907531,"retryAfter":1659146400000}}}"#
            ), nowMs: 1_659_142_907_531)
        XCTAssertTrue(budget.banned)
        XCTAssertFalse(budget.allows(.cancel, nowMs: 1_659_146_399_999))
        XCTAssertTrue(budget.allows(.cancel, nowMs: 1_659_146_400_000))
    }
}
