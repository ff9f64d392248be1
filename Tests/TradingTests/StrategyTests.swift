import IPC
import XCTest

@testable import SignalCore

/// The strategies against values worked out by hand from their formulas (the numbers in the
/// comments), in ticks: a book of 10000 / 10001, so the mid is 10000.5.
final class StrategyTests: XCTestCase {
    let top = BookTop(
        header: FrameHeader(type: .bookTop, instrument: 1), bidPrice: 10_000, bidSize: 5, askPrice: 10_001, askSize: 5)

    /// γ = 0.1, σ² = 4 ticks²/s (no mid change seen yet), κ = 1.5, quote size 1000 lots.
    func avellanedaStoikov(horizon: Double?) -> AvellanedaStoikov.Quoter {
        var parameters = AvellanedaStoikov.Parameters()
        parameters.gamma = 0.1
        parameters.kappa = 1.5
        parameters.initialVariance = 4
        parameters.horizonSeconds = horizon
        return AvellanedaStoikov.Quoter(parameters, quoteSizeLots: 1_000, maxPositionLots: 10_000)
    }

    func testFiniteHorizonFlatInventory() {
        var strategy = avellanedaStoikov(horizon: 60)
        // r = 10000.5; δ = 0.1·4·60 + 20·ln(1 + 0.1/1.5) = 24 + 1.290770 = 25.290770
        // bid = r − δ/2 = 9987.854615 → 9987; ask = r + δ/2 = 10013.145385 → 10014
        XCTAssertEqual(
            strategy.quote(top, positionLots: 0, nowNs: 0),
            Quote(bidPrice: 9_987, bidSize: 1_000, askPrice: 10_014, askSize: 1_000))
    }

    func testFiniteHorizonSkewsTheReservationPriceByInventoryAndTimeLeft() {
        var strategy = avellanedaStoikov(horizon: 60)
        // q = 2000 / 1000 = 2: r = 10000.5 − 2·0.1·4·60 = 9952.5; bid = 9952.5 − 12.645385 = 9939.85 → 9939;
        // ask = 9965.15 → 9966, under the best bid: it rests at 10001 instead of crossing.
        XCTAssertEqual(
            strategy.quote(top, positionLots: 2_000, nowNs: 0),
            Quote(bidPrice: 9_939, bidSize: 1_000, askPrice: 10_001, askSize: 1_000))
        // 30 s later, T − t = 30: r = 10000.5 − 2·0.1·4·30 = 9976.5; δ = 12 + 1.290770;
        // bid = 9976.5 − 6.645385 = 9969.85 → 9969.
        XCTAssertEqual(strategy.quote(top, positionLots: 2_000, nowNs: 30_000_000_000).bidPrice, 9_969)
        // The horizon restarts every 60 s: at 60 s it is whole again.
        XCTAssertEqual(strategy.quote(top, positionLots: 2_000, nowNs: 60_000_000_000).bidPrice, 9_939)
    }

    func testInfiniteHorizonVariant() {
        var strategy = avellanedaStoikov(horizon: nil)
        // q_max = 10; γ²σ² = 0.04; ω = ½·0.04·11² = 2.42; 2ω − γ²q²σ² = 4.84 at q = 0.
        // r_a = s + 10·ln(1 + 0.04/4.84) = s + 0.082306; r_b = s + 10·ln(1 − 0.04/4.84) = s − 0.082992
        // edge = 10·ln(1 + 0.1/1.5) = 0.645385: bid = 9999.771627 → 9999; ask = 10001.227690 → 10002
        XCTAssertEqual(
            strategy.quote(top, positionLots: 0, nowNs: 0),
            Quote(bidPrice: 9_999, bidSize: 1_000, askPrice: 10_002, askSize: 1_000))
        // q = 3: 2ω − 0.04·9 = 4.48; r_a = s + 10·ln(1 − 5·0.04/4.48) = s − 0.456715;
        // r_b = s + 10·ln(1 − 7·0.04/4.48) = s − 0.645385; bid = r_b − edge = 9999.209230 → 9999;
        // ask = r_a + edge = 10000.688670 → 10001: a long inventory lowers both quotes.
        XCTAssertEqual(
            strategy.quote(top, positionLots: 3_000, nowNs: 0),
            Quote(bidPrice: 9_999, bidSize: 1_000, askPrice: 10_001, askSize: 1_000))
    }

