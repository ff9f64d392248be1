import IPC
import XCTest

@testable import ExecCore

final class OrderManagerTests: XCTestCase {
    func intent(bid: Int64, bidSize: Int64 = 1_000, ask: Int64, askSize: Int64 = 1_000) -> QuoteIntent {
        QuoteIntent(
            header: FrameHeader(type: .quoteIntent, instrument: 1), bidPrice: bid, bidSize: bidSize, askPrice: ask,
            askSize: askSize)
    }

    func report(_ kind: ExecutionReport.Report, _ id: UInt32, size: Int64 = 0) -> ExecutionReport {
        ExecutionReport(
            header: FrameHeader(type: .executionReport, instrument: 1), report: kind, side: .buy,
            clientOrderId: id, price: 0, size: size)
    }

    func describe(_ commands: [OrderCommand]) -> [String] {
        commands.map { "\($0.command) \($0.clientOrderId)/\($0.origClientOrderId) \($0.side) \($0.size)@\($0.price)" }
    }

    func testTheFewestOrdersReachTheIntent() {
        var manager = OrderManager(instrument: 1, limits: OrderManager.Limits())
        XCTAssertEqual(
            describe(manager.commands(for: intent(bid: 99, ask: 101), mid: 100, halted: false, nowNs: 0)),
            ["new 1/0 buy 1000@99", "new 2/0 sell 1000@101"])
        XCTAssertEqual(
            manager.commands(for: intent(bid: 98, ask: 101), mid: 100, halted: false, nowNs: 1), [],
            "nothing more while the venue has not answered")
        manager.apply(report(.ack, 1))
        manager.apply(report(.ack, 2))
        XCTAssertEqual(
            manager.commands(for: intent(bid: 99, ask: 101), mid: 100, halted: false, nowNs: 2), [], "already there")
        XCTAssertEqual(
            describe(manager.commands(for: intent(bid: 98, ask: 101), mid: 100, halted: false, nowNs: 3)),
            ["replace 3/1 buy 1000@98"])
        manager.apply(report(.ack, 3))
        XCTAssertEqual(
            describe(manager.commands(for: intent(bid: 98, bidSize: 0, ask: 101), mid: 100, halted: false, nowNs: 4)),
            ["cancel 0/3 buy 0@0"])
        XCTAssertEqual(manager.bid?.state, .pendingCancel)
        manager.apply(report(.cancelled, 3))
        XCTAssertNil(manager.bid)
        XCTAssertEqual(
            describe(manager.commands(for: intent(bid: 98, ask: 101), mid: 100, halted: true, nowNs: 5)),
            ["cancel 0/2 sell 0@0"], "halted: everything is cancelled, nothing new")
    }

    /// A grid of 5 levels a side: an order per level; when the grid moves a step, only the level
    /// that left it moves (one replace a side: the other orders keep their queue places).
    func testALadderKeepsAnOrderPerLevelAndMovesOnlyTheLevelsThatChanged() {
        var manager = OrderManager(instrument: 1, limits: OrderManager.Limits())
        func grid(bid: Int64, ask: Int64, levels: Int = 5, size: Int64 = 10) -> QuoteLadder {
            var ladder = QuoteLadder()
            for level in 0..<Int64(levels) {
                ladder.addBid(price: bid - 10 * level, size: size)
                ladder.addAsk(price: ask + 10 * level, size: size)
            }
            return ladder
        }
        func commands(_ ladder: QuoteLadder, _ now: Int64) -> [String] {
            var commands: [OrderCommand] = []
            manager.commands(for: ladder, mid: 1_050, position: 0, halted: false, nowNs: now, into: &commands)
            return describe(commands)
        }
        XCTAssertEqual(
            commands(grid(bid: 1_000, ask: 1_100), 0),
            [
                "new 1/0 buy 10@1000", "new 2/0 buy 10@990", "new 3/0 buy 10@980", "new 4/0 buy 10@970",
                "new 5/0 buy 10@960", "new 6/0 sell 10@1100", "new 7/0 sell 10@1110", "new 8/0 sell 10@1120",
                "new 9/0 sell 10@1130", "new 10/0 sell 10@1140"
            ])
        for id: UInt32 in 1...10 { manager.apply(report(.ack, id)) }
        XCTAssertEqual([manager.bids.count, manager.asks.count], [5, 5])
        XCTAssertEqual(commands(grid(bid: 1_000, ask: 1_100), 1), [], "the same grid: nothing")
        // A step up: bids 1010 ... 970, asks 1110 ... 1150. 960 and 1100 leave the grid.
        XCTAssertEqual(
            commands(grid(bid: 1_010, ask: 1_110), 2), ["replace 11/5 buy 10@1010", "replace 12/6 sell 10@1150"])
        manager.apply(report(.ack, 11))
        manager.apply(report(.ack, 12))
        XCTAssertEqual([manager.bids.count, manager.asks.count], [5, 5])
        // One level's size: that order alone.
        var resized = grid(bid: 1_010, ask: 1_110, levels: 4)
        resized.addBid(price: 970, size: 20)
        resized.addAsk(price: 1_150, size: 10)
        XCTAssertEqual(commands(resized, 3), ["replace 13/4 buy 20@970"])
        manager.apply(report(.ack, 13))
        // Three levels wanted: the two outermost of each side are cancelled, nothing else.
        XCTAssertEqual(
            commands(grid(bid: 1_010, ask: 1_110, levels: 3), 4),
            ["cancel 0/3 buy 0@0", "cancel 0/13 buy 0@0", "cancel 0/12 sell 0@0", "cancel 0/10 sell 0@0"])
        // While they are being cancelled their places stay taken: no new order beside them.
        XCTAssertEqual(commands(grid(bid: 1_010, ask: 1_110, levels: 5), 5), [])
    }

