/// Lots by price (both in integer units) for the paper venue: an open-addressing hash table with
/// linear probing, where a value of 0 means no entry.
///
/// ```text
///   slot = (price × 0x9E3779B97F4A7C15) >> (64 - log2(capacity))     Fibonacci hashing
///
///   keys:    [ p7 ][    ][ p2 ][ p9 ][    ] ...     an entry sits at its slot or after it,
///   values:  [ 40 ][  0 ][ 15 ][  3 ][  0 ] ...     with no empty slot in between
/// ```
///
/// Swift's Dictionary hashes every key with SipHash, made to resist chosen collisions; here it
/// cost a fifth of exec's time, three lookups per book delta. A removal shifts the entries after
/// it back (no tombstones), and the table doubles at half full: it allocates only while the
/// book's width grows, never in steady state.
final class PriceMap {
    private var keys: UnsafeMutablePointer<Int64>
    private var values: UnsafeMutablePointer<Int64>
    private var capacity: Int
    private var shift: UInt64
    private(set) var count = 0

    /// `capacity`: a power of two.
    init(capacity: Int = 64) {
        precondition(capacity >= 2 && capacity & (capacity - 1) == 0)
        self.capacity = capacity
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        keys = .allocate(capacity: capacity)
        values = .allocate(capacity: capacity)
        values.initialize(repeating: 0, count: capacity)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    @inline(__always)
    private func home(_ key: Int64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The slot holding `key`, or the empty slot where it would go.
    @inline(__always)
    private func slot(_ key: Int64) -> Int {
        let mask = capacity - 1
        var index = home(key)
        while values[index] != 0 && keys[index] != key { index = (index + 1) & mask }
        return index
    }

    /// The lots at `price`, 0 if none; setting 0 removes the entry.
    subscript(price: Int64) -> Int64 {
        get { values[slot(price)] }
        set {
            let index = slot(price)
            if newValue == 0 {
                if values[index] != 0 { remove(at: index) }
                return
            }
            if values[index] == 0 {
                keys[index] = price
                values[index] = newValue
                count += 1
                if count * 2 > capacity { grow() }
            } else {
                values[index] = newValue
            }
        }
    }

    /// Removes the entry at `price`; returns its lots (0 if there was none).
    func removeValue(at price: Int64) -> Int64 {
        let index = slot(price)
        let value = values[index]
        if value != 0 { remove(at: index) }
        return value
    }

    func removeAll() {
        guard count > 0 else { return }
        values.update(repeating: 0, count: capacity)
        count = 0
    }

    /// Empties `index`, moving back each following entry whose home is not between the hole
    /// and it, so every entry stays reachable from its home without a gap.
    private func remove(at index: Int) {
        let mask = capacity - 1
        var hole = index
        var next = (hole + 1) & mask
        while values[next] != 0 {
            if (next - home(keys[next])) & mask >= (next - hole) & mask {
                keys[hole] = keys[next]
                values[hole] = values[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        values[hole] = 0
        count -= 1
    }

    private func grow() {
        let (oldKeys, oldValues, oldCapacity) = (keys, values, capacity)
        capacity *= 2
        shift -= 1
        keys = .allocate(capacity: capacity)
        values = .allocate(capacity: capacity)
        values.initialize(repeating: 0, count: capacity)
        for index in 0..<oldCapacity where oldValues[index] != 0 {
            let slot = slot(oldKeys[index])
            keys[slot] = oldKeys[index]
            values[slot] = oldValues[index]
        }
        oldKeys.deallocate()
        oldValues.deallocate()
    }
}