    func testInventoryLimitsStopTheSideThatWouldGrowThePosition() {
        var strategy = avellanedaStoikov(horizon: 60)
        XCTAssertEqual(strategy.quote(top, positionLots: 10_000, nowNs: 0).bidSize, 0)
        XCTAssertEqual(strategy.quote(top, positionLots: 10_000, nowNs: 0).askSize, 1_000)
        XCTAssertEqual(strategy.quote(top, positionLots: -10_000, nowNs: 0).askSize, 0)
        XCTAssertEqual(strategy.quote(top, positionLots: -10_000, nowNs: 0).bidSize, 1_000)
    }

    func testVolatilityIsEstimatedPerSecondFromMidChanges() {
        var estimator = VolatilityEstimator(halfLifeSeconds: 1, initialVariancePerSecond: 4)
        estimator.update(mid: 100, timeNs: 0)
        XCTAssertEqual(estimator.variancePerSecond, 4, "one observation: no change yet")
        // A 2-tick move over 1 s is 4 ticks²/s: after one half-life the estimate is halfway there.
        estimator.update(mid: 102, timeNs: 1_000_000_000)
        XCTAssertEqual(estimator.variancePerSecond, 4, accuracy: 1e-12)
        // No move for 1 s: halfway from 4 to 0.
        estimator.update(mid: 102, timeNs: 2_000_000_000)
        XCTAssertEqual(estimator.variancePerSecond, 2, accuracy: 1e-12)
        XCTAssertEqual(estimator.sigma, 2.0.squareRoot(), accuracy: 1e-12)
    }

    func testKappaIsEstimatedFromTradeDistances() {
        var estimator = ArrivalDecayEstimator(initialKappa: 1, weight: 0.5)
        // Mean distance 1 → towards 3: 1 + 0.5·(3 − 1) = 2, so κ = 0.5.
        estimator.update(distance: 3)
        XCTAssertEqual(estimator.kappa, 0.5, accuracy: 1e-12)
    }

    func testFixedSpreadAroundTheMid() {
        func quote(_ positionLots: Int64) -> Quote {
            FixedSpread.quote(top, spreadTicks: 4, sizeLots: 500, positionLots: positionLots, maxPositionLots: 1_000)
        }
        // mid 10000.5 ± 2: bid floor(9998.5) = 9998, ask ceil(10002.5) = 10003
        XCTAssertEqual(quote(0), Quote(bidPrice: 9_998, bidSize: 500, askPrice: 10_003, askSize: 500))
        XCTAssertEqual(quote(1_000).bidSize, 0)
    }

    func testBookImbalanceLeansTheFairPriceTowardsTheThinSide() {
        func quote(bids: Double, asks: Double, position: Int64 = 0) -> Quote {
            BookImbalance.quote(
                top, bidSize: bids, askSize: asks, leanTicks: 2, spreadTicks: 4, sizeLots: 10,
                positionLots: position, maxPositionLots: 100)
        }
        // I = (30 − 10) / 40 = 0.5: fair = 10000.5 + 1 = 10001.5; bid ⌊9999.5⌋ = 9999, ask ⌈10003.5⌉ = 10004.
        XCTAssertEqual(quote(bids: 30, asks: 10), Quote(bidPrice: 9_999, bidSize: 10, askPrice: 10_004, askSize: 10))
        // No bids at all, I = −1: fair = 9998.5; bid ⌊9996.5⌋ = 9996, ask ⌈10000.5⌉ = 10001.
        XCTAssertEqual(quote(bids: 0, asks: 10), Quote(bidPrice: 9_996, bidSize: 10, askPrice: 10_001, askSize: 10))
        // An empty book leans nowhere: the mid ± 2.
        XCTAssertEqual(quote(bids: 0, asks: 0), Quote(bidPrice: 9_998, bidSize: 10, askPrice: 10_003, askSize: 10))
        // A lean past the touch rests one tick inside it: I = 1 with 20 ticks of lean would bid
        // ⌊10018.5⌋, held at the best ask − 1.
        XCTAssertEqual(
            BookImbalance.quote(
                top, bidSize: 5, askSize: 0, leanTicks: 20, spreadTicks: 4, sizeLots: 10, positionLots: 0,
                maxPositionLots: 100
            ).bidPrice, 10_000)
        XCTAssertEqual(quote(bids: 30, asks: 10, position: 100).bidSize, 0, "at the long limit, no bid")
    }

