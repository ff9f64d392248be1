import IPC

/// Momentum: leans with a move. When the mid has risen more than `thresholdFraction` over the
/// last `windowSeconds`, it bids at the best bid and offers nothing (it wants to be long); when it
/// has fallen as much, it offers at the best ask and bids nothing; otherwise it quotes both sides
/// `neutralSpreadTicks` apart around the mid. Mids are kept in a fixed ring of timed samples.
struct Momentum {
    struct Parameters: Equatable {
        var windowSeconds = 5.0
        var thresholdFraction = 0.001
        var neutralSpreadTicks: Int64 = 4
        var quoteSizeLots: Int64 = 1_000
        var maxPositionLots: Int64 = 10_000
    }

    enum Lean: Equatable { case long, short, neutral }

    let parameters: Parameters
    private var times: [Int64]
    private var mids: [Double]
    private var head = 0
    private var count = 0
    static let capacity = 4_096

    init(_ parameters: Parameters) {
        self.parameters = parameters
        times = Array(repeating: 0, count: Momentum.capacity)
        mids = Array(repeating: 0, count: Momentum.capacity)
    }

    /// The move over the window: the oldest sample inside it against `mid`, as a fraction.
    mutating func lean(mid: Double, nowNs: Int64) -> Lean {
        let window = Int64(parameters.windowSeconds * 1e9)
        // Drop samples older than the window, but keep one at or before its start.
        while count > 1 && nowNs - times[(head + 1) % Momentum.capacity] >= window {
            head = (head + 1) % Momentum.capacity
            count -= 1
        }
        if count == Momentum.capacity {
            head = (head + 1) % Momentum.capacity
            count -= 1
        }
        let reference = count > 0 && nowNs - times[head] >= window ? mids[head] : nil
        times[(head + count) % Momentum.capacity] = nowNs
        mids[(head + count) % Momentum.capacity] = mid
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
            quote = Quote(bidPrice: top.bidPrice, bidSize: parameters.quoteSizeLots, askPrice: 0, askSize: 0)
        case .short:
            quote = Quote(bidPrice: 0, bidSize: 0, askPrice: top.askPrice, askSize: parameters.quoteSizeLots)
        case .neutral:
            let half = Double(parameters.neutralSpreadTicks) / 2
            quote = Quote(
                bidPrice: Int64((top.mid - half).rounded(.down)), bidSize: parameters.quoteSizeLots,
                askPrice: Int64((top.mid + half).rounded(.up)), askSize: parameters.quoteSizeLots
            ).resting(on: top)
        }
        return InventoryLimit(maxPositionLots: parameters.maxPositionLots).apply(quote, position: positionLots)
    }
}
