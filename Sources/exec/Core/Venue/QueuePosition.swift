/// Where a resting order stands in its price level's queue, in lots, after the queue model that
/// hftbacktest and most paper venues use:
///
/// - it joins behind everything resting at its price then (`ahead` = the level's size);
/// - trades at its price eat the queue ahead first, then fill the order;
/// - size that leaves the level without trading (cancels) leaves ahead of and behind the order
///   as the `QueueModel` says; what it puts behind beyond the size behind comes from ahead, and
///   the queue ahead is never longer than the level. Others' size only, in every case.
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
    mutating func levelChanged<Model: QueueModel>(before: Int64, after: Int64, traded: Int64, model: Model) {
        let wide = Int128(before) - Int128(after) - Int128(traded) // three sizes: no 64-bit overflow
        guard wide > 0, before > 0 else { return }
        let cancelled = Int64(min(wide, Int128(before)))
        let behind = max(0, before - ahead)
        var leavingAhead = model.cancelledAhead(cancelled, ahead: ahead, level: before)
        // More left behind us than stood there: the rest was ahead.
        leavingAhead += max(0, cancelled - leavingAhead - behind)
        ahead = max(0, min(ahead - leavingAhead, after))
    }
}
