/// What the venue counts against this account and IP (BINANCE.md E.4, G.5), as its answers say:
/// REQUEST_WEIGHT per minute and the unfilled-order counts (ORDERS per 10 s and per day), from
/// each answer's `rateLimits`; and the stops it orders — 429 (too many requests: wait for
/// `retryAfter`), -1015 (too many new orders: none until the interval turns), 418 (banned until
/// `retryAfter`).
///
/// New orders stop at `reserveFraction` short of each ORDERS limit and of the weight limit, so
/// cancels always have room: a venue that can no longer take our cancels is the one place a
/// market maker must never be. New orders still unanswered count too (no reading has them yet),
/// so a burst of them cannot run past a limit between two readings.
public struct RateBudget: CustomStringConvertible {
    public enum RequestKind {
        /// Adds to the unfilled-order count (order.place, order.cancelReplace).
        case order
        /// Takes orders off (order.cancel, openOrders.cancelAll): only the reserve is theirs.
        case cancel
        /// A query (order.status, openOrders.status, myTrades).
        case query
    }

    /// The share of each limit kept for cancels.
    public static let reserveFraction = 0.1

    /// One of the venue's counters as last read: it counts from 0 again when its interval turns
    /// (the venue's intervals run from the epoch: 10 s at 00, 10, 20 s; a minute; a UTC day), so a
    /// budget with nothing to send learns that room came back without an answer to tell it.
    public struct Window: Equatable {
        public var intervalMs: Int64
        public var limit: Int64
        public var count: Int64
        /// When it was read (venue ms).
        public var readMs: Int64

        /// The count at `nowMs`: 0 once the interval it was read in is over.
        func count(atMs nowMs: Int64) -> Int64 {
            intervalMs > 0 && nowMs / intervalMs != readMs / intervalMs ? 0 : count
        }
    }

    /// REQUEST_WEIGHT as last read (nil: never).
    public private(set) var weight: Window?
    /// Each ORDERS interval's counter as last read (10 s and a day on Binance spot).
    public private(set) var orders: [Window] = []
    /// Until when (venue ms) nothing may be sent, or no new order (-1015), or: banned (418).
    public private(set) var pausedUntilMs: Int64 = 0
    public private(set) var ordersPausedUntilMs: Int64 = 0
    public private(set) var banned = false
    /// New orders sent and not yet answered: no reading counts them yet, the venue will.
    private var ordersOut: [UInt64] = []
    static let ordersOutCapacity = 256

    public init() {
        orders.reserveCapacity(RateLimitReadings.capacity)
        ordersOut.reserveCapacity(RateBudget.ordersOutCapacity)
    }

    /// Request `id` of `kind` was sent: a new order counts against the ORDERS limits from now.
    public mutating func sent(_ kind: RequestKind, id: UInt64) {
        if kind == .order, ordersOut.count < RateBudget.ordersOutCapacity { ordersOut.append(id) }
    }

    /// The answer to request `id` came: its order is in the answer's readings.
    public mutating func answered(_ id: UInt64) {
        guard let index = ordersOut.firstIndex(of: id) else { return }
        ordersOut.swapAt(index, ordersOut.count - 1)
        ordersOut.removeLast()
    }

    /// The connection was lost: what was out is answered on no reading.
    public mutating func connectionLost() { ordersOut.removeAll(keepingCapacity: true) }

