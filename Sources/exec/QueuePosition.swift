/// Where a resting order stands in its price level's queue, in lots, after the queue model that
/// hftbacktest and most paper venues use:
///
/// - it joins behind everything resting at its price then (`ahead` = the level's size);
/// - trades at its price eat the queue ahead first, then fill the order;
/// - size that leaves the level without trading (cancels) leaves ahead of and behind the order in
///   proportion to where it stands: `ahead -= cancelled × ahead / level` (others' size only).
struct QueuePosition: Equatable {
    /// Lots resting ahead of the order at its price.
    private(set) var ahead: Int64

    init(levelSizeAtJoin: Int64) {
        ahead = max(0, levelSizeAtJoin)
    }

    /// A trade of `size` lots at the order's price: returns the lots that reach the order.
    mutating func trade(_ size: Int64) -> Int64 {
        let eaten = min(ahead, size)
        ahead -= eaten
        return size - eaten
    }

    /// The level (others' orders only) went from `before` to `after` lots, `traded` of which
    /// left by trading (already applied through `trade`): the rest were cancels.
    mutating func levelChanged(before: Int64, after: Int64, traded: Int64) {
        let cancelled = before - after - traded
        guard cancelled > 0, before > 0 else { return }
        // Cancels spread over the queue: the share ahead of us leaves in proportion.
        let leavingAhead = cancelled * ahead / before // rounded down: the queue never shrinks faster than the book
        ahead = max(0, min(ahead - leavingAhead, after))
    }
}
