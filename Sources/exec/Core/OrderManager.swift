import IPC

/// Turns quote intents into the fewest orders: per instrument, at most one working order a side;
/// a new one where there is none, a replace when the price or size changed, a cancel when the
/// side is no longer wanted. While an order waits for the venue's answer (pending new, pending
/// cancel) nothing more is sent for that side: the next intent after the answer catches up.
///
/// Order states: pending new → live (ack) → partially filled → filled, or → pending cancel →
/// cancelled; rejected from pending new. Client order ids count up from `firstClientOrderId`.
struct OrderManager {
    enum State: String, Equatable { case pendingNew, live, partiallyFilled, pendingCancel }

    struct WorkingOrder: Equatable {
        var clientOrderId: UInt32
        var side: Side
        var price: Int64
        var size: Int64
        var remaining: Int64
        var state: State
    }

    /// Limits checked before any order leaves (pre-trade risk).
    struct Limits: Equatable {
        var maxOrderLots: Int64 = .max
        /// How far from the mid an order may be priced, in millionths of the mid.
        var priceBandMillionths: Int64 = .max
        var maxOpenOrders = Int.max
        var maxOrdersPerSecond = Int.max
        /// The venue's larger fee rate, in millionths: a fill's fee must fit its report's 64 bits.
        var feeMillionths: Int64 = 0
        /// The largest position either way, in lots, that fills of every order working could make
        /// (10^18 unless set: a position stays a size a frame can carry).
        var maxPositionLots: Int64 = FrameLayout.maxQuantity
    }

    let instrument: UInt32
    let limits: Limits
    private(set) var bid: WorkingOrder?
    private(set) var ask: WorkingOrder?
    private(set) var nextClientOrderId: UInt32
    /// Send times of the last orders, for the rate limit: the window is `recentSends[recentStart...]`,
    /// oldest first (market time only moves on, so sends leave it from the front).
    private var recentSends: [Int64] = []
    private var recentStart = 0
    private(set) var refusals: [String] = []

    init(instrument: UInt32, limits: Limits, firstClientOrderId: UInt32 = 1) {
        self.instrument = instrument
        self.limits = limits
        nextClientOrderId = firstClientOrderId
        // The window never holds more than the rate limit, nor its dropped front more than the
        // window: allocated here, not as the rate first climbs.
        recentSends.reserveCapacity(min(limits.maxOrdersPerSecond, 1_024) * 2)
    }

    var openOrders: Int { (bid == nil ? 0 : 1) + (ask == nil ? 0 : 1) }

    /// The commands that bring the working orders to `intent` (or, halted, to nothing).
    mutating func commands(
        for intent: QuoteIntent, mid: Int64?, position: Int64 = 0, halted: Bool, requoteStep: Int64 = 1, nowNs: Int64
    ) -> [OrderCommand] {
        var result: [OrderCommand] = []
        self.commands(
            for: intent, mid: mid, position: position, halted: halted, requoteStep: requoteStep, nowNs: nowNs,
            into: &result)
        return result
    }

    /// The same, appended to a buffer the caller reuses (no allocation per intent).
    ///
    /// The position limit counts what is working: an order is sized so that the position, plus
    /// everything on its side that may still fill (a replaced order fills until its replace
    /// arrives), stays within `maxPositionLots`, and is not sent when no room is left.
    ///
    /// `requoteStep` above 1 (the venue's request budget running low): a working order is moved
    /// only when its price is that many ticks or more from the wanted one; a cut (a smaller size,
    /// or one the position limit needs) and a cancel still go at once.
    mutating func commands(
        for intent: QuoteIntent, mid: Int64?, position: Int64, halted: Bool, requoteStep: Int64 = 1, nowNs: Int64,
        into commands: inout [OrderCommand]
    ) {
        let wantBid = halted ? 0 : max(0, intent.bidSize)
        let wantAsk = halted ? 0 : max(0, intent.askSize)
        let limit = Int128(limits.maxPositionLots)
        var working = bid
        reconcile(
            &working, side: .buy, price: intent.bidPrice, size: wantBid, room: limit - Int128(position), mid: mid,
            requoteStep: requoteStep, nowNs: nowNs, into: &commands)
        bid = working
        working = ask
        reconcile(
            &working, side: .sell, price: intent.askPrice, size: wantAsk, room: limit + Int128(position), mid: mid,
            requoteStep: requoteStep, nowNs: nowNs, into: &commands)
        ask = working
    }

    /// Cancels everything working (a halt, a flatten, shutdown).
    mutating func cancelAll(nowNs: Int64) -> [OrderCommand] {
        commands(
            for: QuoteIntent.cancelAll(header: FrameHeader(type: .quoteIntent, instrument: instrument)),
            mid: nil, halted: true, nowNs: nowNs)
    }