    /// The position limit counts every order of a side: the levels beyond the room are not sent.
    func testALaddersLevelsShareThePositionLimit() {
        var manager = OrderManager(instrument: 1, limits: OrderManager.Limits(maxPositionLots: 25))
        var ladder = QuoteLadder()
        for level in 0..<Int64(4) { ladder.addBid(price: 100 - level, size: 10) }
        var commands: [OrderCommand] = []
        manager.commands(for: ladder, mid: 101, position: 0, halted: false, nowNs: 0, into: &commands)
        XCTAssertEqual(describe(commands), ["new 1/0 buy 10@100", "new 2/0 buy 10@99", "new 3/0 buy 5@98"])
    }

    /// A requote step of 4 ticks (the venue's budget running low): moves of fewer ticks wait; a
    /// move of 4 goes; a cut, a cancel, and a cancel the position limit needs go at once.
    func testARequoteStepLetsSmallMovesWaitButNotCutsOrCancels() {
        var manager = OrderManager(instrument: 1, limits: OrderManager.Limits(maxPositionLots: 2_000))
        func commands(_ intent: QuoteIntent, position: Int64 = 0, _ now: Int64) -> [String] {
            describe(
                manager.commands(
                    for: intent, mid: 100, position: position, halted: false, requoteStep: 4, nowNs: now))
        }
        _ = manager.commands(for: intent(bid: 99, ask: 101), mid: 100, halted: false, nowNs: 0)
        manager.apply(report(.ack, 1))
        manager.apply(report(.ack, 2))
        XCTAssertEqual(commands(intent(bid: 96, ask: 102), 1), [], "3 ticks and 1 tick: both wait")
        XCTAssertEqual(commands(intent(bid: 99, bidSize: 900, ask: 101), 2), ["replace 3/1 buy 900@99"], "a cut")
        manager.apply(report(.ack, 3))
        XCTAssertEqual(commands(intent(bid: 95, bidSize: 900, ask: 101), 3), ["replace 4/3 buy 900@95"])
        manager.apply(report(.ack, 4))
        XCTAssertEqual(commands(intent(bid: 95, bidSize: 900, ask: 101, askSize: 0), 4), ["cancel 0/2 sell 0@0"])
        // Bought 1500: the bid's 900 could take the position past 2000.
        XCTAssertEqual(
            commands(intent(bid: 95, bidSize: 900, ask: 101, askSize: 0), position: 1_500, 5), ["cancel 0/4 buy 0@0"])
        // A strategy's price at the end of 64 bits: the move from the working bid measured without
        // a trap, then the price refused as ever.
        manager.apply(report(.cancelled, 4))
        XCTAssertEqual(commands(intent(bid: 95, bidSize: 900, ask: 101, askSize: 0), 6), ["new 5/0 buy 900@95"])
        manager.apply(report(.ack, 5))
        XCTAssertEqual(commands(intent(bid: Int64.min, bidSize: 900, ask: 101, askSize: 0), 7), [])
        XCTAssertEqual(manager.refusals.last, "price \(Int64.min) ticks outside 1 ... 999999999999999999")
    }

