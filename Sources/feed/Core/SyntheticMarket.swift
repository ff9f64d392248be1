import Glibc
import IPC

/// A seeded, deterministic market for one or more instruments: a fair value that random-walks
/// with volatility regimes, limit orders arriving and cancelling around it, market orders that
/// sweep the touch and print trades. Each step emits the trades, then one depth diff of every
/// level that changed (Binance-style update ids), so a book built from the frames is exact.
///
/// Instrument 1 leads; every other instrument's fair value is `ratio ×` the leader's plus a
/// mean-reverting spread, so pairs of them are cointegrated (for the pairs strategy).
struct SyntheticMarket {
    struct Parameters {
        var seed: UInt64 = 42
        var symbols = ["SYNUSDT"]
        /// Simulated time per step.
        var stepNs: Int64 = 10_000_000
        /// Fair-value volatility in ticks per √second, calm and stressed.
        var calmVolatility = 4.0
        var stressedVolatility = 14.0
        /// Mean seconds between regime switches.
        var regimeSeconds = 30.0
        /// Arrivals per second, per side for limit orders and cancels.
        var limitRate = 150.0
        var cancelRate = 120.0
        var marketRate = 15.0
        /// Each instrument's opening fair value in its ticks (the default: 100.00, 50.00, 200.00,
        /// 25.00 at a tick of 0.01, then again ×2, ×3, ...).
        var startTicks: [Int64] = []
        /// Each instrument's median resting order size in its lots (400: 0.4 at a lot of 0.001);
        /// a market order's median is 5/8 of it.
        var limitMedianLots: [Double] = []
        /// Levels farther than this from the fair value are removed.
        var depthTicks: Int64 = 100
        var firstUpdateId: UInt64 = 1_000
    }

    /// An instrument of the synthetic market unless told otherwise: tick 0.01, lot 0.001.
    static func defaultInstrument(_ symbol: String, id: UInt32) throws(InvalidArgument) -> Instrument {
        try Instrument(
            id: id, symbol: symbol, tickMantissa: 1, tickDecimals: 2,
            lotMantissa: 1, lotDecimals: 3, priceDisplayDecimals: 2, sizeDisplayDecimals: 3)
    }

    static let startPrices: [Int64] = [10_000, 5_000, 20_000, 2_500]
    static let defaultMedianLots = 400.0

    /// The default opening fair value of instrument `index` (0-based), in ticks of 0.01.
    static func defaultStartTicks(_ index: Int) -> Int64 {
        startPrices[index % startPrices.count] * Int64(1 + index / 4)
    }
    static let sides: [Side] = [.bid, .ask]

    /// What moves an instrument's quotes, apart from its book.
    struct InstrumentState {
        let id: UInt32
        let ratio: Double
        var fairValue: Double
        var spread = 0.0
        var updateId: UInt64
        var tradeId: UInt64 = 1
    }

    let parameters: Parameters
    private var rng: SplitMix64
    private var books: [SyntheticBook] = []
    private var states: [InstrumentState] = []
    private var stressed = false
    /// Simulated time of the next step, Unix epoch ns.
    private(set) var now: Int64

    init(_ parameters: Parameters, startTimeNs: Int64) {
        self.parameters = parameters
        rng = SplitMix64(seed: parameters.seed)
        now = startTimeNs
        for index in parameters.symbols.indices {
            let start =
                index < parameters.startTicks.count
                ? parameters.startTicks[index] : SyntheticMarket.defaultStartTicks(index)
            let leader = parameters.startTicks.first ?? SyntheticMarket.defaultStartTicks(0)
            books.append(SyntheticBook(centre: start))
            states.append(
                InstrumentState(
                    id: UInt32(index + 1), ratio: Double(start) / Double(leader),
                    fairValue: Double(start), updateId: parameters.firstUpdateId))
        }
    }

    /// The opening snapshot of every instrument: 20 levels a side around the fair value.
    mutating func snapshot(into batch: FrameBatch, receiveTimeNs: Int64) {
        for index in states.indices {
            let centre = Int64(states[index].fairValue.rounded())
            for distance in 1...20 {
                books[index].set(.bid, price: centre - Int64(distance), size: limitSize(index))
                books[index].set(.ask, price: centre + Int64(distance), size: limitSize(index))
            }
            let header = FrameHeader(
                type: .bookDelta, flags: .snapshot, instrument: states[index].id,
                eventTimeNs: now, receiveTimeNs: receiveTimeNs)
            var message = DepthMessageWriter(into: batch, header: header)
            books[index].drainChanges { side, price, size in message.add(side, price: price, size: size) }
            message.end(updateId: states[index].updateId, span: 0)
        }
    }

