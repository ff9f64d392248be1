import IPC

/// Turns quote intents into the fewest orders: per instrument, one working order per level of
/// the wanted ladder (`QuoteLadder`; a plain quote is a ladder of one level a side). A level whose
/// price has an order keeps it (its queue place is worth money: resized only if its size is not
/// what is wanted); the other wanted levels take the other orders, best first, by replace (one
/// command moves an order), then new orders; orders left over are cancelled. While an order
/// waits for the venue's answer (pending new, pending cancel) it is left as it is: the next
/// intent after the answer catches up.
///
/// Order states: pending new → live (ack) → partially filled → filled, or → pending cancel →
/// cancelled; rejected from pending new. Client order ids count up from `firstClientOrderId` in
/// steps of `idStride`: with several bots, bot k's ids are k + 1 modulo the number of bots, so
/// the bots' ids never meet at the venue.
///
/// Self-trade prevention: with several bots on an instrument, `otherBots` holds the best prices
/// the other bots have working; an order that would meet one of them (a buy at or above their
/// lowest ask, a sell at or below their highest bid) is not sent, as a venue's EXPIRE_TAKER would
/// expire it.
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
        /// The same for every bot's position on the instrument together (`--max-total-position`).
        var maxTotalPositionLots: Int64?
    }

    /// The best prices other bots have working on the instrument (`Int64.min` / `.max`: none).
    struct OtherBots: Equatable {
        var highestBid = Int64.min
        var lowestAsk = Int64.max
        /// Where a market order would trade first: the book's best ask (a buy) and bid (a sell).
        var bestAsk: Int64?
        var bestBid: Int64?
        /// The other bots' positions together, and their orders working on each side: for the
        /// limit over every bot. 128 bits: 15 positions of up to 2^63 lots pass 64.
        var positionLots: Int128 = 0
        var workingBuyLots: Int128 = 0
        var workingSellLots: Int128 = 0
    }

    let instrument: UInt32
    let bot: UInt16
    let limits: Limits
    let idStride: UInt32
    var otherBots = OtherBots()
    /// Orders not sent because they would have met another bot's (self-trade prevention).
    private(set) var selfTradesPrevented: UInt64 = 0
    /// The working orders of each side, in the order they were placed.
    private(set) var bids: [WorkingOrder] = []
    private(set) var asks: [WorkingOrder] = []
    private(set) var nextClientOrderId: UInt32
    /// Send times of the last orders, for the rate limit: the window is `recentSends[recentStart...]`,
    /// oldest first (market time only moves on, so sends leave it from the front).
    private var recentSends: [Int64] = []
    private var recentStart = 0
    private(set) var refusals: [String] = []

    init(instrument: UInt32, bot: UInt16 = 0, limits: Limits, firstClientOrderId: UInt32 = 1, idStride: UInt32 = 1) {
        self.instrument = instrument
        self.bot = bot
        self.limits = limits
        self.idStride = idStride
        nextClientOrderId = firstClientOrderId
        // The window never holds more than the rate limit, nor its dropped front more than the
        // window: allocated here, not as the rate first climbs.
        recentSends.reserveCapacity(min(limits.maxOrdersPerSecond, 1_024) * 2)
        // A full ladder, and as many again being cancelled.
        bids.reserveCapacity(2 * QuoteLadder.maxLevels)
        asks.reserveCapacity(2 * QuoteLadder.maxLevels)
        matched.reserveCapacity(2 * QuoteLadder.maxLevels)
    }

    /// The side's first order: with quotes of one level, its only one.
    var bid: WorkingOrder? { bids.first }
    var ask: WorkingOrder? { asks.first }

    var openOrders: Int { bids.count + asks.count }

    /// Which of a side's orders a level has taken, during `reconcile(side:)`.
    private var matched: [Bool] = []

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
        guard bids.count <= 1 && asks.count <= 1 else {
            var ladder = QuoteLadder()
            _ = ladder.add(intent, index: 0)
            return self.commands(
                for: ladder, mid: mid, position: position, halted: halted, requoteStep: requoteStep, nowNs: nowNs,
                into: &commands)
        }
        // The common case, one order a side at most: what the ladder's pass does for one level,
        // without building a ladder.
        var bid = bids.first
        reconcile(
            &bid, side: .buy, price: intent.bidPrice, size: halted ? 0 : max(0, intent.bidSize),
            room: room(.buy, position: position), mid: mid, requoteStep: requoteStep, nowNs: nowNs, into: &commands)
        if let bid { if bids.isEmpty { bids.append(bid) } else { bids[0] = bid } }
        var ask = asks.first
        reconcile(
            &ask, side: .sell, price: intent.askPrice, size: halted ? 0 : max(0, intent.askSize),
            room: room(.sell, position: position), mid: mid, requoteStep: requoteStep, nowNs: nowNs,
            into: &commands)
        if let ask { if asks.isEmpty { asks.append(ask) } else { asks[0] = ask } }
    }

    /// The commands that bring the working orders to `ladder` (or, halted, to nothing).
    mutating func commands(
        for ladder: QuoteLadder, mid: Int64?, position: Int64, halted: Bool, requoteStep: Int64 = 1, nowNs: Int64,
        into commands: inout [OrderCommand]
    ) {
        var orders = bids
        bids = []
        reconcile(
            side: .buy, &orders, ladder, levels: halted ? 0 : ladder.bidCount, room: room(.buy, position: position),
            mid: mid, requoteStep: requoteStep, nowNs: nowNs, into: &commands)
        bids = orders
        orders = asks
        asks = []
        reconcile(
            side: .sell, &orders, ladder, levels: halted ? 0 : ladder.askCount, room: room(.sell, position: position),
            mid: mid, requoteStep: requoteStep, nowNs: nowNs, into: &commands)
        asks = orders
    }

    /// One side: each wanted level keeps the order at its price, or takes the first order no level
    /// kept (a replace), or a new one; the orders left over are cancelled. `room` is how far the
    /// position may move this way: an order is sized so that it, with everything else working on
    /// the side (each may still fill), stays within it.
    private mutating func reconcile(
        side: Side, _ orders: inout [WorkingOrder], _ ladder: QuoteLadder, levels: Int, room: Int128, mid: Int64?,
        requoteStep: Int64, nowNs: Int64, into commands: inout [OrderCommand]
    ) {
        matched.removeAll(keepingCapacity: true)
        for order in orders { matched.append(order.state == .pendingCancel) } // going: no level takes it
        // Everything on the side that may still fill, as the pass goes on (a replaced order may fill
        // until its replace arrives: both count).
        var working = orders.reduce(Int128(0)) { $0 + Int128($1.remaining) }
        // Each level's order: the one at its price, else one no level kept (moved by a replace).
        var taken = InlineArray<16, Int>(repeating: -1)
        for level in 0..<levels {
            let price = ladder.level(side, level).price
            if let index = orders.indices.first(where: { !matched[$0] && orders[$0].price == price }) {
                matched[index] = true
                taken[level] = index
            }
        }
        for level in 0..<levels where taken[level] < 0 {
            if let index = orders.indices.first(where: { !matched[$0] }) {
                matched[index] = true
                taken[level] = index
            }
        }
        for level in 0..<levels {
            let (price, size) = ladder.level(side, level)
            if taken[level] >= 0 {
                let index = taken[level]
                var order: WorkingOrder? = orders[index]
                let before = Int128(order!.remaining)
                reconcile(
                    &order, side: side, price: price, size: size, room: room - (working - before), mid: mid,
                    requoteStep: requoteStep, nowNs: nowNs, into: &commands)
                if order!.clientOrderId != orders[index].clientOrderId { working += Int128(order!.remaining) }
                orders[index] = order!
            } else if orders.count < levels {
                // A new order only while the side has fewer than the levels wanted: one being
                // cancelled still holds its place until the venue says it is gone.
                var order: WorkingOrder?
                reconcile(
                    &order, side: side, price: price, size: size, room: room - working, mid: mid,
                    requoteStep: requoteStep, nowNs: nowNs, into: &commands)
                if let order {
                    working += Int128(order.remaining)
                    orders.append(order)
                    matched.append(true)
                }
            }
        }
        for index in orders.indices where !matched[index] {
            var order: WorkingOrder? = orders[index]
            reconcile(
                &order, side: side, price: 0, size: 0, room: room, mid: mid, requoteStep: requoteStep, nowNs: nowNs,
                into: &commands)
            orders[index] = order!
        }
    }

    /// Cancels everything working (a halt, a flatten, shutdown).
    mutating func cancelAll(nowNs: Int64) -> [OrderCommand] {
        commands(
            for: QuoteIntent.cancelAll(header: FrameHeader(type: .quoteIntent, instrument: instrument, bot: bot)),
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
            guard allowed(side: side, price: price, reach: price, size: size, mid: mid, nowNs: nowNs, replacing: true)
            else { return }
            let id = takeId()
            commands.append(
                command(.replace, side: side, price: price, size: size, orig: working.clientOrderId, id: id))
            order = WorkingOrder(
                clientOrderId: id, side: side, price: price, size: size, remaining: size, state: .pendingNew)
            recentSends.append(nowNs)
            return
        }
        let size = Int64(clamping: min(Int128(wanted), room))
        guard size > 0,
            allowed(side: side, price: price, reach: price, size: size, mid: mid, nowNs: nowNs, replacing: false)
        else { return }
        let id = takeId()
        commands.append(command(.new, side: side, price: price, size: size, orig: 0, id: id))
        order = WorkingOrder(
            clientOrderId: id, side: side, price: price, size: size, remaining: size, state: .pendingNew)
        recentSends.append(nowNs)
    }

    /// A strategy's order that takes (`OrderIntent`: market, or a limit, immediate-or-cancel):
    /// sized to the position limit with everything working on its side, through the pre-trade
    /// checks (a market order's price checks are the mid's); nil when refused or no room is left
    /// (said in `refusals`). It rests nowhere, so the manager does not keep it.
    mutating func command(
        taking intent: OrderIntent, mid: Int64?, position: Int64, halted: Bool, nowNs: Int64
    ) -> OrderCommand? {
        guard !halted else { return nil }
        let side = intent.side
        let working = (side == .buy ? bids : asks).reduce(Int128(0)) { $0 + Int128($1.remaining) }
        let size = Int64(clamping: min(Int128(intent.size), room(side, position: position) - working))
        guard size > 0 else {
            refusals.append(
                "a \(side == .buy ? "buy" : "sell") of \(intent.size) lots: no room within the position limit of "
                    + "\(limits.maxPositionLots) (position \(position), \(working) lots working on that side)"
                    + (limits.maxTotalPositionLots.map {
                        " or the bots' total of \($0) (the others' position \(otherBots.positionLots))"
                    } ?? ""))
            return nil
        }
        let market = intent.orderType == .market
        // A market order first meets the book's best price on the other side.
        let reach = market ? (side == .buy ? otherBots.bestAsk : otherBots.bestBid) : intent.price
        guard
            allowed(
                side: side, price: market ? mid ?? 0 : intent.price, reach: reach, size: size, mid: mid, nowNs: nowNs,
                replacing: false)
        else { return nil }
        recentSends.append(nowNs)
        return OrderCommand(
            header: FrameHeader(type: .orderCommand, flags: .endOfMessage, instrument: instrument, bot: bot),
            command: .new,
            side: side, orderType: market ? .market : .limit, timeInForce: .immediateOrCancel, clientOrderId: takeId(),
            origClientOrderId: 0, price: market ? 0 : intent.price, size: size)
    }

    /// How far the position may still move to `side` before what this manager has working there:
    /// within its own limit and, with a limit over every bot, within what the others' positions
    /// and working orders leave of it.
    private func room(_ side: Side, position: Int64) -> Int128 {
        let own = Int128(limits.maxPositionLots) + (side == .buy ? -Int128(position) : Int128(position))
        guard let total = limits.maxTotalPositionLots else { return own }
        let together = Int128(position) + otherBots.positionLots
        let shared =
            side == .buy
            ? Int128(total) - together - otherBots.workingBuyLots : Int128(total) + together - otherBots.workingSellLots
        return min(own, shared)
    }

    /// The pre-trade checks; a refusal is kept for the operator and the order is not sent.
    /// `reach`: the furthest price the order may trade at (its limit; a market order's, the book's
    /// best on the other side), for self-trade prevention; nil (a market order, no book): as far
    /// as any other bot's order.
    private mutating func allowed(
        side: Side, price: Int64, reach: Int64?, size: Int64, mid: Int64?, nowNs: Int64, replacing: Bool
    ) -> Bool {
        let meetsOtherBot =
            side == .buy
            ? otherBots.lowestAsk != .max && reach.map { $0 >= otherBots.lowestAsk } ?? true
            : otherBots.highestBid != .min && reach.map { $0 <= otherBots.highestBid } ?? true
        if meetsOtherBot {
            selfTradesPrevented &+= 1
            return false
        }
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
        defer { nextClientOrderId &+= idStride }
        return nextClientOrderId
    }

    private func command(
        _ kind: OrderCommand.Command, side: Side, price: Int64, size: Int64, orig: UInt32,
        id: UInt32 = 0
    ) -> OrderCommand {
        OrderCommand(
            header: FrameHeader(type: .orderCommand, flags: .endOfMessage, instrument: instrument, bot: bot),
            command: kind,
            side: side, orderType: .postOnly, timeInForce: .goodTillCancel,
            clientOrderId: kind == .cancel ? 0 : id, origClientOrderId: orig, price: price, size: size)
    }

    /// Orders the run before left working that the venue keeps (`--on-start adopt`): this
    /// manager's, pending until the venue shows them open (an ack), so the next intent moves them
    /// rather than placing new ones beside them.
    mutating func adopt(_ orders: [JournalHistory.WorkingOrder]) {
        for past in orders {
            let order = WorkingOrder(
                clientOrderId: past.command.clientOrderId, side: past.command.side, price: past.command.price,
                size: past.command.size, remaining: past.command.size - past.filledLots, state: .pendingNew)
            if order.side == .buy { bids.append(order) } else { asks.append(order) }
        }
    }

    /// The venue's answer moves the order's state.
    mutating func apply(_ report: ExecutionReport) {
        func update(_ orders: inout [WorkingOrder]) {
            guard let index = orders.firstIndex(where: { $0.clientOrderId == report.clientOrderId }) else { return }
            switch report.report {
            case .ack: if orders[index].state == .pendingNew { orders[index].state = .live }
            case .partialFill:
                orders[index].remaining -= report.size
                if orders[index].state != .pendingCancel { orders[index].state = .partiallyFilled }
            case .fill, .reject, .cancelled: orders.remove(at: index)
            case .adjustment: break // no order's
            }
        }
        update(&bids)
        update(&asks)
    }
}
