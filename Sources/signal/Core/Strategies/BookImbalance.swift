import IPC

/// A market maker that leans with the book: the fair price moves from the mid towards the side
/// with less resting size, by `--lean-ticks` when one side of the top `--levels` levels is empty:
///
/// ```text
/// I    = (B − A) / (B + A)      B, A: the bid and ask sizes over the top levels (lots)
/// fair = mid + I · leanTicks
/// bid  = ⌊fair − spread/2⌋      ask = ⌈fair + spread/2⌉      (never crossing the book)
/// ```
///
/// A heavy bid (I > 0) says buyers are waiting: the fair price is above the mid. No buying at
/// +max position, no selling at −max.
public struct BookImbalance: Strategy {
    public struct Parameters: Equatable {
        public var levels: Int64 = 5
        public var leanTicks = 2.0
        public var spreadTicks: Int64 = 4
    }

    public static let name = "imbalance"
    public static let summary = """
        leans with the book: a fair price of the mid moved by --lean-ticks times the size
        imbalance (bids − asks) / (bids + asks) over the top --levels levels, quoted
        --spread-ticks wide
        """
    public static var parameters: StrategyParameters<Parameters> {
        StrategyParameters(
            Parameters(),
            [
                .integer("levels", \.levels, in: 1...50),
                .decimal("lean-ticks", \.leanTicks, in: 0...1e6, value: "T"),
                .integer("spread-ticks", \.spreadTicks, in: 1...1_000_000)
            ])
    }

    let parameters: Parameters

    public init(_ parameters: Parameters) { self.parameters = parameters }

    public var bookLevels: Int { Int(parameters.levels) }

    public mutating func onTop(_ top: BookTop, context: inout StrategyContext) {
        let id = top.header.instrument
        guard let book = context.book(id) else { return }
        var (bids, asks) = (0.0, 0.0)
        book.forEachBid { _, size in bids += Double(size) }
        book.forEachAsk { _, size in asks += Double(size) }
        context.quote(
            id,
            BookImbalance.quote(
                top, bidSize: bids, askSize: asks, leanTicks: parameters.leanTicks,
                spreadTicks: parameters.spreadTicks, sizeLots: context.quoteSizeLots(id),
                positionLots: context.position(id), maxPositionLots: context.maxPositionLots(id)))
    }

    /// The quote for `top` with `bidSize` and `askSize` resting over the top levels.
    static func quote(
        _ top: BookTop, bidSize: Double, askSize: Double, leanTicks: Double, spreadTicks: Int64, sizeLots: Int64,
        positionLots: Int64, maxPositionLots: Int64
    ) -> Quote {
        let imbalance = bidSize + askSize > 0 ? (bidSize - askSize) / (bidSize + askSize) : 0
        return Quote.leaning(
            top, lean: imbalance, leanTicks: leanTicks, spreadTicks: spreadTicks, sizeLots: sizeLots,
            positionLots: positionLots, maxPositionLots: maxPositionLots)
    }
}