    /// The grid: 10-tick steps, 20 ticks of half spread, 3 levels, 10 lots, at most 30.
    func testGridLevelsAreAlignedToTheGridAndSkewedByThePosition() {
        let parameters = Grid.Parameters(levels: 3, gridTicks: 10, halfSpreadTicks: 20, skewTicks: 4)
        func ladder(_ position: Int64, bid: Int64 = 10_000) -> QuoteLadder {
            let top = BookTop(
                header: FrameHeader(type: .bookTop, instrument: 1), bidPrice: bid, bidSize: 5, askPrice: bid + 1,
                askSize: 5)
            return Grid.ladder(top, parameters: parameters, positionLots: position, sizeLots: 10, maxPositionLots: 30)
        }
        func prices(_ ladder: QuoteLadder, _ side: Side) -> [Int64] {
            (0..<ladder.count(side)).map { ladder.level(side, $0).price }
        }
        // mid 10000.5: ⌊9980.5 / 10⌋ · 10 = 9980, ⌈10020.5 / 10⌉ · 10 = 10030.
        XCTAssertEqual(prices(ladder(0), .buy), [9_980, 9_970, 9_960])
        XCTAssertEqual(prices(ladder(0), .sell), [10_030, 10_040, 10_050])
        XCTAssertEqual(ladder(0).level(.buy, 0).size, 10)
        // A few ticks of move leave the grid where it is.
        XCTAssertEqual(prices(ladder(0, bid: 10_004), .buy), [9_980, 9_970, 9_960])
        // Long 20 lots, 2 quote sizes: r = 10000.5 − 8 = 9992.5: ⌊9972.5⌋ → 9970, ⌈10012.5⌉ → 10020.
        XCTAssertEqual(prices(ladder(20), .buy), [9_970, 9_960, 9_950])
        XCTAssertEqual(prices(ladder(20), .sell), [10_020, 10_030, 10_040])
        // At the long limit no bids; the asks stay.
        XCTAssertEqual(ladder(30).bidCount, 0)
        XCTAssertEqual(ladder(30).askCount, 3)
        // Short 300 lots with 4 ticks of skew a quote size: r = 10000.5 + 120; the asks are above,
        // but the bids 10100 ... would cross the ask: left out.
        XCTAssertEqual(
            prices(
                Grid.ladder(
                    BookTop(
                        header: FrameHeader(type: .bookTop, instrument: 1), bidPrice: 10_000, bidSize: 5,
                        askPrice: 10_001, askSize: 5), parameters: parameters, positionLots: -300, sizeLots: 10,
                    maxPositionLots: 1_000), .buy), [])
    }

    func testBarClosesAreTheLastMidBeforeEachBarsEnd() {
        var bars = BarCloses(barNs: 1_000)
        XCTAssertNil(bars.add(mid: 10, nowNs: 100), "the first bar opens")
        XCTAssertNil(bars.add(mid: 11, nowNs: 500))
        XCTAssertEqual(bars.add(mid: 12, nowNs: 1_000), 11, "the bar to 1000 closed at 11")
        // 2000 ... 3000 saw no top: not a bar; the next close is 12's bar's.
        XCTAssertEqual(bars.add(mid: 13, nowNs: 3_500), 12)
        XCTAssertNil(bars.add(mid: 14, nowNs: 3_999))
        XCTAssertEqual(bars.add(mid: 15, nowNs: 4_000), 14)
    }

    /// Fast over 2 bars (α = 2/3), slow over 3 (α = 1/2), closes 10, 13, 16.
    func testEmaCrossoverLeansWithTheFastAverage() throws {
        var averages = EmaCrossover.Averages()
        averages.add(10, fastBars: 2, slowBars: 3)
        averages.add(13, fastBars: 2, slowBars: 3)
        // fast = 10 + 2/3 · 3 = 12, slow = 10 + 1/2 · 3 = 11.5; two bars of three: no lean yet.
        XCTAssertEqual(averages.fast, 12, accuracy: 1e-12)
        XCTAssertEqual(averages.slow, 11.5, accuracy: 1e-12)
        XCTAssertEqual(averages.lean(slowBars: 3), 0)
        averages.add(16, fastBars: 2, slowBars: 3)
        // fast = 12 + 2/3 · 4 = 14.667, slow = 11.5 + 1/2 · 4.5 = 13.75: up.
        XCTAssertEqual(averages.fast, 14.666_666_666_666_666, accuracy: 1e-9)
        XCTAssertEqual(averages.slow, 13.75, accuracy: 1e-12)
        XCTAssertEqual(averages.lean(slowBars: 3), 1)
        averages.add(5, fastBars: 2, slowBars: 3)
        // fast = 14.667 − 2/3 · 9.667 = 8.222, slow = 13.75 − 1/2 · 8.75 = 9.375: down.
        XCTAssertEqual(averages.lean(slowBars: 3), -1)
        XCTAssertThrowsError(try EmaCrossover(EmaCrossover.Parameters(fastBars: 26, slowBars: 12))) {
            XCTAssertEqual("\($0)", "--fast 26 must be below --slow 12")
        }
    }

