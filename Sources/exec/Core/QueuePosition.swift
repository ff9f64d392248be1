import Glibc

/// Where a resting order stands in its price level's queue, in lots, after the queue model that
/// hftbacktest and most paper venues use:
///
/// - it joins behind everything resting at its price then (`ahead` = the level's size);
/// - trades at its price eat the queue ahead first, then fill the order;
/// - size that leaves the level without trading (cancels) leaves ahead of and behind the order:
///   with `power` 1 (the default) in proportion to where it stands,
///   `ahead -= cancelled × ahead / level`; with a larger power the share ahead is
///   `ahead^n / (ahead^n + behind^n)` (hftbacktest's `power_prob_queue_model(n)`: a cancel is
///   likelier on the longer side of us), and what the share puts behind beyond the size behind
///   comes from ahead. Others' size only, in every case.
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
    mutating func levelChanged(before: Int64, after: Int64, traded: Int64, power: Double = 1) {
        let wide = Int128(before) - Int128(after) - Int128(traded) // three sizes: no 64-bit overflow
        guard wide > 0, before > 0 else { return }
        let cancelled = Int64(min(wide, Int128(before)))
        let behind = max(0, before - ahead)
        var leavingAhead: Int64
        if power == 1 {
            // Rounded down: the queue never shrinks faster than the book. The product of two
            // sizes needs 128 bits (10^17 lots of a 1e-8 lot squared is 10^34); the quotient is
            // at most `cancelled`.
            leavingAhead = Int64(Int128(cancelled) * Int128(ahead) / Int128(before))
        } else {
            let front = QueuePosition.power(Double(ahead), power), back = QueuePosition.power(Double(behind), power)
            var share = front / (front + back)
            // Both powers past Double's range (inf / inf): the share the sizes themselves give.
            if !share.isFinite { share = Double(ahead) / Double(before) }
            let leaving = (Double(cancelled) * share).rounded(.down)
            leavingAhead = leaving < Double(cancelled) ? Int64(leaving) : cancelled
        }
        // More left behind us than stood there: the rest was ahead.
        leavingAhead += max(0, cancelled - leavingAhead - behind)
        ahead = max(0, min(ahead - leavingAhead, after))
    }

    /// `x` to the `n`: a square (hftbacktest's usual power) is one multiplication, not a `pow` call.
    private static func power(_ x: Double, _ n: Double) -> Double { n == 2 ? x * x : pow(x, n) }
}