    func testFillsMoveTheStates() {
        var manager = OrderManager(instrument: 1, limits: OrderManager.Limits())
        _ = manager.commands(for: intent(bid: 99, ask: 101), mid: 100, halted: false, nowNs: 0)
        manager.apply(report(.ack, 1))
        manager.apply(report(.partialFill, 1, size: 400))
        XCTAssertEqual(manager.bid?.state, .partiallyFilled)
        XCTAssertEqual(manager.bid?.remaining, 600)
        manager.apply(report(.fill, 1, size: 600))
        XCTAssertNil(manager.bid)
        manager.apply(report(.reject, 2))
        XCTAssertNil(manager.ask)
    }

    func testPreTradeLimitsRefuseWithTheReason() {
        var manager = OrderManager(
            instrument: 1,
            limits: OrderManager.Limits(
                maxOrderLots: 500, priceBandMillionths: 10_000, maxOpenOrders: 2, maxOrdersPerSecond: 3))
        XCTAssertEqual(manager.commands(for: intent(bid: 99, ask: 101), mid: 100, halted: false, nowNs: 0), [])
        XCTAssertEqual(manager.refusals.first, "order size 1000 lots over the limit of 500")
        // 1 % band around 10000: 9900...10100.
        XCTAssertEqual(
            describe(
                manager.commands(
                    for: intent(bid: 9_850, bidSize: 500, ask: 10_050, askSize: 500), mid: 10_000,
                    halted: false, nowNs: 1)), ["new 1/0 sell 500@10050"])
        XCTAssertEqual(manager.refusals.last, "price 9850 outside the band of 10000 millionths around the mid 10000")
        manager.apply(report(.ack, 1))
        XCTAssertEqual(
            describe(
                manager.commands(
                    for: intent(bid: 9_950, bidSize: 500, ask: 10_060, askSize: 500), mid: 10_000,
                    halted: false, nowNs: 2)), ["new 2/0 buy 500@9950", "replace 3/1 sell 500@10060"])
        manager.apply(report(.ack, 2))
        manager.apply(report(.ack, 3))
        XCTAssertEqual(
            manager.commands(
                for: intent(bid: 9_960, bidSize: 500, ask: 10_060, askSize: 500), mid: 10_000,
                halted: false, nowNs: 3), [])
        XCTAssertEqual(manager.refusals.last, "3 orders in the last second, the limit is 3")
        XCTAssertEqual(
            describe(
                manager.commands(
                    for: intent(bid: 9_960, bidSize: 500, ask: 10_060, askSize: 500), mid: 10_000,
                    halted: false, nowNs: 1_000_000_001)), ["replace 4/2 buy 500@9960"],
            "a second later the rate allows it")
    }
}

final class PositionLedgerTests: XCTestCase {
    func fill(_ side: Side, _ size: Int64, at price: Int64, fee: Int64 = 0) -> ExecutionReport {
        ExecutionReport(
            header: FrameHeader(type: .executionReport, instrument: 1), report: .fill, side: side,
            clientOrderId: 1, price: price, size: size, fee: fee)
    }

    func testFirstInFirstOutExactPnl() {
        var ledger = PositionLedger()
        ledger.book(fill(.buy, 1_000, at: 100, fee: 3))
        ledger.book(fill(.buy, 1_000, at: 102, fee: 3))
        ledger.book(fill(.sell, 1_500, at: 105, fee: 4))
        // (105 − 100) × 1000 + (105 − 102) × 500 = 6500; 500 left long at 102.
        XCTAssertEqual(ledger.realizedPnl, 6_500)
        XCTAssertEqual(ledger.position, 500)
        XCTAssertEqual(ledger.unrealizedPnl(mark: 104), 1_000)
        XCTAssertEqual(ledger.fees, 10)
        XCTAssertEqual(ledger.fills, 3)
        XCTAssertEqual(ledger.volume, 3_500)
    }

    /// A commission paid in the base asset: 10 lots bought at 100 (the fee booked in ticks × lots),
    /// the 1 lot the account paid taken away at the mark, 104: total PnL at the mark is the
    /// fills' less the fee, and the adjustment is no fill.
    func testAnAdjustmentMovesThePositionAtItsMarkWithoutAFill() {
        var ledger = PositionLedger()
        ledger.book(fill(.buy, 10, at: 100, fee: 100))
        ledger.book(
            ExecutionReport(
                header: FrameHeader(type: .executionReport, instrument: 1), report: .adjustment, side: .sell,
                clientOrderId: 0, price: 104, size: 1))
        XCTAssertEqual(ledger.position, 9)
        XCTAssertEqual(ledger.realizedPnl, 4) // (104 − 100) × 1
        XCTAssertEqual(ledger.unrealizedPnl(mark: 104), 36) // (104 − 100) × 9
        XCTAssertEqual(ledger.realizedPnl + ledger.unrealizedPnl(mark: 104) - ledger.fees, 40 - 100)
        XCTAssertEqual(ledger.fills, 1)
        XCTAssertEqual(ledger.adjustments, 1)
        XCTAssertEqual(ledger.volume, 10)
        XCTAssertEqual(ledger.fees, 100)
    }

