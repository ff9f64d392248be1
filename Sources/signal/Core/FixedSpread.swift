import IPC

/// The market maker most users start from: a fixed spread around the mid, inventory limits.
struct FixedSpread {
    struct Parameters: Equatable {
        var spreadTicks: Int64 = 4
        var quoteSizeLots: Int64 = 1_000
        var maxPositionLots: Int64 = 10_000
    }

    let parameters: Parameters

    func quote(_ top: BookTop, positionLots: Int64) -> Quote {
        let half = Double(parameters.spreadTicks) / 2
        let quote = Quote(
            bidPrice: Int64((top.mid - half).rounded(.down)), bidSize: parameters.quoteSizeLots,
            askPrice: Int64((top.mid + half).rounded(.up)), askSize: parameters.quoteSizeLots)
        return InventoryLimit(maxPositionLots: parameters.maxPositionLots).apply(
            quote.resting(on: top), position: positionLots)
    }
}
