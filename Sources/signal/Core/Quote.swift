import IPC

/// What a strategy wants on the book for one instrument: prices in ticks, sizes in lots, a size
/// of 0 for no order on that side.
public struct Quote: Equatable, Sendable {
    public var bidPrice: Int64
    public var bidSize: Int64
    public var askPrice: Int64
    public var askSize: Int64

    @inlinable
    public init(bidPrice: Int64, bidSize: Int64, askPrice: Int64, askSize: Int64) {
        self.bidPrice = bidPrice
        self.bidSize = bidSize
        self.askPrice = askPrice
        self.askSize = askSize
    }

    /// Nothing on either side.
    public static let none = Quote(bidPrice: 0, bidSize: 0, askPrice: 0, askSize: 0)

    /// Never crosses the book (the orders are meant to rest): a bid at most one tick under the
    /// best ask, an ask at least one tick over the best bid.
    @inlinable
    public func resting(on top: BookTop) -> Quote {
        var quote = self
        quote.bidPrice = min(bidPrice, top.askPrice - 1)
        quote.askPrice = max(askPrice, top.bidPrice + 1)
        return quote
    }

    /// `spreadTicks` wide around a fair price `lean × leanTicks` from the mid (`lean` in −1 ... 1:
    /// where the strategy expects the price to go), `sizeLots` a side, never crossing the book,
    /// within the inventory limit.
    static func leaning(
        _ top: BookTop, lean: Double, leanTicks: Double, spreadTicks: Int64, sizeLots: Int64, positionLots: Int64,
        maxPositionLots: Int64
    ) -> Quote {
        let fair = top.mid + lean * leanTicks
        let half = Double(spreadTicks) / 2
        let quote = Quote(
            bidPrice: Int64((fair - half).rounded(.down)), bidSize: sizeLots,
            askPrice: Int64((fair + half).rounded(.up)), askSize: sizeLots)
        return InventoryLimit(maxPositionLots: maxPositionLots).apply(quote.resting(on: top), position: positionLots)
    }

    func intent(header: FrameHeader) -> QuoteIntent {
        QuoteIntent(
            header: header, bidPrice: bidSize > 0 ? bidPrice : 0, bidSize: bidSize,
            askPrice: askSize > 0 ? askPrice : 0, askSize: askSize)
    }
}

/// Inventory limits in lots: no more buying at or above the long limit, no more selling at or
/// below the short one.
public struct InventoryLimit: Equatable, Sendable {
    public var maxPositionLots: Int64

    @inlinable
    public init(maxPositionLots: Int64) { self.maxPositionLots = maxPositionLots }

    @inlinable
    public func apply(_ quote: Quote, position: Int64) -> Quote {
        var quote = quote
        if position >= maxPositionLots { quote.bidSize = 0 }
        if position <= -maxPositionLots { quote.askSize = 0 }
        return quote
    }
}

/// When a new quote is worth sending: a side switched on or off at once; otherwise a price
/// moved by at least `minMoveTicks` and `minIntervalNs` passed since the last one sent.
struct RequoteRule: Equatable {
    var minIntervalNs: Int64
    var minMoveTicks: Int64

    func shouldSend(_ quote: Quote, last: Quote?, lastSentNs: Int64, nowNs: Int64) -> Bool {
        guard let last else { return true }
        if (quote.bidSize > 0) != (last.bidSize > 0) || (quote.askSize > 0) != (last.askSize > 0) { return true }
        if quote == last { return false }
        guard nowNs - lastSentNs >= minIntervalNs else { return false }
        let moved = max(abs(quote.bidPrice - last.bidPrice), abs(quote.askPrice - last.askPrice))
        return moved >= minMoveTicks || quote.bidSize != last.bidSize || quote.askSize != last.askSize
    }

    /// The same for a ladder: the first, or one with a side's number of levels changed, at once;
    /// otherwise a change once `minIntervalNs` passed, and a price moved by `minMoveTicks` or a
    /// size changed.
    func shouldSend(_ ladder: QuoteLadder, last: QuoteLadder?, lastSentNs: Int64, nowNs: Int64) -> Bool {
        guard let last else { return true }
        if ladder.bidCount != last.bidCount || ladder.askCount != last.askCount { return true }
        if ladder == last { return false }
        guard nowNs - lastSentNs >= minIntervalNs else { return false }
        var moved: Int64 = 0
        var resized = false
        func compare(_ side: Side) {
            for index in 0..<ladder.count(side) {
                let (now, before) = (ladder.level(side, index), last.level(side, index))
                resized = resized || now.size != before.size
                moved = max(moved, Int64(clamping: (Int128(now.price) - Int128(before.price)).magnitude))
            }
        }
        compare(.buy)
        compare(.sell)
        return resized || moved >= minMoveTicks
    }
}

extension StrategyContext {
    /// Quotes `top`'s instrument `spreadTicks` wide around a fair price `lean × leanTicks` from
    /// the mid (`Quote.leaning`: `lean` in −1 ... 1), `--quote-size` a side within `--max-position`.
    public mutating func quote(_ top: BookTop, lean: Double, leanTicks: Double, spreadTicks: Int64) {
        let id = top.header.instrument
        quote(
            id,
            Quote.leaning(
                top, lean: lean, leanTicks: leanTicks, spreadTicks: spreadTicks, sizeLots: quoteSizeLots(id),
                positionLots: position(id), maxPositionLots: maxPositionLots(id)))
    }
}