    /// Wilder's RSI over 2 bars: closes 10, 12, 11, 14.
    func testRelativeStrengthIsWildersIndex() throws {
        var index = RelativeStrength.Index()
        for close in [10.0, 12, 11] { index.add(close, period: 2) }
        // Gains 2, 0; losses 0, 1: averages 1 and 0.5; RSI = 100 − 100 / (1 + 2) = 66.667.
        XCTAssertEqual(try XCTUnwrap(index.value(period: 2)), 66.666_666_666_666_67, accuracy: 1e-9)
        index.add(14, period: 2)
        // Gain 3: (1 · 1 + 3) / 2 = 2; loss (0.5 · 1 + 0) / 2 = 0.25; RSI = 100 − 100 / 9 = 88.889.
        XCTAssertEqual(try XCTUnwrap(index.value(period: 2)), 88.888_888_888_888_89, accuracy: 1e-9)
        var rising = RelativeStrength.Index()
        for close in [1.0, 2, 3] { rising.add(close, period: 2) }
        XCTAssertEqual(rising.value(period: 2), 100, "no loss at all")
        XCTAssertThrowsError(try RelativeStrength(RelativeStrength.Parameters(overbought: 30, oversold: 70)))
    }

    /// Bands of 4 closes 10, 12, 10, 12: mean 11, σ 1.
    func testBollingerLeansAgainstWhereTheMidStandsInTheBands() {
        var band = Bollinger.Band(period: 4)
        for close in [10.0, 12, 10] { band.add(close) }
        XCTAssertNil(band.z(11), "three closes of four")
        band.add(12)
        XCTAssertEqual(try XCTUnwrap(band.z(13)), 2, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(band.z(10.5)), -0.5, accuracy: 1e-12)
        var flat = Bollinger.Band(period: 2)
        for close in [5.0, 5] { flat.add(close) }
        XCTAssertNil(flat.z(6), "no deviation, no band")
        // A lean of −0.25 (z = 0.5 with width 2) and 2 ticks: fair 10000.5 − 0.5 = 10000;
        // 4 wide: 9998 / 10002.
        XCTAssertEqual(
            Quote.leaning(
                top, lean: -0.25, leanTicks: 2, spreadTicks: 4, sizeLots: 3, positionLots: 0, maxPositionLots: 10),
            Quote(bidPrice: 9_998, bidSize: 3, askPrice: 10_002, askSize: 3))
    }

