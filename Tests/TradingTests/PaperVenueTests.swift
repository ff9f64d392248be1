import IPC
import XCTest

@testable import ExecCore

/// The paper venue with exec's default models: a constant latency, the proportional queue,
/// maker and taker rates.
typealias DefaultPaperVenue = PaperVenue<ConstantLatency, ProportionalQueue, NotionalFees>

/// The paper venue's queue models, order types and fees, step by step.
final class PaperVenueTests: XCTestCase {
    let latency: Int64 = 5_000_000

    func venue(makerFee: Int64 = 0, takerFee: Int64 = 0) -> DefaultPaperVenue {
        let venue = PaperVenue(
            instrument: 1, latency: ConstantLatency(latencyNs: latency), queue: ProportionalQueue(),
            fees: NotionalFees(makerMillionths: makerFee, takerMillionths: takerFee))
        var none: [ExecutionReport] = []
        venue.top(
            BookTop(
                header: FrameHeader(type: .bookTop, instrument: 1), bidPrice: 100, bidSize: 5_000, askPrice: 101,
                askSize: 4_000),
            nowNs: 0, into: &none)
        venue.level(.bid, price: 100, size: 5_000)
        venue.level(.ask, price: 101, size: 4_000)
        return venue
    }

    func order(
        _ id: UInt32, _ side: Side, _ price: Int64, _ size: Int64, type: OrderCommand.OrderType = .postOnly,
        timeInForce: OrderCommand.TimeInForce = .goodTillCancel
    ) -> OrderCommand {
        OrderCommand(
            header: FrameHeader(type: .orderCommand, instrument: 1), command: .new, side: side, orderType: type,
            timeInForce: timeInForce, clientOrderId: id, price: price, size: size)
    }

    func trade(_ price: Int64, _ size: Int64, aggressor: Side) -> Trade {
        Trade(
            header: FrameHeader(type: .trade, instrument: 1), price: price, size: size, tradeId: 1, aggressor: aggressor
        )
    }

    func summary(_ reports: [ExecutionReport]) -> [String] {
        reports.map {
            let fee = $0.fee != 0 ? " fee \($0.fee)" : ""
            let reason = $0.rejectReason != .none ? " \($0.rejectReason)" : ""
            return "\($0.report) \($0.clientOrderId) \($0.size)@\($0.price)\(fee)\(reason)"
        }
    }

    func testJoinsBehindTheLevelAndTradesEatTheQueueFirst() {
        let venue = venue()
        var reports: [ExecutionReport] = []
        venue.submit(order(1, .buy, 100, 1_000), nowNs: 0, into: &reports)
        venue.trade(trade(100, 9_000, aggressor: .sell), nowNs: 1, into: &reports)
        XCTAssertEqual(summary(reports), [], "before it reaches the venue an order neither acks nor fills")
        venue.advance(to: latency, into: &reports)
        XCTAssertEqual(summary(reports), ["ack 1 1000@100"])
        XCTAssertEqual(venue.order(1)?.queue?.ahead, 5_000, "joined behind the 5000 lots resting at 100")
        reports = []
        venue.trade(trade(100, 3_000, aggressor: .sell), nowNs: latency + 1, into: &reports)
        XCTAssertEqual(summary(reports), [], "3000 of the 5000 ahead traded")
        venue.trade(trade(100, 2_500, aggressor: .sell), nowNs: latency + 2, into: &reports)
        XCTAssertEqual(summary(reports), ["partialFill 1 500@100"], "2000 more ahead, then 500 reach us")
        venue.trade(trade(100, 1_000, aggressor: .sell), nowNs: latency + 3, into: &reports)
        XCTAssertEqual(summary(reports), ["partialFill 1 500@100", "fill 1 500@100"])
        XCTAssertNil(venue.order(1))
    }

