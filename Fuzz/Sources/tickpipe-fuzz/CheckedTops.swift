import IPC

@testable import BookCore

/// A book's output that checks what the book publishes: a top published as valid comes from
/// a valid book, is not crossed, and holds prices and sizes the wire allows.
struct CheckedTops: BookOutput {
    var tops = 0

    mutating func publish(_ top: BookTop, book: OrderBook) {
        tops += 1
        guard top.isValid else { return }
        guard book.isValid else { fatalError("a top published as valid from an invalid book: \(top)") }
        guard top.bidPrice > 0, top.bidPrice < top.askPrice, top.askPrice <= FrameLayout.maxQuantity else {
            fatalError("a crossed or out-of-range top published as valid: \(top)")
        }
        guard top.bidSize > 0, top.askSize > 0, top.bidSize <= FrameLayout.maxQuantity,
            top.askSize <= FrameLayout.maxQuantity
        else {
            fatalError("a top with an empty or out-of-range size published as valid: \(top)")
        }
    }

    mutating func pass(_ frame: UnsafePointer<Frame>) {}
    mutating func report(_ problem: String) {}
    mutating func requestResync(instrument: UInt32) {}
}