    /// `--take-quotes 2`: an order at each turn to a full lean, none while it stays full or
    /// below it; 3 lots a quote.
    func testTheIndicatorsTakeOnATurnToAFullLean() {
        var context = StrategyContext(bookLevels: 0)
        let instrument = try! Instrument(
            id: 1, symbol: "BTCUSDT", tickMantissa: 1, tickDecimals: 2, lotMantissa: 1, lotDecimals: 5,
            priceDisplayDecimals: 8, sizeDisplayDecimals: 8)
        context.instruments.set(1, QuotedInstrument(instrument: instrument, quoteSize: 0.00003, maxPosition: 1))
        var taker = LeanTaker(quotes: 2)
        taker.define(1)
        for lean in [0, 1, 1, 0.5, 1, -1, -0.9, -1] { taker.lean(lean, id: 1, context: &context) }
        XCTAssertEqual(context.pendingOrders.map(\.side), [.buy, .buy, .sell, .sell])
        XCTAssertEqual(context.pendingOrders.map(\.size), [6, 6, 6, 6])
        XCTAssertEqual(context.pendingOrders.map(\.price), [nil, nil, nil, nil], "at market")
        // Two lots under the limit: room for 2 of the 6; at the limit, none.
        context.pendingOrders.removeAll()
        context.instruments[1].positionLots = context.maxPositionLots(1) - 2
        taker.lean(0, id: 1, context: &context)
        taker.lean(1, id: 1, context: &context)
        taker.lean(0, id: 1, context: &context)
        context.instruments[1].positionLots = context.maxPositionLots(1)
        taker.lean(1, id: 1, context: &context)
        XCTAssertEqual(context.pendingOrders.map(\.size), [2])
        // At the extremes: 1000 quote sizes of 10^9 units at a lot of 10^-8 (10^20 lots) do not
        // trap; the order is the room left: the whole limit, from flat.
        var extreme = StrategyContext(bookLevels: 0)
        let fine = try! Instrument(
            id: 1, symbol: "BTCUSDT", tickMantissa: 1, tickDecimals: 2, lotMantissa: 1, lotDecimals: 8,
            priceDisplayDecimals: 8, sizeDisplayDecimals: 8)
        extreme.instruments.set(1, QuotedInstrument(instrument: fine, quoteSize: 1e9, maxPosition: 1e10 - 1e-8))
        var large = LeanTaker(quotes: 1_000)
        large.define(1)
        large.lean(-1, id: 1, context: &extreme)
        XCTAssertEqual(extreme.pendingOrders.map(\.size), [extreme.maxPositionLots(1)])
        XCTAssertEqual(extreme.pendingOrders.map(\.side), [.sell])
        var quoting = LeanTaker(quotes: 0)
        quoting.define(1)
        context.pendingOrders.removeAll()
        quoting.lean(1, id: 1, context: &context)
        XCTAssertTrue(context.pendingOrders.isEmpty)
    }

    /// The combined strategy's bookkeeping, worked by hand: bars closing at 10, 13, 16, 13 with
    /// a level top (imbalance 0), EMAs of 2 and 3 bars, RSI and bands of 2, a memory of 1 bar
    /// (α = ½).
    func testCombinedWeighsEachSignalByWhatItsLeansEarned() throws {
        let parameters = Combined.Parameters(fastBars: 2, slowBars: 3, rsiPeriod: 2, bandPeriod: 2, memoryBars: 1)
        let combined = try Combined(parameters)
        XCTAssertEqual(combined.memoryAlpha, 0.5, accuracy: 1e-15)
        var state = Combined.Signals(bars: BarCloses(barNs: 1), band: Bollinger.Band(period: 2))
        // 10: nothing leans yet.
        state.add(10, imbalance: 0, parameters, memoryAlpha: combined.memoryAlpha)
        XCTAssertEqual(state.leansAtClose, SIMD4(0, 0, 0, 0))
        // 13: the bands [10, 13] (mean 11.5, σ 1.5) put 13 at z = 1: bollinger leans −½.
        state.add(13, imbalance: 0, parameters, memoryAlpha: combined.memoryAlpha)
        XCTAssertEqual(state.performance, SIMD4(0, 0, 0, 0), "no lean was held over 10 → 13")
        XCTAssertEqual(state.leansAtClose, SIMD4(0, 0, -0.5, 0))
        // 16: bollinger held −½ over +3: performance ½ · (−1.5 − 0) = −0.75. Now the EMAs
        // (14.667 over 13.75) lean up, the RSI (no loss: 100) down, the bands [13, 16] −½ again.
        state.add(16, imbalance: 0, parameters, memoryAlpha: combined.memoryAlpha)
        XCTAssertEqual(state.performance, SIMD4(0, 0, -0.75, 0))
        XCTAssertEqual(state.leansAtClose, SIMD4(1, -1, -0.5, 0))
        // 13, a move of −3: ema ½ · (−3 − 0) = −1.5, rsi ½ · (3 − 0) = 1.5,
        // bollinger −0.75 + ½ · (1.5 + 0.75) = 0.375.
        state.add(13, imbalance: 0, parameters, memoryAlpha: combined.memoryAlpha)
        XCTAssertEqual(state.performance, SIMD4(-1.5, 1.5, 0.375, 0))
        XCTAssertEqual(state.weights, SIMD4(0, 0, 0, 0), "weights move only when rebalanced")
        state.rebalance()
        // The positive ones over their sum 1.875: rsi 0.8, bollinger 0.2.
        XCTAssertEqual(state.weights, SIMD4(0, 0.8, 0.2, 0))
        state.performance = SIMD4(-1, -2, 0, -0.5)
        state.rebalance()
        XCTAssertEqual(state.weights, SIMD4(0, 0, 0, 0), "nothing earned: no weight, no lean")
        XCTAssertThrowsError(try Combined(Combined.Parameters(fastBars: 5, slowBars: 5)))
    }