    /// The best ask comes down to our resting bid without a trade (data recorded without our
    /// order): on the venue that ask would have met us, so the bid fills in full, as a maker.
    func testTheBookCrossingARestingOrderFillsIt() {
        let venue = venue(makerFee: 100)
        var reports: [ExecutionReport] = []
        venue.submit(order(1, .buy, 100, 1_000), nowNs: 0, into: &reports)
        venue.submit(order(2, .sell, 103, 1_000), nowNs: 0, into: &reports)
        venue.advance(to: latency, into: &reports)
        reports = []
        let top = { (bid: Int64, ask: Int64) in
            BookTop(
                header: FrameHeader(type: .bookTop, instrument: 1), bidPrice: bid, bidSize: 1, askPrice: ask, askSize: 1
            )
        }
        venue.top(top(99, 101), nowNs: latency + 1, into: &reports)
        XCTAssertEqual(summary(reports), [], "the ask at 101 is still above our bid at 100")
        venue.top(top(99, 100), nowNs: latency + 2, into: &reports)
        // Maker fee: 100 ppm of 100 × 1000 = 10 ticks × lots.
        XCTAssertEqual(summary(reports), ["fill 1 1000@100 fee 10"], "the ask reached our bid")
        XCTAssertNil(venue.order(1))
        venue.top(top(104, 105), nowNs: latency + 3, into: &reports)
        XCTAssertEqual(summary(reports).last, "fill 2 1000@103 fee 10", "the bid came up through our ask")
        XCTAssertNil(venue.order(2))
    }

    /// A depth message as the market sends it: a delta, then levels two to a frame; each level
    /// moves the queue of an order resting at its price and side.
    func testEveryLevelOfAPackedDepthMessageReachesTheQueues() {
        let venue = venue()
        var reports: [ExecutionReport] = []
        venue.submit(order(1, .buy, 100, 1_000), nowNs: 0, into: &reports)
        venue.submit(order(2, .sell, 101, 1_000), nowNs: 0, into: &reports)
        venue.advance(to: latency, into: &reports)
        let header = FrameHeader(type: .bookDelta, instrument: 1)
        venue.apply(BookDelta(header: header, side: .bid, price: 99, size: 7_000, updateId: 9, updateIdSpan: 3))
        var levels = BookLevels(header: header, side: .bid, price: 100, size: 3_000)
        levels.add(.ask, price: 101, size: 1_000)
        venue.apply(levels)
        XCTAssertEqual(venue.order(1)?.queue?.ahead, 3_000, "the first level: 2000 cancelled ahead of the bid")
        XCTAssertEqual(venue.order(2)?.queue?.ahead, 1_000, "the second level: 3000 cancelled ahead of the ask")
    }

    func testCancelsAheadMoveTheOrderUpInProportion() {
        let venue = venue()
        var reports: [ExecutionReport] = []
        venue.submit(order(1, .buy, 100, 1_000), nowNs: 0, into: &reports)
        venue.advance(to: latency, into: &reports)
        venue.level(.bid, price: 100, size: 3_000) // 2000 cancelled, all of it ahead of us
        XCTAssertEqual(venue.order(1)?.queue?.ahead, 3_000)
        venue.level(.bid, price: 100, size: 4_000) // 1000 joined behind us
        XCTAssertEqual(venue.order(1)?.queue?.ahead, 3_000)
        venue.level(.bid, price: 100, size: 2_000) // 2000 cancelled: 3000/4000 of them were ahead
        XCTAssertEqual(venue.order(1)?.queue?.ahead, 1_500)
        // A trade of 1000 then shrinks the level to 1000: traded, not cancelled, so no double count.
        venue.trade(trade(100, 1_000, aggressor: .sell), nowNs: latency + 1, into: &reports)
        venue.level(.bid, price: 100, size: 1_000)
        XCTAssertEqual(venue.order(1)?.queue?.ahead, 500)
    }

