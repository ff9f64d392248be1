import Glibc
import IPC

/// The Avellaneda–Stoikov market maker ("High-frequency trading in a limit order book", 2008).
///
/// Finite horizon, with s the mid, q the inventory, σ the mid's volatility, T − t the time left:
///
///     r = s − q·γ·σ²·(T − t)                              reservation price
///     δ = γ·σ²·(T − t) + (2/γ)·ln(1 + γ/κ)                total spread; quotes r ∓ δ/2
///
/// The horizon restarts every `horizonSeconds` (a trading "day" of that length). Infinite
/// horizon (the paper's §2.5), with ω = ½·γ²·σ²·(q_max + 1)²:
///
///     r_a = s + (1/γ)·ln(1 + (1 − 2q)·γ²σ² / (2ω − γ²q²σ²))
///     r_b = s + (1/γ)·ln(1 + (−1 − 2q)·γ²σ² / (2ω − γ²q²σ²))
///     ask = r_a + (1/γ)·ln(1 + γ/κ),  bid = r_b − (1/γ)·ln(1 + γ/κ)
///
/// Units: prices in ticks, σ² in ticks² per second (estimated online from mid changes), κ per
/// tick (set, or estimated from the trades' distances to the mid), q in quote sizes
/// (position / quote size), γ per tick per quote size.
public struct AvellanedaStoikov: Strategy {
    public struct Parameters: Equatable {
        public var gamma = 0.1
        /// nil: estimate κ from trades, starting at `initialKappa`.
        public var kappa: Double? = nil
        public var initialKappa = 1.0
        /// nil: the infinite-horizon variant.
        public var horizonSeconds: Double? = 60
        public var volatilityHalfLifeSeconds = 30.0
        /// σ² before any mid change was seen, ticks² per second.
        public var initialVariance = 1.0
    }

    public static let name = "as"
    public static let summary = """
        Avellaneda-Stoikov: reservation price skewed by inventory, spread from gamma, the
        mid's volatility (estimated online) and kappa (set, or estimated from trades);
        finite horizon restarting every --horizon seconds, or inf for the infinite-horizon variant
        """
    public static var parameters: StrategyParameters<Parameters> {
        StrategyParameters(
            Parameters(),
            [
                .decimal("gamma", \.gamma, in: 1e-9...1e6, value: "G"),
                .decimal(
                    "kappa", \.kappa, in: Double.leastNonzeroMagnitude...Double.greatestFiniteMagnitude, or: "estimate",
                    value: "K|estimate", expected: "a positive number or estimate"),
                .decimal(
                    "horizon", \.horizonSeconds, in: Double.leastNonzeroMagnitude...Double.greatestFiniteMagnitude,
                    or: "inf", value: "SECONDS|inf", expected: "seconds or inf"),
                .decimal("vol-half-life", \.volatilityHalfLifeSeconds, in: 0.001...1e6, value: "SECONDS")
            ])
    }

    let parameters: Parameters
    var quoters = InstrumentTable<Quoter>()

    public init(_ parameters: Parameters) { self.parameters = parameters }

    public mutating func onInstrument(_ instrument: Instrument, context: inout StrategyContext) {
        quoters.set(
            instrument.id,
            Quoter(
                parameters, quoteSizeLots: context.quoteSizeLots(instrument.id),
                maxPositionLots: context.maxPositionLots(instrument.id)))
    }

    public mutating func onTop(_ top: BookTop, context: inout StrategyContext) {
        let id = top.header.instrument
        quoters[id].observe(top, nowNs: context.nowNs)
        context.quote(id, quoters[id].quote(top, positionLots: context.position(id), nowNs: context.nowNs))
    }

    public mutating func onTrade(_ trade: Trade, context: inout StrategyContext) {
        let id = trade.header.instrument
        guard let top = context.top(id) else { return }
        quoters[id].observe(trade, mid: top.mid)
    }
}

extension AvellanedaStoikov {
    /// The model for one instrument: its volatility and κ estimates, its horizon.
    struct Quoter {
        let parameters: Parameters
        let quoteSizeLots: Int64
        let maxPositionLots: Int64
        private(set) var volatility: VolatilityEstimator
        private(set) var arrivals: ArrivalDecayEstimator
        private var horizonStartNs: Int64?