    /// hftbacktest's `mm`: 100 ms steps, vol multiplier 2, 5 ticks of skew per unit, 1000 lots a
    /// unit, 100 lots a side, at most 1000 lots.
    func testVolatilityBandStepsLikeHftbacktestsExample() {
        var band = VolatilityBand.Quoter(
            stepNs: 100_000_000, volMultiplier: 2, skewTicksPerUnit: 5, quoteSizeLots: 100, maxPositionLots: 1_000,
            lotsPerUnit: 1_000)
        func top(_ bid: Int64) -> BookTop {
            BookTop(
                header: FrameHeader(type: .bookTop, instrument: 1), bidPrice: bid, bidSize: 5, askPrice: bid + 1,
                askSize: 5)
        }
        // First step, no variance yet: half = max(1, 0 + 0.5) = 1 around 10000.5: 9999 / 10002.
        XCTAssertEqual(
            band.quote(top(10_000), positionLots: 0, nowNs: 0),
            Quote(bidPrice: 9_999, bidSize: 100, askPrice: 10_002, askSize: 100))
        // Within the step the quote stands, whatever the book did.
        XCTAssertEqual(band.quote(top(10_004), positionLots: 0, nowNs: 50_000_000).bidPrice, 9_999)
        // Next step: var = 0.01 × 4² = 0.16, half = max(1, 2 × 0.4 + 0.5) = 1.3; long 0.2 units:
        // r = 10004.5 − 0.2 × 5 = 10003.5; bid ⌊10002.2⌋ = 10002, ask ⌈10004.8⌉ = 10005.
        XCTAssertEqual(
            band.quote(top(10_004), positionLots: 200, nowNs: 100_000_000),
            Quote(bidPrice: 10_002, bidSize: 100, askPrice: 10_005, askSize: 100))
        XCTAssertEqual(band.variance, 0.16, accuracy: 1e-12)
        // 350 ms: the 200 ms step saw no top (× 0.99), the 300 ms one an unchanged mid (× 0.99
        // + 0): var = 0.16 × 0.99² = 0.156816. At the long limit, no bid; r = 10004.5 − 5 =
        // 9999.5 puts the ask inside the touch: it is held at the best ask, 10005.
        let limited = band.quote(top(10_004), positionLots: 1_000, nowNs: 350_000_000)
        XCTAssertEqual(band.variance, 0.156816, accuracy: 1e-12)
        XCTAssertEqual(limited.bidSize, 0)
        XCTAssertEqual(limited.askPrice, 10_005)
    }

    func testRequoteRule() {
        let rule = RequoteRule(minIntervalNs: 100, minMoveTicks: 2)
        let last = Quote(bidPrice: 100, bidSize: 1, askPrice: 110, askSize: 1)
        XCTAssertTrue(rule.shouldSend(last, last: nil, lastSentNs: 0, nowNs: 0), "the first quote goes")
        XCTAssertFalse(rule.shouldSend(last, last: last, lastSentNs: 0, nowNs: 1_000), "nothing changed")
        var moved = last
        moved.bidPrice = 101
        XCTAssertFalse(
            rule.shouldSend(moved, last: last, lastSentNs: 0, nowNs: 1_000), "one tick is under the minimum move")
        moved.bidPrice = 102
        XCTAssertFalse(rule.shouldSend(moved, last: last, lastSentNs: 0, nowNs: 50), "too soon")
        XCTAssertTrue(rule.shouldSend(moved, last: last, lastSentNs: 0, nowNs: 100))
        var pulled = last
        pulled.bidSize = 0
        XCTAssertTrue(rule.shouldSend(pulled, last: last, lastSentNs: 0, nowNs: 1), "a side switched off goes at once")
    }
}