    /// `--queue-power 2` (hftbacktest's power_prob_queue_model(2)): the share of a cancel ahead
    /// of us is ahead² / (ahead² + behind²), worked by hand; beyond the size behind, it was ahead.
    func testQueuePowerTwoPutsCancelsOnTheLongerSide() {
        let venue = PaperVenue(
            instrument: 1, latency: ConstantLatency(latencyNs: latency), queue: PowerQueue(power: 2),
            fees: NotionalFees())
        var reports: [ExecutionReport] = []
        venue.level(.bid, price: 100, size: 5_000)
        venue.submit(order(1, .buy, 100, 1_000), nowNs: 0, into: &reports)
        venue.advance(to: latency, into: &reports)
        venue.level(.bid, price: 100, size: 6_000) // 1000 joined behind us: 5000 ahead, 1000 behind
        venue.level(.bid, price: 100, size: 4_000) // 2000 cancelled: 25/26 of them ahead = 1923.07...
        XCTAssertEqual(venue.order(1)?.queue?.ahead, 5_000 - 1_923)
        // Proportional (power 1) the same cancel would have left 5000 - 2000 × 5/6 = 3334 ahead.
        var proportional = QueuePosition(levelSizeAtJoin: 5_000)
        proportional.levelChanged(before: 6_000, after: 4_000, traded: 0, model: ProportionalQueue())
        XCTAssertEqual(proportional.ahead, 3_334)
        // 1 ahead, 3 behind, all 4 cancelled: the share puts 3.6 behind, only 3 stood there.
        var short = QueuePosition(levelSizeAtJoin: 1)
        short.levelChanged(before: 4, after: 0, traded: 0, model: PowerQueue(power: 2))
        XCTAssertEqual(short.ahead, 0)
    }

    /// `--queue-model risk-averse` (hftbacktest's RiskAverseQueueModel): cancels never move us
    /// up, only trades do; the queue ahead is cut only when the level is shorter than it.
    func testTheRiskAverseQueueMovesOnlyOnTrades() {
        let venue = PaperVenue(
            instrument: 1, latency: ConstantLatency(latencyNs: latency), queue: RiskAverseQueue(),
            fees: NotionalFees())
        var reports: [ExecutionReport] = []
        venue.level(.bid, price: 100, size: 5_000)
        venue.submit(order(1, .buy, 100, 1_000), nowNs: 0, into: &reports)
        venue.advance(to: latency, into: &reports)
        venue.level(.bid, price: 100, size: 6_000) // 1000 joined behind us
        venue.level(.bid, price: 100, size: 4_500) // 1500 cancelled: 1000 behind us, so 500 were ahead
        XCTAssertEqual(venue.order(1)?.queue?.ahead, 4_500)
        venue.trade(trade(100, 4_000, aggressor: .sell), nowNs: latency, into: &reports)
        XCTAssertEqual(venue.order(1)?.queue?.ahead, 500, "a trade eats the queue ahead")
        venue.level(.bid, price: 100, size: 500) // the 4000 traded, and nothing cancelled
        venue.level(.bid, price: 100, size: 200) // 300 cancelled, none behind: all ahead
        XCTAssertEqual(venue.order(1)?.queue?.ahead, 200)
        // The proportional queue would have moved us up on the first cancel: 1500 × 5/6 = 1250.
        var proportional = QueuePosition(levelSizeAtJoin: 5_000)
        proportional.levelChanged(before: 6_000, after: 4_500, traded: 0, model: ProportionalQueue())
        XCTAssertEqual(proportional.ahead, 3_750)
    }
    func testTradeThroughThePriceFillsTheWholeOrder() {
        let venue = venue()
        var reports: [ExecutionReport] = []
        venue.submit(order(1, .buy, 100, 1_000), nowNs: 0, into: &reports)
        venue.advance(to: latency, into: &reports)
        reports = []
        venue.trade(trade(99, 10, aggressor: .sell), nowNs: latency + 1, into: &reports)
        XCTAssertEqual(summary(reports), ["fill 1 1000@100"], "the market sold below our bid: we were hit first")
    }

