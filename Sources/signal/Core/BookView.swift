import BookCore
import IPC

/// An instrument's order book as signal keeps it for a strategy that reads levels
/// (`Strategy.bookLevels`), read in place: levels from the touch outwards, prices in ticks and
/// sizes in lots, at most `bookLevels` a side. signal applies book's deltas (`book --pass-deltas`)
/// by the same update-id rules as book, so it is the book whose top the strategy was handed.
public struct BookView {
    let book: OrderBook
    /// Levels a side the strategy reads.
    let levels: Int

    /// Bid levels to read: the strategy's levels, or fewer when the book has fewer.
    public var bidCount: Int { min(levels, book.bids.count) }
    public var askCount: Int { min(levels, book.asks.count) }

    /// The bid `level` steps from the touch (0: the best); `level < bidCount`.
    public func bid(_ level: Int) -> (price: Int64, size: Int64) {
        precondition(level >= 0 && level < bidCount, "bid level \(level) of \(bidCount)")
        return book.bids.level(level)
    }

    /// The ask `level` steps from the touch (0: the best); `level < askCount`.
    public func ask(_ level: Int) -> (price: Int64, size: Int64) {
        precondition(level >= 0 && level < askCount, "ask level \(level) of \(askCount)")
        return book.asks.level(level)
    }

    /// The bids from the touch outwards, `bidCount` of them.
    public func forEachBid(_ body: (_ price: Int64, _ size: Int64) -> Void) { forEachLevel(book.bids, body) }

    /// The asks from the touch outwards, `askCount` of them.
    public func forEachAsk(_ body: (_ price: Int64, _ size: Int64) -> Void) { forEachLevel(book.asks, body) }

    /// `side`'s levels from the touch outwards, at most `levels` of them.
    private func forEachLevel(_ side: BookSide, _ body: (_ price: Int64, _ size: Int64) -> Void) {
        var remaining = levels
        side.forEachLevel { price, size in
            body(price, size)
            remaining -= 1
            return remaining > 0
        }
    }
}