final class MomentumAndPairsTests: XCTestCase {
    func testMomentumLeansWithAMoveOverTheWindow() {
        var momentum = Momentum.Quoter(
            Momentum.Parameters(windowSeconds: 5, thresholdFraction: 0.001), quoteSizeLots: 1_000,
            maxPositionLots: 10_000)
        let second: Int64 = 1_000_000_000
        XCTAssertEqual(momentum.lean(mid: 100, nowNs: 0), .neutral, "no sample a window old yet")
        XCTAssertEqual(momentum.lean(mid: 100.05, nowNs: 2 * second), .neutral)
        // Against the sample at 0 s: (100.2 − 100) / 100 = 0.002 > 0.001.
        XCTAssertEqual(momentum.lean(mid: 100.2, nowNs: 5 * second), .long)
        // At 7 s the 2 s sample is the one a window back: (99.9 − 100.05) / 100.05 = −0.0015.
        XCTAssertEqual(momentum.lean(mid: 99.9, nowNs: 7 * second), .short)
        // At 12 s the reference is the 7 s sample, 99.9: a move of 0.0005 is under the threshold.
        XCTAssertEqual(momentum.lean(mid: 99.95, nowNs: 12 * second), .neutral)
    }

    func testMomentumQuotesOnlyTheSideItLeansTo() {
        var momentum = Momentum.Quoter(
            Momentum.Parameters(windowSeconds: 1, thresholdFraction: 0.001, neutralSpreadTicks: 4), quoteSizeLots: 10,
            maxPositionLots: 100)
        let top = { (bid: Int64) in
            BookTop(
                header: FrameHeader(type: .bookTop, instrument: 1), bidPrice: bid, bidSize: 1, askPrice: bid + 1,
                askSize: 1)
        }
        XCTAssertEqual(
            momentum.quote(top(10_000), positionLots: 0, nowNs: 0),
            Quote(bidPrice: 9_998, bidSize: 10, askPrice: 10_003, askSize: 10), "neutral: 4 ticks around the mid")
        XCTAssertEqual(
            momentum.quote(top(10_100), positionLots: 0, nowNs: 1_000_000_000),
            Quote(bidPrice: 10_100, bidSize: 10, askPrice: 0, askSize: 0), "up 1 %: bid at the touch, no offer")
    }

    func testPairsEntersWhenTheSpreadIsRichAndExitsWhenItReverts() {
        var pairs = PairsTrading.Model(
            PairsTrading.Parameters(halfLifeSeconds: 60, entryZ: 2, exitZ: 0.5), legLots: 1_000, warmup: 50)
        let second: Int64 = 1_000_000_000
        var t: Int64 = 0
        // B swings; A = 2 B plus a little noise: β → 2, the spread's mean → 0.
        for step in 0..<300 {
            let b = 5_000 + 20 * sin(Double(step) / 10)
            let a = 2 * b + (step % 2 == 0 ? 0.5 : -0.5)
            _ = pairs.update(midA: a, midB: b, nowNs: t)
            t += second
        }
        XCTAssertEqual(pairs.beta, 2, accuracy: 0.05)
        XCTAssertEqual(pairs.position, .flat)
        // A jumps 10 ticks rich.
        let z = pairs.update(midA: 2 * 5_000 + 10, midB: 5_000, nowNs: t)
        XCTAssertGreaterThan(z ?? 0, 2)
        XCTAssertEqual(pairs.position, .shortSpread)
        XCTAssertEqual(pairs.targets.a, -1_000, "sell A")
        XCTAssertEqual(Double(pairs.targets.b), 2_000, accuracy: 50, "buy β of B")
        t += second
        // Back in line: flat again.
        _ = pairs.update(midA: 2 * 5_000, midB: 5_000, nowNs: t)
        XCTAssertEqual(pairs.position, .flat)
        XCTAssertEqual(pairs.targets.a, 0)
    }

    func testPairLegsWorkTowardsTheirTargetsPassively() {
        let top = BookTop(
            header: FrameHeader(type: .bookTop, instrument: 1), bidPrice: 100, bidSize: 1, askPrice: 101, askSize: 1)
        XCTAssertEqual(
            PairsTrading.legQuote(top: top, position: 0, target: -1_000),
            Quote(bidPrice: 0, bidSize: 0, askPrice: 101, askSize: 1_000))
        XCTAssertEqual(
            PairsTrading.legQuote(top: top, position: -400, target: 0),
            Quote(bidPrice: 100, bidSize: 400, askPrice: 0, askSize: 0))
        XCTAssertEqual(PairsTrading.legQuote(top: top, position: 7, target: 7), .none)
    }
}