    func testPostOnlyThatWouldCrossIsRejected() {
        let venue = venue()
        var reports: [ExecutionReport] = []
        venue.submit(order(1, .buy, 101, 1_000), nowNs: 0, into: &reports)
        venue.advance(to: latency, into: &reports)
        XCTAssertEqual(summary(reports), ["reject 1 1000@101 postOnlyWouldCross"])
        XCTAssertTrue(venue.orders.isEmpty)
    }

    func testFeesMakerAndTaker() {
        let venue = venue(makerFee: -50, takerFee: 400) // a 0.5 bp rebate, a 4 bp fee
        var reports: [ExecutionReport] = []
        // Taker: a limit buy at 101 crosses the 4000 at 101: notional 101 × 1000 = 101000, fee 40.4 → 40.
        venue.submit(order(1, .buy, 101, 1_000, type: .limit), nowNs: 0, into: &reports)
        // Maker: a sell resting at 102, lifted in full by a buy through it: notional 102000, rebate −5.1 → −5.
        venue.submit(order(2, .sell, 102, 1_000), nowNs: 0, into: &reports)
        venue.advance(to: latency, into: &reports)
        venue.trade(trade(103, 10, aggressor: .buy), nowNs: latency + 1, into: &reports)
        XCTAssertEqual(
            summary(reports).sorted(),
            ["ack 1 1000@101", "ack 2 1000@102", "fill 1 1000@101 fee 40", "fill 2 1000@102 fee -5"])
    }

    func testIOCTakesWhatTheTouchShowsAndCancelsTheRest() {
        let venue = venue()
        var reports: [ExecutionReport] = []
        venue.submit(
            order(1, .buy, 101, 6_000, type: .limit, timeInForce: .immediateOrCancel), nowNs: 0, into: &reports)
        venue.advance(to: latency, into: &reports)
        XCTAssertEqual(summary(reports), ["ack 1 6000@101", "partialFill 1 4000@101", "cancelled 1 2000@101"])
    }

    /// A cancel travels as long as an order: until it arrives the order rests, and can fill.
    func testACancelTakesTheEntryLatencyAndTheOrderCanFillMeanwhile() {
        let venue = venue()
        var reports: [ExecutionReport] = []
        venue.submit(order(1, .buy, 100, 1_000), nowNs: 0, into: &reports)
        venue.advance(to: latency, into: &reports)
        var cancel = order(2, .buy, 0, 0)
        cancel.command = .cancel
        cancel.origClientOrderId = 1
        venue.submit(cancel, nowNs: latency, into: &reports)
        XCTAssertNotNil(venue.order(1), "resting while the cancel is on its way")
        // The best ask comes down to our bid before the cancel arrives: the order fills.
        venue.top(
            BookTop(
                header: FrameHeader(type: .bookTop, instrument: 1), bidPrice: 99, bidSize: 10, askPrice: 100,
                askSize: 10),
            nowNs: latency + 1, into: &reports)
        venue.advance(to: 2 * latency, into: &reports)
        XCTAssertEqual(summary(reports), ["ack 1 1000@100", "fill 1 1000@100"], "the cancel found nothing left")

        reports = []
        venue.submit(order(3, .sell, 105, 1_000), nowNs: 2 * latency, into: &reports)
        venue.advance(to: 3 * latency, into: &reports)
        cancel.origClientOrderId = 3
        venue.submit(cancel, nowNs: 3 * latency, into: &reports)
        venue.advance(to: 4 * latency - 1, into: &reports)
        XCTAssertEqual(summary(reports), ["ack 3 1000@105"], "the cancel has not arrived")
        venue.advance(to: 4 * latency, into: &reports)
        XCTAssertEqual(summary(reports), ["ack 3 1000@105", "cancelled 3 1000@105"])
        XCTAssertNil(venue.order(3))
        XCTAssertEqual(venue.nextArrivalNs, .max, "nothing in flight")
    }

