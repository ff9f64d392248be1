import IPC

/// The last `capacity` trades of one instrument, for the dump and the dashboard: a ring over a
/// fixed array, so recording a trade moves nothing and allocates nothing once it is full.
struct RecentTrades {
    static let capacity = 10

    private var slots: [Trade] = []
    /// The slot the next trade overwrites once all are in use.
    private var next = 0

    init() { slots.reserveCapacity(RecentTrades.capacity) }

    mutating func record(_ trade: Trade) {
        if slots.count < RecentTrades.capacity {
            slots.append(trade)
        } else {
            slots[next] = trade
        }
        next = (next + 1) % RecentTrades.capacity
    }

    /// Oldest first.
    var inOrder: [Trade] {
        slots.count < RecentTrades.capacity ? slots : Array(slots[next...] + slots[..<next])
    }
}