    /// Advances one step: at most ~64 trades and ~600 level changes per instrument.
    mutating func step(into batch: FrameBatch, receiveTimeNs: Int64) {
        let dt = Double(parameters.stepNs) / 1e9
        if rng.unit() < dt / parameters.regimeSeconds { stressed.toggle() }
        let volatility = stressed ? parameters.stressedVolatility : parameters.calmVolatility
        let leaderMove = volatility * dt.squareRoot() * rng.normal()
        for index in states.indices {
            moveFairValue(index, leaderMove: leaderMove, dt: dt, volatility: volatility)
            let header = FrameHeader(
                type: .trade, instrument: states[index].id, eventTimeNs: now, receiveTimeNs: receiveTimeNs)
            for _ in 0..<rng.poisson(parameters.marketRate * dt) { marketOrder(index, header: header, into: batch) }
            for side in SyntheticMarket.sides {
                for _ in 0..<rng.poisson(parameters.limitRate * dt) { limitOrder(index, side: side) }
                for _ in 0..<rng.poisson(parameters.cancelRate * dt) { cancel(index, side: side) }
            }
            let centre = Int64(states[index].fairValue.rounded())
            books[index].trim(around: centre, depth: parameters.depthTicks)
            if books[index].bestBid == .min {
                books[index].set(.bid, price: min(centre - 1, books[index].bestAsk - 1), size: limitSize(index))
            }
            if books[index].bestAsk == .max {
                books[index].set(.ask, price: max(centre + 1, books[index].bestBid + 1), size: limitSize(index))
            }
            emitDiff(index, receiveTimeNs: receiveTimeNs, into: batch)
        }
        now += parameters.stepNs
    }

    private mutating func moveFairValue(_ index: Int, leaderMove: Double, dt: Double, volatility: Double) {
        if index == 0 {
            states[0].fairValue += leaderMove
            return
        }
        // Ornstein–Uhlenbeck spread around ratio × leader: reverts with a 5 s half-life.
        let reversion = 0.14
        states[index].spread +=
            -reversion * states[index].spread * dt + 0.5 * volatility * dt.squareRoot() * rng.normal()
        states[index].fairValue = states[0].fairValue * states[index].ratio + states[index].spread
    }

    /// Instrument `index`'s median resting order size, in lots.
    private func medianLots(_ index: Int) -> Double {
        index < parameters.limitMedianLots.count ? parameters.limitMedianLots[index] : SyntheticMarket.defaultMedianLots
    }

    /// A size drawn around `median` lots: at least 1, at most what the wire holds (a log-normal
    /// tail of a large median would pass Int64's end).
    private mutating func lots(median: Double, sigma: Double) -> Int64 {
        min(Int64(min(max(1, rng.logNormal(median: median, sigma: sigma)), 1e18)), FrameLayout.maxQuantity)
    }

    private mutating func limitSize(_ index: Int) -> Int64 {
        lots(median: medianLots(index), sigma: 0.9)
    }

    private mutating func limitOrder(_ index: Int, side: Side) {
        let fair = states[index].fairValue
        let distance = 1 + Int64(rng.geometric(0.25))
        guard distance <= parameters.depthTicks else { return }
        var price =
            side == .bid
            ? Int64((fair - 0.5).rounded(.down)) - distance + 1 : Int64((fair + 0.5).rounded(.up)) + distance - 1
        // Never cross: a bid stays below the best ask, an ask above the best bid.
        if side == .bid {
            price = min(price, books[index].bestAsk - 1)
        } else {
            price = max(price, books[index].bestBid + 1)
        }
        // A level holds at most what the wire does: orders joining a full level are not added.
        let joined = books[index].size(side, at: price) + limitSize(index)
        books[index].set(side, price: price, size: min(joined, FrameLayout.maxQuantity))
    }

    private mutating func cancel(_ index: Int, side: Side) {
        let touch = side == .bid ? books[index].bestBid : books[index].bestAsk
        guard touch != .min && touch != .max else { return }
        let distance = Int64(rng.geometric(0.2))
        let price = side == .bid ? touch - distance : touch + distance
        let size = books[index].size(side, at: price)
        guard size > 0 else { return }
        let remaining = rng.unit() < 0.3 ? 0 : Int64(Double(size) * rng.unit())
        books[index].set(side, price: price, size: remaining)
    }

    /// A market order sweeping up to 10 levels from the touch, one trade per level it takes from.
    /// Buyers are likelier when the fair value is above the mid (informed flow).
    private mutating func marketOrder(_ index: Int, header: FrameHeader, into batch: FrameBatch) {
        let bid = books[index].bestBid
        let ask = books[index].bestAsk
        guard bid != .min && ask != .max else { return }
        let mid = Double(bid + ask) / 2
        let buy = rng.unit() < 1 / (1 + exp(-(states[index].fairValue - mid) / 2))
        var remaining = lots(median: medianLots(index) * 5 / 8, sigma: 1.0)
        let side: Side = buy ? .ask : .bid
        for _ in 0..<10 where remaining > 0 {
            let price = buy ? books[index].bestAsk : books[index].bestBid
            guard price != .min && price != .max else { break }
            let available = books[index].size(side, at: price)
            let taken = min(available, remaining)
            books[index].set(side, price: price, size: available - taken)
            remaining -= taken
            batch.append(
                Trade(
                    header: header, price: price, size: taken, tradeId: states[index].tradeId,
                    aggressor: buy ? .buy : .sell))
            batch.endMessage()
            states[index].tradeId += 1
        }
    }

    /// One depth message with every level that changed this step; ids as Binance numbers them.
    private mutating func emitDiff(_ index: Int, receiveTimeNs: Int64, into batch: FrameBatch) {
        guard books[index].hasChanges else { return }
        let header = FrameHeader(
            type: .bookDelta, instrument: states[index].id, eventTimeNs: now, receiveTimeNs: receiveTimeNs)
        var message = DepthMessageWriter(into: batch, header: header)
        books[index].drainChanges { side, price, size in message.add(side, price: price, size: size) }
        let last = states[index].updateId + UInt64(message.levels)
        states[index].updateId = last
        message.end(updateId: last, span: UInt32(message.levels))
    }
}