    /// Takes in an answer (at the venue's `nowMs`). No allocation once each interval is known.
    public mutating func record(_ message: APIMessage, nowMs: Int64) {
        for index in 0..<message.rateLimits.count {
            let reading = message.rateLimits[index]
            let window = Window(
                intervalMs: reading.intervalSeconds &* 1_000, limit: reading.limit, count: reading.count,
                readMs: nowMs)
            switch reading.kind {
            case .requestWeight:
                weight = window
            case .orders:
                if let known = orders.firstIndex(where: { $0.intervalMs == window.intervalMs }) {
                    orders[known] = window
                } else if orders.count < RateLimitReadings.capacity {
                    orders.append(window)
                }
            case .rawRequests, .other:
                break
            }
        }
        switch (message.status, message.errorCode) {
        case (418, _):
            banned = true
            pausedUntilMs = message.retryAfterMs ?? (nowMs + 120_000)
        case (429, -1015):
            // Too many new orders: until the 10-second interval turns over (Binance's 00, 10, 20 s).
            ordersPausedUntilMs = message.retryAfterMs ?? ((nowMs / 10_000 + 1) * 10_000)
        case (429, _):
            pausedUntilMs = message.retryAfterMs ?? (nowMs + 1_000)
        default:
            if message.isSuccess, nowMs >= pausedUntilMs { banned = false }
        }
    }

    /// Whether a request of `kind` may go now (venue ms).
    public func allows(_ kind: RequestKind, nowMs: Int64) -> Bool {
        guard nowMs >= pausedUntilMs else { return false }
        let weightCount = weight?.count(atMs: nowMs) ?? 0
        let weightLimit = weight?.limit ?? .max
        switch kind {
        case .cancel:
            return weightCount < weightLimit
        case .query:
            return weightCount < Self.belowReserve(weightLimit)
        case .order:
            return nowMs >= ordersPausedUntilMs && weightCount < Self.belowReserve(weightLimit)
                && orders.allSatisfy { orderCount($0, nowMs: nowMs) < Self.belowReserve($0.limit) }
        }
    }

    /// How much of the tightest ORDERS limit is left before the reserve at `nowMs`, 0...1.
    public func orderHeadroom(nowMs: Int64) -> Double {
        orders.reduce(1) { min($0, Self.headroom(orderCount($1, nowMs: nowMs), of: $1.limit)) }
    }

    /// How much of the weight limit is left before the reserve at `nowMs`, 0...1.
    public func weightHeadroom(nowMs: Int64) -> Double {
        weight.map { Self.headroom($0.count(atMs: nowMs), of: $0.limit) } ?? 1
    }

    /// An ORDERS counter at `nowMs` with the new orders still unanswered.
    private func orderCount(_ window: Window, nowMs: Int64) -> Int64 {
        window.count(atMs: nowMs) + Int64(ordersOut.count)
    }

    /// 0 while at least half of both the order and the weight budgets (before the reserve) is
    /// left, rising to 1 as the tighter one reaches the reserve: the order manager moves its
    /// quotes less often as it rises.
    public func requotePressure(nowMs: Int64) -> Double {
        max(0, 1 - 2 * min(orderHeadroom(nowMs: nowMs), weightHeadroom(nowMs: nowMs)))
    }

    /// The counters at `nowMs`: "weight 120 of 6000, orders 18 of 50 (10 s), 2200 of 160000 (1 d)".
    public func description(nowMs: Int64) -> String {
        func interval(_ ms: Int64) -> String { ms % 86_400_000 == 0 ? "\(ms / 86_400_000) d" : "\(ms / 1_000) s" }
        var text = weight.map { "weight \($0.count(atMs: nowMs)) of \($0.limit)" } ?? "weight unknown"
        text +=
            orders.isEmpty
            ? ", orders unknown"
            : ", orders "
                + orders.map { "\(orderCount($0, nowMs: nowMs)) of \($0.limit) (\(interval($0.intervalMs)))" }.joined(
                    separator: ", ")
        return text + (banned ? ", banned" : "")
    }

    public var description: String { description(nowMs: weight?.readMs ?? orders.first?.readMs ?? 0) }

    private static func headroom(_ count: Int64, of limit: Int64) -> Double {
        let usable = Double(belowReserve(limit))
        return usable > 0 ? max(0, min(1, (usable - Double(count)) / usable)) : 0
    }

    private static func belowReserve(_ limit: Int64) -> Int64 {
        limit == .max ? .max : limit - Int64((Double(limit) * reserveFraction).rounded(.up))
    }
}
