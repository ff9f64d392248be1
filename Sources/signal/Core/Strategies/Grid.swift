import IPC

/// A grid market maker, hftbacktest's grid-trading example: `--levels` orders a side every
/// `--grid-ticks`, the first `--half-spread-ticks` from a reservation price skewed by the
/// position, each aligned to the grid so that a small move of the mid moves no order:
///
/// ```text
/// r      = mid − skewTicks · position / quote size
/// bid_0  = ⌊(r − halfSpread) / grid⌋ · grid      bid_i = bid_0 − i · grid
/// ask_0  = ⌈(r + halfSpread) / grid⌉ · grid      ask_i = ask_0 + i · grid
/// ```
///
/// Levels that would cross the book are left out; no bids at +max position, no asks at −max.
/// When the mid moves a grid step, one level a side changes: exec moves that one order.
public struct Grid: Strategy {
    public struct Parameters: Equatable {
        public var levels: Int64 = 5
        public var gridTicks: Int64 = 10
        public var halfSpreadTicks: Int64 = 20
        public var skewTicks = 0.0
    }

    public static let name = "grid"
    public static let summary = """
        hftbacktest's grid: --levels orders a side every --grid-ticks, aligned to the grid,
        the first --half-spread-ticks from the mid skewed by --skew-ticks per quote size of
        position; a move of the mid moves only the levels that leave the grid
        """
    public static var parameters: StrategyParameters<Parameters> {
        StrategyParameters(
            Parameters(),
            [
                .integer("levels", \.levels, in: 1...Int64(QuoteLadder.maxLevels)),
                .integer("grid-ticks", \.gridTicks, in: 1...1_000_000),
                .integer("half-spread-ticks", \.halfSpreadTicks, in: 0...1_000_000),
                .decimal("skew-ticks", \.skewTicks, in: 0...1e6, value: "T")
            ])
    }

    let parameters: Parameters

    public init(_ parameters: Parameters) { self.parameters = parameters }

    public mutating func onTop(_ top: BookTop, context: inout StrategyContext) {
        let id = top.header.instrument
        context.ladder(
            id,
            Grid.ladder(
                top, parameters: parameters, positionLots: context.position(id), sizeLots: context.quoteSizeLots(id),
                maxPositionLots: context.maxPositionLots(id)))
    }

    /// The grid for `top`, worked out by hand in `StrategyTests`.
    static func ladder(
        _ top: BookTop, parameters: Parameters, positionLots: Int64, sizeLots: Int64, maxPositionLots: Int64
    ) -> QuoteLadder {
        let grid = Double(parameters.gridTicks)
        let reservation = top.mid - parameters.skewTicks * Double(positionLots) / Double(sizeLots)
        var ladder = QuoteLadder()
        let bid = ((reservation - Double(parameters.halfSpreadTicks)) / grid).rounded(.down) * grid
        let ask = ((reservation + Double(parameters.halfSpreadTicks)) / grid).rounded(.up) * grid
        guard abs(bid) < 1e15, abs(ask) < 1e15 else { return ladder }
        for level in 0..<parameters.levels {
            let bidPrice = Int64(bid) - level * parameters.gridTicks
            let askPrice = Int64(ask) + level * parameters.gridTicks
            if positionLots < maxPositionLots, bidPrice < top.askPrice, bidPrice >= 1 {
                ladder.addBid(price: bidPrice, size: sizeLots)
            }
            if positionLots > -maxPositionLots, askPrice > top.bidPrice {
                ladder.addAsk(price: askPrice, size: sizeLots)
            }
        }
        return ladder
    }
}