    /// With market data 2 ms old on arrival, an order sent now meets the book as the data will
    /// show it entry + 2 ms from now; so does a cancel.
    func testMarketDataLatencyAddsToTheTrip() {
        let venue = PaperVenue(
            instrument: 1, latency: ConstantLatency(latencyNs: latency), marketDataLatencyNs: 2_000_000,
            queue: ProportionalQueue(), fees: NotionalFees())
        var reports: [ExecutionReport] = []
        venue.level(.bid, price: 100, size: 5_000)
        venue.submit(order(1, .buy, 100, 1_000), nowNs: 0, into: &reports)
        venue.advance(to: latency + 1_999_999, into: &reports)
        XCTAssertEqual(summary(reports), [])
        venue.advance(to: latency + 2_000_000, into: &reports)
        XCTAssertEqual(summary(reports), ["ack 1 1000@100"])
        var cancel = order(2, .buy, 0, 0)
        cancel.command = .cancel
        cancel.origClientOrderId = 1
        venue.submit(cancel, nowNs: 10_000_000, into: &reports)
        XCTAssertEqual(venue.nextArrivalNs, 10_000_000 + latency + 2_000_000)
    }

    func testReplaceCancelsThenPlacesWithTheSameSide() {
        let venue = venue()
        var reports: [ExecutionReport] = []
        venue.submit(order(1, .buy, 99, 1_000), nowNs: 0, into: &reports)
        venue.advance(to: latency, into: &reports)
        var replace = order(2, .sell, 98, 2_000) // side, type and TIF come from order 1
        replace.command = .replace
        replace.origClientOrderId = 1
        venue.submit(replace, nowNs: latency, into: &reports)
        venue.advance(to: 2 * latency, into: &reports)
        XCTAssertEqual(summary(reports), ["ack 1 1000@99", "cancelled 1 1000@99", "ack 2 2000@98"])
        XCTAssertEqual(venue.order(2)?.command.side, .buy)
        var cancel = order(3, .buy, 0, 0)
        cancel.command = .cancel
        cancel.origClientOrderId = 7
        reports = []
        venue.submit(cancel, nowNs: 2 * latency, into: &reports)
        XCTAssertEqual(summary(reports), ["reject 3 0@0 unknownOrder"])
    }

    /// Sizes of 10^17 lots (10^9 units of a 1e-8 lot): the cancel share multiplies two sizes,
    /// which trapped in 64 bits on the project's own cryptofeed recordings.
    func testTheQueueModelTakesTheLargestSizes() {
        let lots: Int64 = 100_000_000_000_000_000
        func check<Model: QueueModel>(_ model: Model) {
            var queue = QueuePosition(levelSizeAtJoin: 4 * lots)
            queue.levelChanged(before: 8 * lots, after: 4 * lots, traded: 0, model: model)
            XCTAssertLessThanOrEqual(queue.ahead, 4 * lots, "\(model)")
            XCTAssertGreaterThanOrEqual(queue.ahead, 0, "\(model)")
            queue.levelChanged(before: FrameLayout.maxQuantity, after: 0, traded: FrameLayout.maxQuantity, model: model)
            queue.levelChanged(before: Int64.max, after: 0, traded: 0, model: model)
            XCTAssertEqual(queue.ahead, 0)
        }
        check(ProportionalQueue())
        check(PowerQueue(power: 2))
        check(PowerQueue(power: 10))
        check(RiskAverseQueue())
        var queue = QueuePosition(levelSizeAtJoin: 6 * lots)
        // 3/9 of the cancels were ahead of us (6 of 9).
        queue.levelChanged(before: 9 * lots, after: 6 * lots, traded: 0, model: ProportionalQueue())
        XCTAssertEqual(queue.ahead, 4 * lots)
        XCTAssertEqual(
            NotionalFees.fee(price: FrameLayout.maxQuantity, size: FrameLayout.maxQuantity, millionths: 1),
            Int64.max, "past 64 bits a fee is held there; the order manager refuses such orders")
        XCTAssertEqual(
            NotionalFees.fee(price: 1_000_000_000_000_000, size: 1_000, millionths: -100), -100_000_000_000_000)
        XCTAssertEqual(NotionalFees.fee(price: 3, size: 5, millionths: 100_000), 2, "1.5 rounds away from zero")
    }
}
