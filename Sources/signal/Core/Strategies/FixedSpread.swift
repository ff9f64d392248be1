import IPC

/// The market maker most users start from: a fixed spread around the mid, inventory limits.
public struct FixedSpread: Strategy {
    public struct Parameters: Equatable {
        public var spreadTicks: Int64 = 4
    }

    public static let name = "fixed"
    public static let summary = "a fixed spread of --spread-ticks around the mid"
    public static var parameters: StrategyParameters<Parameters> {
        StrategyParameters(
            Parameters(), [.integer("spread-ticks", \.spreadTicks, in: 1...1_000_000)])
    }

    let parameters: Parameters

    public init(_ parameters: Parameters) { self.parameters = parameters }

    public mutating func onTop(_ top: BookTop, context: inout StrategyContext) {
        let id = top.header.instrument
        context.quote(
            id,
            FixedSpread.quote(
                top, spreadTicks: parameters.spreadTicks, sizeLots: context.quoteSizeLots(id),
                positionLots: context.position(id), maxPositionLots: context.maxPositionLots(id)))
    }

    static func quote(
        _ top: BookTop, spreadTicks: Int64, sizeLots: Int64, positionLots: Int64, maxPositionLots: Int64
    ) -> Quote {
        let half = Double(spreadTicks) / 2
        let quote = Quote(
            bidPrice: Int64((top.mid - half).rounded(.down)), bidSize: sizeLots,
            askPrice: Int64((top.mid + half).rounded(.up)), askSize: sizeLots)
        return InventoryLimit(maxPositionLots: maxPositionLots).apply(quote.resting(on: top), position: positionLots)
    }
}
