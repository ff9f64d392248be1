import IPC

/// One side of an L2 book in fixed memory: levels sorted so the best is at the end, where most
/// changes happen, so an update near the touch moves few entries.
///
/// ```text
///   index:   0 ............................................ count-1
///   bids:    lowest price  ->  ->  ->  ->  ->  ->  ->  ->  best bid
///   asks:    highest price ->  ->  ->  ->  ->  ->  ->  ->  best ask
/// ```
///
/// Search is binary on a key that grows towards the touch (the price for bids, its negation for
/// asks). When full, the level farthest from the touch is dropped and counted: a venue snapshot
/// is itself depth-limited (Binance: at most 5000 levels), so far levels are already partial.
///
/// A struct over memory its `OrderBook` owns (`allocate` / `deallocate`), so the hot path
/// touches no reference count.
struct BookSide {
    let side: Side
    let capacity: Int
    private let keys: UnsafeMutablePointer<Int64>
    private let sizes: UnsafeMutablePointer<Int64>
    private(set) var count = 0
    /// Levels dropped because the side was full.
    private(set) var droppedLevels: UInt64 = 0

    init(side: Side, capacity: Int) {
        self.side = side
        self.capacity = capacity
        keys = .allocate(capacity: capacity)
        sizes = .allocate(capacity: capacity)
    }

    /// Frees the levels; the owner calls it once, from its deinit.
    func deallocate() {
        keys.deallocate()
        sizes.deallocate()
    }

    @inline(__always) private func key(_ price: Int64) -> Int64 { side == .bid ? price : -price }
    @inline(__always) private func price(_ key: Int64) -> Int64 { side == .bid ? key : -key }

    /// The first index whose key is >= `key`.
    private func lowerBound(_ key: Int64) -> Int {
        // Most updates are near the touch: check the end first.
        if count == 0 || keys[count - 1] < key { return count }
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) >> 1
            if keys[middle] < key { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Sets the size at `price`; 0 removes the level (removing an absent level is normal).
    mutating func set(price: Int64, size: Int64) {
        let key = key(price)
        let index = lowerBound(key)
        if index < count && keys[index] == key {
            if size == 0 {
                (keys + index).update(from: keys + index + 1, count: count - index - 1)
                (sizes + index).update(from: sizes + index + 1, count: count - index - 1)
                count -= 1
            } else {
                sizes[index] = size
            }
            return
        }
        guard size != 0 else { return }
        var insertAt = index
        if count == capacity {
            // Full: drop the level farthest from the touch (index 0), if the new one is nearer.
            droppedLevels &+= 1
            guard insertAt > 0 else { return }
            (keys).update(from: keys + 1, count: insertAt - 1)
            (sizes).update(from: sizes + 1, count: insertAt - 1)
            insertAt -= 1
        } else {
            (keys + insertAt + 1).update(from: keys + insertAt, count: count - insertAt)
            (sizes + insertAt + 1).update(from: sizes + insertAt, count: count - insertAt)
            count += 1
        }
        keys[insertAt] = key
        sizes[insertAt] = size
    }

    mutating func removeAll() { count = 0 }

    var isEmpty: Bool { count == 0 }

    /// The level `depth` steps from the touch (0 = best).
    func level(_ depth: Int) -> (price: Int64, size: Int64) {
        let index = count - 1 - depth
        return (price(keys[index]), sizes[index])
    }

    var bestPrice: Int64 { price(keys[count - 1]) }
    var bestSize: Int64 { sizes[count - 1] }
}
