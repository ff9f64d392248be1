/// What a strategy wants on the book for one instrument: up to `maxLevels` price levels a side,
/// each a size, bids from the best down, asks from the best up. Prices in ticks, sizes in lots.
///
/// On the wire it is a quote-intent message (`QuoteIntent`): frame k holds level k of each side
/// (size 0 where a side has fewer levels), the last frame is marked `endOfMessage`. A ladder of
/// one level a side is a single frame, the quote most strategies send.
///
/// ```text
///   frame 0   bid level 0 | ask level 0      (no endOfMessage)
///   frame 1   bid level 1 | ask level 1      (no endOfMessage)
///   frame 2   bid level 2 | (size 0)         endOfMessage
/// ```
///
/// A value type of fixed size: building one allocates nothing.
public struct QuoteLadder: Equatable, Sendable {
    /// Levels a side a ladder holds (and exec works).
    public static var maxLevels: Int { 16 }

    @usableFromInline var bidPrices = InlineArray<16, Int64>(repeating: 0)
    @usableFromInline var bidSizes = InlineArray<16, Int64>(repeating: 0)
    @usableFromInline var askPrices = InlineArray<16, Int64>(repeating: 0)
    @usableFromInline var askSizes = InlineArray<16, Int64>(repeating: 0)
    @usableFromInline var bidLevels = 0
    @usableFromInline var askLevels = 0

    /// Levels on each side.
    @inlinable public var bidCount: Int { bidLevels }
    @inlinable public var askCount: Int { askLevels }

    /// No levels: nothing on the book.
    @inlinable
    public init() {}

    /// Adds the next bid level (below the ones added before); false, and nothing added, when the
    /// side is full or `size` is not above 0.
    @inlinable
    @discardableResult
    public mutating func addBid(price: Int64, size: Int64) -> Bool {
        guard bidCount < QuoteLadder.maxLevels, size > 0 else { return false }
        bidPrices[bidCount] = price
        bidSizes[bidCount] = size
        bidLevels += 1
        return true
    }

    /// Adds the next ask level (above the ones added before); false, and nothing added, when the
    /// side is full or `size` is not above 0.
    @inlinable
    @discardableResult
    public mutating func addAsk(price: Int64, size: Int64) -> Bool {
        guard askCount < QuoteLadder.maxLevels, size > 0 else { return false }
        askPrices[askCount] = price
        askSizes[askCount] = size
        askLevels += 1
        return true
    }

    /// The level `index` steps from the touch on `side` (0: the best).
    @inlinable
    public func level(_ side: Side, _ index: Int) -> (price: Int64, size: Int64) {
        precondition(index >= 0 && index < count(side), "level \(index) of \(count(side))")
        return side == .buy ? (bidPrices[index], bidSizes[index]) : (askPrices[index], askSizes[index])
    }

    @inlinable
    public func count(_ side: Side) -> Int { side == .buy ? bidCount : askCount }

    /// Frames the ladder takes: one per level of its longer side, at least one.
    @inlinable
    public var frameCount: Int { max(1, max(bidCount, askCount)) }

    /// Its frame `index` with `header`'s instrument and times; the last marked `endOfMessage`.
    @inlinable
    public func frame(_ index: Int, header: FrameHeader) -> QuoteIntent {
        var header = header
        if index == frameCount - 1 { header.flags.insert(.endOfMessage) } else { header.flags.remove(.endOfMessage) }
        let bid = index < bidCount ? (bidPrices[index], bidSizes[index]) : (0, 0)
        let ask = index < askCount ? (askPrices[index], askSizes[index]) : (0, 0)
        var intent = QuoteIntent(header: header, bidPrice: bid.0, bidSize: bid.1, askPrice: ask.0, askSize: ask.1)
        intent.header.flags = header.flags
        return intent
    }

    /// Adds a message's frame `index` (the frames in order): false when it does not continue the
    /// ladder (past `maxLevels`, or a side with a level after one without).
    @inlinable
    public mutating func add(_ frame: QuoteIntent, index: Int) -> Bool {
        guard index < QuoteLadder.maxLevels else { return false }
        if frame.bidSize != 0 {
            guard bidCount == index, frame.bidSize > 0 else { return false }
            addBid(price: frame.bidPrice, size: frame.bidSize)
        }
        if frame.askSize != 0 {
            guard askCount == index, frame.askSize > 0 else { return false }
            addAsk(price: frame.askPrice, size: frame.askSize)
        }
        return true
    }

    /// Why the ladder cannot be worked, or nil: bids strictly falling and asks strictly rising
    /// from the touch, every price in 1 ... `FrameLayout.maxQuantity`.
    public var defect: String? {
        sideDefect(.buy) ?? sideDefect(.sell)
    }

    private func sideDefect(_ side: Side) -> String? {
        let name = side == .buy ? "bid" : "ask"
        for index in 0..<count(side) {
            let (price, size) = level(side, index)
            guard price >= 1, price <= FrameLayout.maxQuantity, size <= FrameLayout.maxQuantity else {
                return "\(name) level \(index): price \(price) ticks, size \(size) lots outside what the wire holds"
            }
            guard index > 0 else { continue }
            let previous = level(side, index - 1).price
            guard side == .buy ? price < previous : price > previous else {
                return "\(name) level \(index) at \(price) ticks is not \(side == .buy ? "below" : "above") level "
                    + "\(index - 1) at \(previous)"
            }
        }
        return nil
    }

    public static func == (lhs: QuoteLadder, rhs: QuoteLadder) -> Bool {
        guard lhs.bidCount == rhs.bidCount, lhs.askCount == rhs.askCount else { return false }
        for index in 0..<lhs.bidCount
        where lhs.bidPrices[index] != rhs.bidPrices[index]
            || lhs.bidSizes[index] != rhs.bidSizes[index]
        {
            return false
        }
        for index in 0..<lhs.askCount
        where lhs.askPrices[index] != rhs.askPrices[index]
            || lhs.askSizes[index] != rhs.askSizes[index]
        {
            return false
        }
        return true
    }
}