    /// `room`: how far the position may still move this way, before what is working.
    private mutating func reconcile(
        _ order: inout WorkingOrder?, side: Side, price: Int64, size wanted: Int64, room: Int128,
        mid: Int64?, requoteStep: Int64, nowNs: Int64, into commands: inout [OrderCommand]
    ) {
        if let working = order {
            guard working.state == .live || working.state == .partiallyFilled else { return } // wait for the venue
            let size = Int64(clamping: min(Int128(wanted), room - Int128(working.remaining)))
            // At its price the order stays while what rests of it fits what is wanted within the
            // room, and only grows (sized as a replace) past it: judged against itself, a replace
            // sized for the old order filling first would flip between a cut and a regrowth on
            // every intent.
            let fits = min(Int128(wanted), room)
            let overRoom = working.price == price && Int128(working.remaining) > fits
            if wanted == 0 || (size <= 0 && (working.price != price || overRoom)) {
                commands.append(command(.cancel, side: side, price: 0, size: 0, orig: working.clientOrderId))
                order!.state = .pendingCancel
                return
            }
            if working.price == price && (Int128(working.size) == fits || (!overRoom && size <= working.size)) {
                return
            }
            guard size > 0, working.price != price || working.size != size else { return }
            // The budget running low: a move smaller than the step waits (a cut, `overRoom`, goes).
            if requoteStep > 1, !overRoom, (Int128(price) - Int128(working.price)).magnitude < UInt128(requoteStep) {
                return
            }
            guard allowed(price: price, size: size, mid: mid, nowNs: nowNs, replacing: true) else { return }
            let id = takeId()
            commands.append(
                command(.replace, side: side, price: price, size: size, orig: working.clientOrderId, id: id))
            order = WorkingOrder(
                clientOrderId: id, side: side, price: price, size: size, remaining: size, state: .pendingNew)
            recentSends.append(nowNs)
            return
        }
        let size = Int64(clamping: min(Int128(wanted), room))
        guard size > 0, allowed(price: price, size: size, mid: mid, nowNs: nowNs, replacing: false) else { return }
        let id = takeId()
        commands.append(command(.new, side: side, price: price, size: size, orig: 0, id: id))
        order = WorkingOrder(
            clientOrderId: id, side: side, price: price, size: size, remaining: size, state: .pendingNew)
        recentSends.append(nowNs)
    }

    /// The pre-trade checks; a refusal is kept for the operator and the order is not sent.
    private mutating func allowed(price: Int64, size: Int64, mid: Int64?, nowNs: Int64, replacing: Bool) -> Bool {
        while recentStart < recentSends.count && nowNs - recentSends[recentStart] >= 1_000_000_000 { recentStart += 1 }
        if recentStart > 0 && recentStart * 2 >= recentSends.count {
            recentSends.removeFirst(recentStart) // moves no more than it drops
            recentStart = 0
        }
        let recentCount = recentSends.count - recentStart
        var refusal: String?
        if size > limits.maxOrderLots {
            refusal = "order size \(size) lots over the limit of \(limits.maxOrderLots)"
        } else if price <= 0 || price > FrameLayout.maxQuantity {
            refusal = "price \(price) ticks outside 1 ... \(FrameLayout.maxQuantity)"
        } else if let mid, limits.priceBandMillionths != .max, outsideBand(price, mid: mid) {
            refusal =
                "price \(price) outside the band of \(limits.priceBandMillionths) millionths around the mid \(mid)"
        } else if largestFee(price: price, size: size) > Int128(Int64.max) {
            refusal =
                "the fee on \(size) lots at \(price) ticks would pass 2^63 ticks × lots, the most an execution "
                + "report holds"
        } else if !replacing && openOrders >= limits.maxOpenOrders {
            refusal = "\(openOrders) open orders, the limit is \(limits.maxOpenOrders)"
        } else if recentCount >= limits.maxOrdersPerSecond {
            refusal = "\(recentCount) orders in the last second, the limit is \(limits.maxOrdersPerSecond)"
        }
        if let refusal { refusals.append(refusal) }
        return refusal == nil
    }

    /// |price − mid| > band × mid, in 128 bits (both sides are products of two 64-bit numbers).
    private func outsideBand(_ price: Int64, mid: Int64) -> Bool {
        let difference: Int128 = Int128(price) - Int128(mid)
        let distance: Int128 = difference < 0 ? -difference : difference
        let band: Int128 = Int128(limits.priceBandMillionths) * Int128(mid)
        return distance * 1_000_000 > band
    }

    /// The fee, in ticks × lots, of the order filled whole at the venue's larger rate.
    private func largestFee(price: Int64, size: Int64) -> Int128 {
        let notional: Int128 = Int128(price) * Int128(size)
        return notional * Int128(limits.feeMillionths) / 1_000_000
    }

    /// The next client order id (also for orders the manager does not keep, like a flatten's).
    mutating func takeId() -> UInt32 {
        defer { nextClientOrderId &+= 1 }
        return nextClientOrderId
    }

    private func command(
        _ kind: OrderCommand.Command, side: Side, price: Int64, size: Int64, orig: UInt32,
        id: UInt32 = 0
    ) -> OrderCommand {
        OrderCommand(
            header: FrameHeader(type: .orderCommand, flags: .endOfMessage, instrument: instrument), command: kind,
            side: side, orderType: .postOnly, timeInForce: .goodTillCancel,
            clientOrderId: kind == .cancel ? 0 : id, origClientOrderId: orig, price: price, size: size)
    }

    /// Orders the run before left working that the venue keeps (`--on-start adopt`), at most
    /// one a side: this manager's bid and ask, pending until the venue shows them open (an ack),
    /// so the next intent moves them rather than placing new ones beside them.
    mutating func adopt(_ orders: [JournalHistory.WorkingOrder]) {
        for past in orders {
            let order = WorkingOrder(
                clientOrderId: past.command.clientOrderId, side: past.command.side, price: past.command.price,
                size: past.command.size, remaining: past.command.size - past.filledLots, state: .pendingNew)
            if order.side == .buy { bid = order } else { ask = order }
        }
    }

    /// The venue's answer moves the order's state.
    mutating func apply(_ report: ExecutionReport) {
        func update(_ order: inout WorkingOrder?) {
            guard let working = order, working.clientOrderId == report.clientOrderId else { return }
            switch report.report {
            case .ack: if working.state == .pendingNew { order!.state = .live }
            case .partialFill:
                order!.remaining -= report.size
                if working.state != .pendingCancel { order!.state = .partiallyFilled }
            case .fill, .reject, .cancelled: order = nil
            case .adjustment: break // no order's
            }
        }
        update(&bid)
        update(&ask)
    }
}
