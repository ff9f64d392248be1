import Glibc
import IPC

/// The synthetic market's order book for one instrument: sizes per price tick in a fixed window
/// that recenters, plus the levels changed since the last diff. Fixed memory, no allocation
/// after `init`.
final class SyntheticBook {
    static let window = 8_192

    /// Price (ticks) of index 0.
    private(set) var base: Int64
    private let bids: UnsafeMutablePointer<Int64>
    private let asks: UnsafeMutablePointer<Int64>
    /// Per index: bit 0 bid changed, bit 1 ask changed, since the last `drainChanges`.
    private let changed: UnsafeMutablePointer<UInt8>
    private let changedList: UnsafeMutablePointer<Int32>
    private var changedCount = 0
    private(set) var bestBid: Int64 = .min
    private(set) var bestAsk: Int64 = .max

    init(centre: Int64) {
        base = centre - Int64(SyntheticBook.window / 2)
        bids = .allocate(capacity: SyntheticBook.window)
        asks = .allocate(capacity: SyntheticBook.window)
        changed = .allocate(capacity: SyntheticBook.window)
        changedList = .allocate(capacity: SyntheticBook.window * 2)
        bids.initialize(repeating: 0, count: SyntheticBook.window)
        asks.initialize(repeating: 0, count: SyntheticBook.window)
        changed.initialize(repeating: 0, count: SyntheticBook.window)
    }

    deinit {
        bids.deallocate()
        asks.deallocate()
        changed.deallocate()
        changedList.deallocate()
    }

    func contains(_ price: Int64) -> Bool { price >= base && price < base + Int64(SyntheticBook.window) }

    func size(_ side: Side, at price: Int64) -> Int64 {
        guard contains(price) else { return 0 }
        return (side == .bid ? bids : asks)[Int(price - base)]
    }

    /// Sets a level's size (0 removes it) and records the change.
    func set(_ side: Side, price: Int64, size: Int64) {
        guard contains(price) else { return }
        let index = Int(price - base)
        let levels = side == .bid ? bids : asks
        guard levels[index] != size else { return }
        levels[index] = size
        let bit: UInt8 = side == .bid ? 1 : 2
        if changed[index] & bit == 0 {
            changed[index] |= bit
            changedList[changedCount] = Int32(index) * 2 + (side == .bid ? 0 : 1)
            changedCount += 1
        }
        if side == .bid {
            if size > 0 { bestBid = max(bestBid, price) } else if price == bestBid { bestBid = scan(.bid, from: price) }
        } else {
            if size > 0 { bestAsk = min(bestAsk, price) } else if price == bestAsk { bestAsk = scan(.ask, from: price) }
        }
    }

    /// The next occupied price past `price` going away from the touch, or the side's sentinel.
    private func scan(_ side: Side, from price: Int64) -> Int64 {
        var index = Int(price - base)
        if side == .bid {
            while index > 0 {
                index -= 1
                if bids[index] > 0 { return base + Int64(index) }
            }
            return .min
        }
        while index < SyntheticBook.window - 1 {
            index += 1
            if asks[index] > 0 { return base + Int64(index) }
        }
        return .max
    }

    /// Hands every level changed since the last call to `body` (side, price, new size), in the
    /// order they first changed, and forgets them.
    func drainChanges(_ body: (Side, Int64, Int64) -> Void) {
        for entry in 0..<changedCount {
            let code = Int(changedList[entry])
            let index = code / 2
            let side: Side = code % 2 == 0 ? .bid : .ask
            body(side, base + Int64(index), (side == .bid ? bids : asks)[index])
            changed[index] = 0
        }
        changedCount = 0
    }

    var hasChanges: Bool { changedCount > 0 }

    /// Removes levels more than `depth` ticks from `centre` (they become changes), and moves the
    /// window when `centre` drifts into its outer quarters. Levels are only ever placed within
    /// `depth` of the centre and the centre moves less than `trimBand` ticks a step, so scanning
    /// the band just outside `depth` finds every level that fell out.
    func trim(around centre: Int64, depth: Int64) {
        for offset in 1...SyntheticBook.trimBand {
            let low = centre - depth - offset
            let high = centre + depth + offset
            if size(.bid, at: low) > 0 { set(.bid, price: low, size: 0) }
            if size(.ask, at: low) > 0 { set(.ask, price: low, size: 0) }
            if size(.bid, at: high) > 0 { set(.bid, price: high, size: 0) }
            if size(.ask, at: high) > 0 { set(.ask, price: high, size: 0) }
        }
        let quarter = Int64(SyntheticBook.window / 4)
        if centre - base < quarter || base + Int64(SyntheticBook.window) - centre < quarter {
            recentre(on: centre)
        }
    }

    static let trimBand: Int64 = 64

    /// Shifts the window so `centre` is in the middle, in place. Only levels within `depth` of
    /// `centre` exist, so nothing falls off the edge.
    private func recentre(on centre: Int64) {
        let newBase = centre - Int64(SyntheticBook.window / 2)
        let shift = Int(newBase - base)
        let keep = SyntheticBook.window - abs(shift)
        for levels in [bids, asks] {
            if shift > 0 {
                memmove(levels, levels + shift, keep * 8)
                (levels + keep).update(repeating: 0, count: shift)
            } else {
                memmove(levels - shift, levels, keep * 8)
                levels.update(repeating: 0, count: -shift)
            }
        }
        for entry in 0..<changedCount {
            let code = Int(changedList[entry])
            changedList[entry] = Int32(code - 2 * shift)
        }
        if shift > 0 {
            memmove(changed, changed + shift, keep)
            (changed + keep).update(repeating: 0, count: shift)
        } else {
            memmove(changed - shift, changed, keep)
            changed.update(repeating: 0, count: -shift)
        }
        base = newBase
    }
}
