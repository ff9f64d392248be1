/// Price levels sorted by key in fixed memory: the part of a `BookSide` beyond its ladder, where
/// levels are sparse and few change. The key grows towards the touch, so the levels nearest it
/// are at the end, where inserting and removing move the fewest entries.
///
/// ```text
///   index:   0 (farthest from the touch) ........................ count-1 (nearest)
///
///   level:   +------------------+------------------+
///            | key (Int64)      | size (Int64)     |   16 bytes, key and size side by side
///            +------------------+------------------+
/// ```
///
/// A struct over memory its owner allocates and frees (`deallocate`), so using it touches no
/// reference count.
struct SortedLevels {
    struct Level: Equatable {
        var key: Int64
        var size: Int64
    }

    let capacity: Int
    private let levels: UnsafeMutablePointer<Level>
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = capacity
        levels = .allocate(capacity: capacity)
    }

    func deallocate() { levels.deallocate() }

    subscript(index: Int) -> Level { levels[index] }

    /// The first index whose key is >= `key`: a bisection whose steps depend only on `count`.
    func lowerBound(_ key: Int64) -> Int {
        guard count > 0 else { return 0 }
        var base = 0
        var remaining = count
        while remaining > 1 {
            let half = remaining &>> 1
            let below = levels[base &+ half &- 1].key < key ? 1 : 0
            base &+= half & (0 &- below)
            remaining &-= half
        }
        return levels[base].key < key ? base &+ 1 : base
    }

    /// The size at `key`, 0 if there is no level.
    func size(at key: Int64) -> Int64 {
        let index = lowerBound(key)
        return index < count && levels[index].key == key ? levels[index].size : 0
    }

    /// Sets the size at `key` (0 removes the level). A new level needs room: the caller makes
    /// it (`removeFirst`) when `count == capacity`.
    mutating func set(key: Int64, size: Int64) {
        let index = lowerBound(key)
        if index < count && levels[index].key == key {
            if size == 0 {
                (levels + index).update(from: levels + index + 1, count: count - index - 1)
                count -= 1
            } else {
                levels[index].size = size
            }
            return
        }
        guard size != 0 else { return }
        precondition(count < capacity, "SortedLevels is full")
        (levels + index + 1).update(from: levels + index, count: count - index)
        levels[index] = Level(key: key, size: size)
        count += 1
    }

    /// Drops the level farthest from the touch.
    mutating func removeFirst() {
        (levels).update(from: levels + 1, count: count - 1)
        count -= 1
    }

    /// Appends a level nearer the touch than every level here.
    mutating func append(_ level: Level) {
        precondition(count < capacity && (count == 0 || levels[count - 1].key < level.key))
        levels[count] = level
        count += 1
    }

    mutating func removeAll() { count = 0 }
}
