/// What the paper venue knows at each price of the book (others' lots on each side, and the lots
/// traded there since the level's last update): an open-addressing hash table whose slot is the
/// price itself, kept in Robin Hood order. A price with nothing at it has no entry.
///
/// ```text
///   home slot = price mod capacity         prices are tick counts: a book's levels are
///                                          consecutive integers, so they sit side by side
///   slot:    ...  | 6000 | 6001 | 6002 | 6003 |      | 6005 | ...
///   entry:        |  price  bid  ask  traded (8 bytes each, 32 in all: two per cache line)
///
///   An entry whose home is taken (prices a multiple of the capacity apart) goes after it,
///   ahead of every entry whose home is later (Robin Hood): a lookup stops at the first entry
///   closer to its home than the price would be, and a removal shifts back only the entries
///   displaced behind it, so neither walks a dense run of levels.
/// ```
///
/// A book's deltas land near its touch, where a delta finds the slots the last few left in
/// cache; a hash that scatters neighbouring prices (Fibonacci hashing: one cache miss per
/// lookup, three lookups per delta) cost exec a fifth of its time. The table doubles at half
/// full: it allocates only while the book's width grows, never in steady state.
final class PriceLevels {
    struct Level: Equatable {
        var bid: Int64 = 0
        var ask: Int64 = 0
        var traded: Int64 = 0

        var isEmpty: Bool { bid | ask | traded == 0 }
    }

    private struct Entry {
        var price: Int64
        var level: Level
    }

    private var entries: UnsafeMutablePointer<Entry>
    private var mask: Int
    private(set) var count = 0

    /// `capacity`: a power of two.
    init(capacity: Int = 64) {
        precondition(capacity >= 2 && capacity & (capacity - 1) == 0)
        mask = capacity - 1
        entries = .allocate(capacity: capacity)
        entries.initialize(repeating: Entry(price: 0, level: Level()), count: capacity)
    }

    deinit { entries.deallocate() }

    @inline(__always)
    private func home(_ price: Int64) -> Int { Int(truncatingIfNeeded: price) & mask }

    /// How far the entry in `slot` sits past its home.
    @inline(__always)
    private func displacement(_ slot: Int) -> Int { (slot - home(entries[slot].price)) & mask }

    /// The slot holding `price`, or nil.
    @inline(__always)
    private func slot(_ price: Int64) -> Int? {
        var slot = home(price)
        var distance = 0
        while !entries[slot].level.isEmpty {
            if entries[slot].price == price { return slot }
            if displacement(slot) < distance { return nil }
            slot = (slot + 1) & mask
            distance += 1
        }
        return nil
    }

    /// The level at `price` (empty if none).
    subscript(price: Int64) -> Level {
        guard let slot = slot(price) else { return Level() }
        return entries[slot].level
    }

    /// Changes the level at `price` in place, with one lookup: `body` gets the level (empty if
    /// there is none), and an empty level afterwards removes the entry.
    @inline(__always)
    func update<Result>(_ price: Int64, _ body: (inout Level) -> Result) -> Result {
        if let slot = slot(price) {
            let result = body(&entries[slot].level)
            if entries[slot].level.isEmpty { remove(at: slot) }
            return result
        }
        var level = Level()
        let result = body(&level)
        if !level.isEmpty { insert(Entry(price: price, level: level)) }
        return result
    }

    func removeAll() {
        guard count > 0 else { return }
        entries.update(repeating: Entry(price: 0, level: Level()), count: mask + 1)
        count = 0
    }

    /// Places `entry` (a price not in the table), displacing those nearer their homes.
    private func insert(_ entry: Entry) {
        var carried = entry
        var slot = home(carried.price)
        var distance = 0
        while !entries[slot].level.isEmpty {
            let theirs = displacement(slot)
            if theirs < distance {
                swap(&entries[slot], &carried)
                distance = theirs
            }
            slot = (slot + 1) & mask
            distance += 1
        }
        entries[slot] = carried
        count += 1
        if count * 2 > mask + 1 { grow() }
    }

    /// Empties `slot`, moving back each following entry that is not at its home.
    private func remove(at slot: Int) {
        var hole = slot
        var next = (hole + 1) & mask
        while !entries[next].level.isEmpty && displacement(next) > 0 {
            entries[hole] = entries[next]
            hole = next
            next = (next + 1) & mask
        }
        entries[hole].level = Level()
        count -= 1
    }

    private func grow() {
        let (old, oldCapacity) = (entries, mask + 1)
        mask = oldCapacity * 2 - 1
        entries = .allocate(capacity: oldCapacity * 2)
        entries.initialize(repeating: Entry(price: 0, level: Level()), count: oldCapacity * 2)
        count = 0
        for slot in 0..<oldCapacity where !old[slot].level.isEmpty { insert(old[slot]) }
        old.deallocate()
    }
}