    func testShortAndFlip() {
        var ledger = PositionLedger()
        ledger.book(fill(.sell, 1_000, at: 100))
        ledger.book(fill(.buy, 400, at: 98))
        XCTAssertEqual(ledger.realizedPnl, 800) // (100 − 98) × 400
        XCTAssertEqual(ledger.position, -600)
        ledger.book(fill(.buy, 1_000, at: 101))
        // closes 600 short at a loss of 600, opens 400 long at 101
        XCTAssertEqual(ledger.realizedPnl, 200)
        XCTAssertEqual(ledger.position, 400)
        XCTAssertEqual(ledger.unrealizedPnl(mark: 100), -400)
    }

    func testARoundTripRealizesExactlyAndLeavesNothingOpen() {
        var ledger = PositionLedger()
        [fill(.buy, 300, at: 10), fill(.sell, 100, at: 12), fill(.buy, 200, at: 11), fill(.sell, 400, at: 9)].forEach {
            ledger.book($0)
        }
        XCTAssertEqual(ledger.position, 0)
        XCTAssertTrue(ledger.open.isEmpty)
        // 100 × (12 − 10) + 200 × (9 − 10) + 200 × (9 − 11) = 200 − 200 − 400
        XCTAssertEqual(ledger.realizedPnl, -400)
        XCTAssertEqual(ledger.unrealizedPnl(mark: 50), 0)
    }

    /// The extremes a frame carries: a price of 10^15 ticks (10^7 at a 1e-8 tick) and 10^17 lots
    /// (10^9 units of a 1e-8 lot). Every product is exact in 128 bits, where 64 would trap.
    func testMoneyAtTheExtremesIsExact() {
        var ledger = PositionLedger()
        let price: Int64 = 1_000_000_000_000_000
        let lots: Int64 = 100_000_000_000_000_000
        ledger.book(fill(.buy, lots, at: price, fee: Int64.max))
        ledger.book(fill(.buy, lots, at: price + 7, fee: Int64.max))
        ledger.book(fill(.sell, 2 * lots, at: price - 3, fee: Int64.max))
        // −3 × 10^17 − 10 × 10^17, and three fees of 2^63 − 1.
        XCTAssertEqual(ledger.realizedPnl, -1_300_000_000_000_000_000)
        XCTAssertEqual(ledger.fees, 3 * Int128(Int64.max))
        XCTAssertEqual(ledger.volume, 4 * Int128(lots))
        ledger.book(fill(.sell, lots, at: price, fee: 0))
        XCTAssertEqual(
            ledger.unrealizedPnl(mark: FrameLayout.maxQuantity), -Int128(FrameLayout.maxQuantity - price) * Int128(lots)
        )
        let (snapshot, money) = ledger.report(instrument: 1, timeNs: 5, mark: FrameLayout.maxQuantity).frames
        var reader = PositionReportReader()
        XCTAssertNil(reader.add(Frame(snapshot), at: 10))
        let report = reader.add(Frame(money), at: 11)
        XCTAssertEqual(report?.realizedPnl, ledger.realizedPnl)
        XCTAssertEqual(report?.fees, ledger.fees)
        XCTAssertEqual(report?.unrealizedPnl, ledger.unrealizedPnl(mark: FrameLayout.maxQuantity))
        XCTAssertEqual(report?.position, -lots)
    }
}

/// The position limit counts the orders working, not only the position.
final class PositionLimitTests: XCTestCase {
    func intent(bid: Int64, ask: Int64, size: Int64) -> QuoteIntent {
        QuoteIntent(
            header: FrameHeader(type: .quoteIntent, instrument: 1), bidPrice: bid, bidSize: size, askPrice: ask,
            askSize: size)
    }

    func ack(_ command: OrderCommand) -> ExecutionReport {
        ExecutionReport(
            header: FrameHeader(type: .executionReport, instrument: 1), report: .ack, side: command.side,
            clientOrderId: command.clientOrderId, price: command.price, size: command.size, fee: 0)
    }

    func partialFill(_ id: UInt32, _ size: Int64) -> ExecutionReport {
        ExecutionReport(
            header: FrameHeader(type: .executionReport, instrument: 1), report: .partialFill, side: .buy,
            clientOrderId: id, price: 99, size: size)
    }

