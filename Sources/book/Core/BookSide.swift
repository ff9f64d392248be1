import IPC

/// One side of an L2 book in fixed memory: a ladder of one slot per tick around the touch, where
/// nearly every change lands, and sorted levels beyond it.
///
/// ```text
///   key = price (bids) or -price (asks): it grows towards the touch on both sides
///
///      far (sorted)              ladder: slot = key - base, one Int64 size per tick
///   ... | ... | ... |   [0][1][2] ....................... [best] ........ [ladderSlots-1]
///   <- farther from the touch        3/4 of the ladder below the best, 1/4 above it,
///                                    when last centred
/// ```
///
/// A change at a price in the ladder's reach is one store; the next best after the best level
/// goes is the next non-empty slot below it. Levels beyond the reach live in `SortedLevels`,
/// so a book of any width stays whole. When the best comes within `ladderSlots / 16` of the top
/// or falls below the first quarter (or beyond the top: a new best out of reach), the ladder is
/// centred again on it, moving levels between the two (a merge, rare: the best must move a few
/// hundred ticks). So between changes the best is always in the ladder, and every sorted level
/// is farther from the touch than every ladder slot.
///
/// When full (`capacity` levels in all), the level farthest from the touch is dropped and
/// counted: a venue snapshot is itself depth-limited (Binance: at most 5000 levels), so far
/// levels are already partial.
///
/// A struct over memory its `OrderBook` owns (`deallocate`), so the hot path touches no
/// reference count.
package struct BookSide {
    static let ladderSlots = 4_096

    let side: Side
    let capacity: Int
    /// Size per tick from `base`; 0 is no level.
    private let ladder: UnsafeMutablePointer<Int64>
    private var base: Int64 = 0
    private var ladderCount = 0
    private var far: SortedLevels
    /// Room to merge the two when the ladder moves.
    private var merged: SortedLevels
    /// The key of the best level, when there is one: always in the ladder's reach.
    private var bestKey: Int64 = 0
    /// Levels dropped because the side was full.
    private(set) var droppedLevels: UInt64 = 0

    init(side: Side, capacity: Int) {
        precondition(capacity >= 2)
        self.side = side
        self.capacity = capacity
        ladder = .allocate(capacity: BookSide.ladderSlots)
        ladder.initialize(repeating: 0, count: BookSide.ladderSlots)
        far = SortedLevels(capacity: capacity)
        merged = SortedLevels(capacity: capacity)
    }

    /// Frees the levels; the owner calls it once, from its deinit.
    func deallocate() {
        ladder.deallocate()
        far.deallocate()
        merged.deallocate()
    }

    package var count: Int { ladderCount + far.count }
    var isEmpty: Bool { count == 0 }

    @inline(__always) private func key(_ price: Int64) -> Int64 { side == .bid ? price : 0 &- price }
    @inline(__always) private func price(_ key: Int64) -> Int64 { side == .bid ? key : 0 &- key }

    /// The ladder slot of `key`, or nil if it is beyond the ladder's reach.
    @inline(__always)
    private func slot(_ key: Int64) -> Int? {
        let (offset, overflow) = key.subtractingReportingOverflow(base)
        return !overflow && offset >= 0 && offset < Int64(BookSide.ladderSlots) ? Int(offset) : nil
    }

    var bestPrice: Int64 { price(bestKey) }
    var bestSize: Int64 { ladder[Int(bestKey &- base)] }

    /// Sets the size at `price`; 0 removes the level (removing an absent level is normal).
    @inline(__always)
    mutating func set(price: Int64, size: Int64) {
        let key = key(price)
        if count == 0 {
            guard size != 0 else { return }
            centre(on: key)
        }
        let slot = slot(key)
        let previous = slot.map { ladder[$0] } ?? far.size(at: key)
        if previous == 0 {
            guard size != 0 else { return }
            if count == capacity { guard makeRoom(for: key) else { return } }
        }
        if let slot {
            ladder[slot] = size
            if previous == 0 { ladderCount += 1 } else if size == 0 { ladderCount -= 1 }
        } else {
            far.set(key: key, size: size)
        }
        if size != 0 {
            if previous == 0 && (count == 1 || key > bestKey) { bestKey = key }
        } else if key == bestKey && count > 0 {
            bestKey = nextBest(after: key)
        }
        if count > 0 {
            let bestSlot = self.slot(bestKey) ?? -1
            if bestSlot < BookSide.ladderSlots / 4 || bestSlot >= BookSide.ladderSlots - BookSide.ladderSlots / 16 {
                centre(on: bestKey)
            }
        }
    }

    mutating func removeAll() {
        if ladderCount > 0 { ladder.update(repeating: 0, count: BookSide.ladderSlots) }
        ladderCount = 0
        far.removeAll()
    }

    /// The levels from the touch outwards, until `body` returns false.
    package func forEachLevel(_ body: (_ price: Int64, _ size: Int64) -> Bool) {
        guard count > 0 else { return }
        var index = Int(bestKey &- base)
        while index >= 0 {
            if ladder[index] != 0 { guard body(price(base &+ Int64(index)), ladder[index]) else { return } }
            index -= 1
        }
        var farIndex = far.count - 1
        while farIndex >= 0 {
            guard body(price(far[farIndex].key), far[farIndex].size) else { return }
            farIndex -= 1
        }
    }

    /// The level `depth` steps from the touch (0 = best); `depth < count`.
    package func level(_ depth: Int) -> (price: Int64, size: Int64) {
        var found = (price: Int64(0), size: Int64(0))
        var remaining = depth
        forEachLevel { price, size in
            if remaining == 0 {
                found = (price, size)
                return false
            }
            remaining -= 1
            return true
        }
        return found
    }

    /// The best once the best level (at `key`, in the ladder) is gone: the next non-empty slot
    /// below it, or else the nearest sorted level, all of which are below the ladder.
    private func nextBest(after key: Int64) -> Int64 {
        var index = Int(key &- base) - 1
        while index >= 0 && ladder[index] == 0 { index -= 1 }
        return index >= 0 ? base &+ Int64(index) : far[far.count - 1].key
    }

    /// Before a new level at `key` on a full side: drops the farthest level, or the new one if
    /// it is the farthest. True if the new level may be added.
    private mutating func makeRoom(for key: Int64) -> Bool {
        droppedLevels &+= 1
        var lowestSlot = 0
        while lowestSlot < BookSide.ladderSlots && ladder[lowestSlot] == 0 { lowestSlot += 1 }
        let ladderLowest: Int64? = ladderCount > 0 ? base &+ Int64(lowestSlot) : nil
        if far.count > 0 && (ladderLowest == nil || far[0].key < ladderLowest!) {
            guard key > far[0].key else { return false }
            far.removeFirst()
        } else {
            guard key > ladderLowest! else { return false }
            ladder[lowestSlot] = 0
            ladderCount -= 1
        }
        return true
    }

    /// Moves the ladder so that `key` sits three quarters of the way up, moving the levels that
    /// leave its reach to the sorted ones and those that enter it from them.
    private mutating func centre(on key: Int64) {
        let (newBase, overflow) = key.subtractingReportingOverflow(Int64(BookSide.ladderSlots * 3 / 4))
        merged.removeAll()
        var farIndex = 0
        for index in 0..<BookSide.ladderSlots where ladder[index] != 0 {
            let ladderKey = base &+ Int64(index)
            while farIndex < far.count && far[farIndex].key < ladderKey {
                merged.append(far[farIndex])
                farIndex += 1
            }
            merged.append(SortedLevels.Level(key: ladderKey, size: ladder[index]))
        }
        while farIndex < far.count {
            merged.append(far[farIndex])
            farIndex += 1
        }
        removeAll()
        base = overflow ? .min : newBase
        for index in 0..<merged.count {
            let level = merged[index]
            if let slot = slot(level.key) {
                ladder[slot] = level.size
                ladderCount += 1
            } else {
                far.append(level)
            }
        }
    }
}