        init(_ parameters: Parameters, quoteSizeLots: Int64, maxPositionLots: Int64) {
            self.parameters = parameters
            self.quoteSizeLots = quoteSizeLots
            self.maxPositionLots = maxPositionLots
            volatility = VolatilityEstimator(
                halfLifeSeconds: parameters.volatilityHalfLifeSeconds,
                initialVariancePerSecond: parameters.initialVariance)
            arrivals = ArrivalDecayEstimator(initialKappa: parameters.kappa ?? parameters.initialKappa)
        }

        var kappa: Double { parameters.kappa ?? arrivals.kappa }

        mutating func observe(_ top: BookTop, nowNs: Int64) {
            volatility.update(mid: top.mid, timeNs: nowNs)
        }

        mutating func observe(_ trade: Trade, mid: Double) {
            guard parameters.kappa == nil else { return }
            arrivals.update(distance: abs(Double(trade.price) - mid))
        }

        /// The quote for `top` with inventory `positionLots` at `nowNs`.
        mutating func quote(_ top: BookTop, positionLots: Int64, nowNs: Int64) -> Quote {
            let q = Double(positionLots) / Double(quoteSizeLots)
            let prices =
                parameters.horizonSeconds.map { horizon in
                    Quoter.finiteHorizon(
                        mid: top.mid, q: q, gamma: parameters.gamma, variance: volatility.variancePerSecond,
                        kappa: kappa, timeLeft: timeLeft(horizon: horizon, nowNs: nowNs))
                }
                ?? Quoter.infiniteHorizon(
                    mid: top.mid, q: q, gamma: parameters.gamma, variance: volatility.variancePerSecond,
                    kappa: kappa, maxQ: Double(maxPositionLots) / Double(quoteSizeLots))
            guard prices.bid.isFinite, prices.ask.isFinite, abs(prices.bid) < 1e15, abs(prices.ask) < 1e15 else {
                return .none
            }
            let quote = Quote(
                bidPrice: Int64(prices.bid.rounded(.down)), bidSize: quoteSizeLots,
                askPrice: Int64(prices.ask.rounded(.up)), askSize: quoteSizeLots)
            return InventoryLimit(maxPositionLots: maxPositionLots).apply(
                quote.resting(on: top), position: positionLots)
        }

        private mutating func timeLeft(horizon: Double, nowNs: Int64) -> Double {
            let start = horizonStartNs ?? nowNs
            horizonStartNs = start
            let elapsed = Double(nowNs - start) / 1e9
            return horizon - elapsed.truncatingRemainder(dividingBy: horizon)
        }

        static func finiteHorizon(
            mid: Double, q: Double, gamma: Double, variance: Double, kappa: Double,
            timeLeft: Double
        ) -> (bid: Double, ask: Double) {
            let reservation = mid - q * gamma * variance * timeLeft
            let spread = gamma * variance * timeLeft + (2 / gamma) * log(1 + gamma / kappa)
            return (reservation - spread / 2, reservation + spread / 2)
        }

        static func infiniteHorizon(
            mid: Double, q: Double, gamma: Double, variance: Double, kappa: Double,
            maxQ: Double
        ) -> (bid: Double, ask: Double) {
            // ω keeps every logarithm's argument positive for |q| <= q_max; beyond it, as at it.
            let q = min(max(q, -maxQ), maxQ)
            let g2s2 = gamma * gamma * variance
            let omega = 0.5 * g2s2 * (maxQ + 1) * (maxQ + 1)
            let denominator = 2 * omega - g2s2 * q * q
            let reservationAsk = mid + log(1 + (1 - 2 * q) * g2s2 / denominator) / gamma
            let reservationBid = mid + log(1 + (-1 - 2 * q) * g2s2 / denominator) / gamma
            let edge = log(1 + gamma / kappa) / gamma
            return (reservationBid - edge, reservationAsk + edge)
        }
    }
}