    func testAnOrderIsSizedSoThatEveryFillStaysWithinTheLimit() {
        var limits = OrderManager.Limits()
        limits.maxPositionLots = 1_000
        var manager = OrderManager(instrument: 1, limits: limits)
        // 950 long: a bid of 100 would take it to 1050; it goes out as 50.
        let first = manager.commands(
            for: intent(bid: 99, ask: 101, size: 100), mid: 100, position: 950, halted: false, nowNs: 0)
        XCTAssertEqual(first.map { "\($0.command) \($0.side) \($0.size)" }, ["new buy 50", "new sell 100"])
        first.forEach { manager.apply(ack($0)) }
        // Moving the bid while 50 may still fill before the replace arrives: nothing left to add,
        // so the bid is cancelled rather than replaced.
        let second = manager.commands(
            for: intent(bid: 98, ask: 101, size: 100), mid: 100, position: 950, halted: false, nowNs: 1)
        XCTAssertEqual(second.map { "\($0.command) \($0.side)" }, ["cancel buy"])
        // At the limit no bid goes out at all; the ask still may.
        var fresh = OrderManager(instrument: 1, limits: limits)
        let atLimit = fresh.commands(
            for: intent(bid: 99, ask: 101, size: 100), mid: 100, position: 1_000, halted: false, nowNs: 0)
        XCTAssertEqual(atLimit.map { "\($0.command) \($0.side) \($0.size)" }, ["new sell 100"])
    }

    /// At an unchanged price: an order whose rest fits the room stays (no cut-and-regrow on
    /// every intent), one whose rest could take the position past the limit is cancelled, and one
    /// the strategy wants smaller is cut.
    func testAtItsPriceAnOrderThatFitsStaysAndOneThatDoesNotIsCut() {
        var limits = OrderManager.Limits()
        limits.maxPositionLots = 150
        var manager = OrderManager(instrument: 1, limits: limits)
        func bids(_ position: Int64, at nowNs: Int64) -> [String] {
            manager.commands(
                for: intent(bid: 99, ask: 101, size: 100), mid: 100, position: position, halted: false, nowNs: nowNs
            ).filter { $0.side == .buy }.map { "\($0.command) \($0.size)" }
        }
        let first = manager.commands(
            for: intent(bid: 99, ask: 101, size: 100), mid: 100, position: 0, halted: false, nowNs: 0)
        first.forEach { manager.apply(ack($0)) }
        XCTAssertEqual(first.map { "\($0.command) \($0.side) \($0.size)" }, ["new buy 100", "new sell 100"])
        // 100 working, 150 of room: it fits, however often the strategy says the same.
        XCTAssertEqual(bids(0, at: 1), [])
        XCTAssertEqual(bids(0, at: 2), [])
        // 40 of it filled: 60 rest, the position may reach 100: it still fits.
        manager.apply(partialFill(1, 40))
        XCTAssertEqual(bids(40, at: 3), [])
        // At 90 the 60 resting may take the position to 150: the limit, still fits.
        XCTAssertEqual(bids(90, at: 4), [])
        // At 100 (a deposit, another order's fills) they could take it to 160: cancelled.
        XCTAssertEqual(bids(100, at: 5), ["cancel 0"])
        var fresh = OrderManager(instrument: 1, limits: limits)
        fresh.commands(for: intent(bid: 99, ask: 101, size: 100), mid: 100, position: 0, halted: false, nowNs: 0)
            .forEach { fresh.apply(ack($0)) }
        fresh.apply(partialFill(1, 40))
        // The strategy wants 30 at the same price: the 60 resting are cut to 30.
        let cut = fresh.commands(
            for: intent(bid: 99, ask: 101, size: 30), mid: 100, position: 40, halted: false, nowNs: 1
        ).filter { $0.side == .buy }
        XCTAssertEqual(cut.map { "\($0.command) \($0.size)@\($0.price)" }, ["replace 30@99"])
    }

    func testAnOrderWhoseFeeCouldNotBeReportedIsRefused() {
        var limits = OrderManager.Limits()
        limits.feeMillionths = 1_000
        var manager = OrderManager(instrument: 1, limits: limits)
        let commands = manager.commands(
            for: intent(bid: 1_000_000_000_000_000, ask: 1_000_000_000_000_001, size: 100_000_000_000_000),
            mid: nil, halted: false, nowNs: 0)
        XCTAssertEqual(commands, [])
        XCTAssertEqual(manager.refusals.count, 2)
        XCTAssertTrue(manager.refusals[0].contains("would pass 2^63 ticks × lots"), manager.refusals[0])
    }
}
