import IPC

/// Momentum: leans with a move. When the mid has risen more than `thresholdFraction` over the
/// last `windowSeconds`, it bids at the best bid and offers nothing (it wants to be long); when it
/// has fallen as much, it offers at the best ask and bids nothing; otherwise it quotes both sides
/// `neutralSpreadTicks` apart around the mid. Mids are kept in a fixed ring of timed samples.
public struct Momentum: Strategy {
    public struct Parameters: Equatable {
        public var windowSeconds = 5.0
        public var thresholdFraction = 0.001
        public var neutralSpreadTicks: Int64 = 4
    }

    enum Lean: Equatable { case long, short, neutral }

    public static let name = "momentum"
    public static let summary = """
        leans with a move of more than --threshold (a fraction) over --window seconds:
        bids at the touch only after a rise, offers only after a fall, else quotes
        --spread-ticks around the mid
        """
    public static var parameters: StrategyParameters<Parameters> {
        StrategyParameters(
            Parameters(),
            [
                .decimal("window", \.windowSeconds, in: 0.001...1e6, value: "SECONDS"),
                .decimal("threshold", \.thresholdFraction, in: 1e-9...1, value: "FRACTION"),
                .integer("spread-ticks", \.neutralSpreadTicks, in: 1...1_000_000)
            ])
    }

    let parameters: Parameters
    var quoters = InstrumentTable<Quoter>()

    public init(_ parameters: Parameters) { self.parameters = parameters }

    public mutating func onInstrument(_ instrument: Instrument, context: inout StrategyContext) {
        let id = instrument.id
        quoters.set(
            id,
            Quoter(parameters, quoteSizeLots: context.quoteSizeLots(id), maxPositionLots: context.maxPositionLots(id)))
    }

    public mutating func onTop(_ top: BookTop, context: inout StrategyContext) {
        let id = top.header.instrument
        context.quote(id, quoters[id].quote(top, positionLots: context.position(id), nowNs: context.nowNs))
    }

    /// The model for one instrument: its mids over the window, in a fixed ring of timed samples.
    struct Quoter {
        let parameters: Parameters
        let quoteSizeLots: Int64
        let maxPositionLots: Int64
        private var times: [Int64]
        private var mids: [Double]
        private var head = 0
        private var count = 0
        static let capacity = 4_096

        init(_ parameters: Parameters, quoteSizeLots: Int64, maxPositionLots: Int64) {
            self.parameters = parameters
            self.quoteSizeLots = quoteSizeLots
            self.maxPositionLots = maxPositionLots
            times = Array(repeating: 0, count: Quoter.capacity)
            mids = Array(repeating: 0, count: Quoter.capacity)
        }

        /// The move over the window: the oldest sample inside it against `mid`, as a fraction.
        mutating func lean(mid: Double, nowNs: Int64) -> Lean {
            let window = Int64(parameters.windowSeconds * 1e9)
            // Drop samples older than the window, but keep one at or before its start.
            while count > 1 && nowNs - times[(head + 1) % Quoter.capacity] >= window {
                head = (head + 1) % Quoter.capacity
                count -= 1
            }
            if count == Quoter.capacity {
                head = (head + 1) % Quoter.capacity
                count -= 1
            }
            let reference = count > 0 && nowNs - times[head] >= window ? mids[head] : nil
            times[(head + count) % Quoter.capacity] = nowNs
            mids[(head + count) % Quoter.capacity] = mid
            count += 1
            guard let reference, reference > 0 else { return .neutral }
            let move = (mid - reference) / reference
            if move > parameters.thresholdFraction { return .long }
            if move < -parameters.thresholdFraction { return .short }
            return .neutral
        }

        mutating func quote(_ top: BookTop, positionLots: Int64, nowNs: Int64) -> Quote {
            let quote: Quote
            switch lean(mid: top.mid, nowNs: nowNs) {
            case .long:
                quote = Quote(bidPrice: top.bidPrice, bidSize: quoteSizeLots, askPrice: 0, askSize: 0)
            case .short:
                quote = Quote(bidPrice: 0, bidSize: 0, askPrice: top.askPrice, askSize: quoteSizeLots)
            case .neutral:
                let half = Double(parameters.neutralSpreadTicks) / 2
                quote = Quote(
                    bidPrice: Int64((top.mid - half).rounded(.down)), bidSize: quoteSizeLots,
                    askPrice: Int64((top.mid + half).rounded(.up)), askSize: quoteSizeLots
                ).resting(on: top)
            }
            return InventoryLimit(maxPositionLots: maxPositionLots).apply(quote, position: positionLots)
        }
    }
}
