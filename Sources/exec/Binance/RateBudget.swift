/// What the venue counts against this account and IP (BINANCE.md E.4, G.5), as its answers say:
/// REQUEST_WEIGHT per minute and the unfilled-order counts (ORDERS per 10 s and per day), from
/// each answer's `rateLimits`; and the stops it orders — 429 (too many requests: wait for
/// `retryAfter`), -1015 (too many new orders: none until the interval turns), 418 (banned until
/// `retryAfter`).
///
/// New orders stop at `orderReserve` short of an ORDERS limit and at `weightReserve` short of the
/// weight limit, so cancels always have room: a venue that can no longer take our cancels is the
/// one place a market maker must never be.
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

    public private(set) var weightCount: Int64 = 0
    public private(set) var weightLimit: Int64 = .max
    /// The tightest ORDERS reading: its count and limit.
    public private(set) var orderCount: Int64 = 0
    public private(set) var orderLimit: Int64 = .max
    /// Until when (venue ms) nothing may be sent, or no new order (-1015), or: banned (418).
    public private(set) var pausedUntilMs: Int64 = 0
    public private(set) var ordersPausedUntilMs: Int64 = 0
    public private(set) var banned = false

    public init() {}

    /// Takes in an answer (at the venue's `nowMs`).
    public mutating func record(_ message: APIMessage, nowMs: Int64) {
        var tightestShare = -1.0
        for index in 0..<message.rateLimits.count {
            let reading = message.rateLimits[index]
            switch reading.kind {
            case .requestWeight:
                weightCount = reading.count
                weightLimit = reading.limit
            case .orders:
                let share = reading.limit > 0 ? Double(reading.count) / Double(reading.limit) : 1
                if share > tightestShare {
                    tightestShare = share
                    orderCount = reading.count
                    orderLimit = reading.limit
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
        switch kind {
        case .cancel:
            return weightCount < weightLimit
        case .query:
            return weightCount < Self.belowReserve(weightLimit)
        case .order:
            return nowMs >= ordersPausedUntilMs && weightCount < Self.belowReserve(weightLimit)
                && orderCount < Self.belowReserve(orderLimit)
        }
    }

    /// How much of the tightest order limit is left before the reserve, 0...1: the order manager
    /// requotes less as it falls.
    public var orderHeadroom: Double {
        guard orderLimit != .max else { return 1 }
        let usable = Double(Self.belowReserve(orderLimit))
        return usable > 0 ? max(0, min(1, (usable - Double(orderCount)) / usable)) : 0
    }

    public var description: String {
        func limit(_ value: Int64) -> String { value == .max ? "unknown" : "\(value)" }
        return "weight \(weightCount) of \(limit(weightLimit)), orders \(orderCount) of \(limit(orderLimit))"
            + (banned ? ", banned" : "")
    }

    private static func belowReserve(_ limit: Int64) -> Int64 {
        limit == .max ? .max : limit - Int64((Double(limit) * reserveFraction).rounded(.up))
    }
}
