import IPC

/// The last `capacity` trades of one instrument, for the dump and the dashboard: a ring in
/// inline storage, so recording a trade is one store, with no array to check or grow.
struct RecentTrades {
    static let capacity = 10

    private var slots = InlineArray<10, Trade>(
        repeating: Trade(header: FrameHeader(type: .trade), price: 0, size: 0, tradeId: 0, aggressor: .buy))
    /// Trades recorded so far; the next one goes to slot `recorded % capacity`.
    private var recorded = 0

    mutating func record(_ trade: Trade) {
        slots[recorded % RecentTrades.capacity] = trade
        recorded &+= 1
    }

    /// Oldest first.
    var inOrder: [Trade] {
        let first = max(0, recorded - RecentTrades.capacity)
        return (first..<recorded).map { slots[$0 % RecentTrades.capacity] }
    }
}
