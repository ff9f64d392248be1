import IPC

/// A simulated venue for one instrument: orders from the order manager, fills from the market's
/// own trades, as on a real exchange's matching engine seen from outside.
///
/// - An order reaches the venue the latency model's time after it was sent, and meets the book
///   as it was `marketDataLatencyNs` after that in the market data's receive times: the market data
///   this process reads left the venue that long before (so a replay of data stamped on receipt
///   models it this way). Until then it is pending and cannot fill. A cancel (or a replace's
///   cancel) travels as long: until it arrives the order it cancels still rests, and can fill.
/// - Post-only: rejected if it would cross the book when it arrives. Limit: an order that crosses
///   on arrival takes liquidity at the touch (taker), the rest rests. Market and IOC: take at the
///   touch, up to the touch's size; IOC cancels the rest.
/// - A resting buy fills in full when a trade prints below its price (the market traded through
///   it); at its price it waits its turn (`QueuePosition`, moved up by the queue model), and
///   fills by what reaches it. It also
///   fills in full when the best ask comes down to its price: on the venue that ask would have met
///   our bid, a trade that data recorded without our order cannot show (hftbacktest's exchange
///   models fill on such a crossing too).
/// - Fees: the fee model's, in units of tick × lot.
///
/// Used by one thread (exec's duty cycle): its state skips Swift's dynamic exclusivity checks.
final class PaperVenue<Latency: LatencyModel, Queue: QueueModel, Fees: FeeModel>: Venue {
    @exclusivity(unchecked) private var latency: Latency
    let marketDataLatencyNs: Int64
    let queue: Queue
    let fees: Fees
    let instrument: UInt32
    /// Working orders in the order they were sent (client ids only grow, so also by id): a small
    /// array, searched linearly, kept in time priority without sorting.
    @exclusivity(unchecked) private(set) var orders: [PaperOrder] = []
    /// The earliest time an order or a cancel in flight reaches the venue (`.max`: none). May be
    /// early (what it brings was overtaken: the order filled first), never late: `advance`
    /// before it does nothing.
    @exclusivity(unchecked) private(set) var nextArrivalNs: Int64 = .max
    /// Others' size at each price, as the market data says, and the lots traded there since the
    /// level's last update (to tell trades from cancels). Room for 16,384 levels before the
    /// table first grows (Binance keeps 5,000 a side), so the venue allocates nothing as the
    /// book's width moves.
    private let levels = PriceLevels(capacity: 32_768)
    @exclusivity(unchecked) private(set) var bestBid: Int64?
    @exclusivity(unchecked) private(set) var bestAsk: Int64?
    @exclusivity(unchecked) private(set) var bestBidSize: Int64 = 0
    @exclusivity(unchecked) private(set) var bestAskSize: Int64 = 0
    /// The deltas coming in are a snapshot's.
    @exclusivity(unchecked) private var inSnapshot = false

    init(instrument: UInt32, latency: Latency, marketDataLatencyNs: Int64 = 0, queue: Queue, fees: Fees) {
        self.instrument = instrument
        self.latency = latency
        self.marketDataLatencyNs = marketDataLatencyNs
        self.queue = queue
        self.fees = fees
        orders.reserveCapacity(16)
    }

    var maxFeeMillionths: Int64 { fees.maxRateMillionths }

    /// The working order with client id `id`.
    func order(_ id: UInt32) -> PaperOrder? { orders.first { $0.command.clientOrderId == id } }

    private func index(_ id: UInt32) -> Int? { orders.firstIndex { $0.command.clientOrderId == id } }

    // MARK: Orders in

    /// Accepts a command now; it reaches the venue when its trip is over (`advance`).
    func submit(_ command: OrderCommand, nowNs: Int64, into reports: inout [ExecutionReport]) {
        switch command.command {
        case .new:
            guard index(command.clientOrderId) == nil, command.size > 0 else {
                return reports.append(
                    report(
                        .reject, command, price: command.price, size: command.size,
                        reason: command.size > 0 ? .venueError : .invalidSize, nowNs: nowNs))
            }
            let arrives = nowNs + travelNs(sentAtNs: nowNs)
            orders.append(
                PaperOrder(
                    command: command, remaining: command.size, queue: nil, arrivesAtNs: arrives, cancelArrivesAtNs: nil)
            )
            nextArrivalNs = min(nextArrivalNs, arrives)
        case .cancel:
            guard let position = index(command.origClientOrderId), orders[position].cancelArrivesAtNs == nil else {
                return reports.append(report(.reject, command, price: 0, size: 0, reason: .unknownOrder, nowNs: nowNs))
            }
            sendCancel(at: position, nowNs: nowNs)
        case .replace:
            // A cancel of the old order and a new order, both on their way: the old one rests
            // until the cancel arrives (and may fill meanwhile), the new one arrives just after.
            guard let position = index(command.origClientOrderId), orders[position].cancelArrivesAtNs == nil else {
                return reports.append(report(.reject, command, price: 0, size: 0, reason: .unknownOrder, nowNs: nowNs))
            }
            let old = orders[position].command
            sendCancel(at: position, nowNs: nowNs)
            var replacement = command
            replacement.command = .new
            replacement.sideRaw = old.sideRaw
            replacement.orderTypeRaw = old.orderTypeRaw
            replacement.timeInForceRaw = old.timeInForceRaw
            submit(replacement, nowNs: nowNs, into: &reports)
        }
    }

    /// From sending to meeting the book, in the market data's receive times.
    private func travelNs(sentAtNs: Int64) -> Int64 { latency.entryLatency(sentAtNs: sentAtNs) + marketDataLatencyNs }

    private func sendCancel(at position: Int, nowNs: Int64) {
        let arrives = nowNs + travelNs(sentAtNs: nowNs)
        orders[position].cancelArrivesAtNs = arrives
        nextArrivalNs = min(nextArrivalNs, arrives)
    }

    /// Orders and cancels whose latency has passed arrive: an order is acknowledged, and matched
    /// or queued; a cancel takes its order off the book. In the order they were sent, so a replay
    /// writes the same journal every time.
    func advance(to nowNs: Int64, into reports: inout [ExecutionReport]) {
        guard nowNs >= nextArrivalNs else { return }
        var next = Int64.max
        var position = 0
        while position < orders.count {
            if orders[position].queue == nil {
                if orders[position].arrivesAtNs <= nowNs {
                    // Removed: the same index again.
                    if arrive(orders[position], at: position, nowNs: nowNs, into: &reports) { continue }
                } else {
                    next = min(next, orders[position].arrivesAtNs)
                }
            }
            if let cancelArrives = orders[position].cancelArrivesAtNs {
                if cancelArrives <= nowNs && orders[position].queue != nil {
                    let order = orders.remove(at: position)
                    reports.append(
                        report(
                            .cancelled, order.command, price: order.command.price, size: order.remaining, nowNs: nowNs))
                    continue
                }
                next = min(next, cancelArrives)
            }
            position += 1
        }
        nextArrivalNs = next
    }

    /// Returns true if the order left the book (filled, rejected, cancelled).
    private func arrive(_ order: PaperOrder, at position: Int, nowNs: Int64, into reports: inout [ExecutionReport])
        -> Bool
    {
        var order = order
        let command = order.command
        let buy = command.side == .buy
        let opposite = buy ? bestAsk : bestBid
        let crosses =
            command.orderType == .market || opposite.map { buy ? command.price >= $0 : command.price <= $0 } ?? false
        if command.orderType == .postOnly && crosses {
            orders.remove(at: position)
            reports.append(
                report(
                    .reject, command, price: command.price, size: order.remaining, reason: .postOnlyWouldCross,
                    nowNs: nowNs))
            return true
        }
        reports.append(report(.ack, command, price: command.price, size: order.remaining, nowNs: nowNs))
        if crosses, let touch = opposite {
            // Take at the touch, up to what it shows.
            let available = buy ? bestAskSize : bestBidSize
            let taken = min(order.remaining, available)
            if taken > 0 {
                order.remaining -= taken
                reports.append(
                    fill(command, price: touch, size: taken, remaining: order.remaining, maker: false, nowNs: nowNs))
            }
        }
        if order.remaining == 0 {
            orders.remove(at: position)
            return true
        }
        if command.orderType == .market || command.timeInForce != .goodTillCancel {
            orders.remove(at: position)
            reports.append(report(.cancelled, command, price: command.price, size: order.remaining, nowNs: nowNs))
            return true
        }
        order.queue = QueuePosition(levelSizeAtJoin: buy ? levels[command.price].bid : levels[command.price].ask)
        orders[position] = order
        return false
    }

    // MARK: Market data in

    /// A snapshot replaces the book: forget the levels (queue positions stay as they were).
    private func clearLevels() {
        levels.removeAll()
    }

    /// A delta from the market data, the first frame of a depth message: a level's new size; the
    /// first of a snapshot's clears the book, which the snapshot replaces.
    func apply(_ delta: BookDelta) {
        let snapshot = delta.header.flags.contains(.snapshot)
        if snapshot != inSnapshot {
            inSnapshot = snapshot
            if snapshot { clearLevels() }
        }
        if !delta.header.flags.contains(.idOnly) { level(delta.side, price: delta.price, size: delta.size) }
    }

    /// The further levels of a depth message, one or two.
    func apply(_ levels: BookLevels) {
        level(levels.firstSide, price: levels.firstPrice, size: levels.firstSize)
        if levels.hasSecond { level(levels.secondSide, price: levels.secondPrice, size: levels.secondSize) }
    }

    /// A level of the book changed to `size` (others' orders; 0 removes it).
    @inline(__always)
    func level(_ side: Side, price: Int64, size: Int64) {
        let buy = side == .bid
        let (before, traded) = levels.update(price) { level in
            let before = buy ? level.bid : level.ask
            let traded = level.traded
            level.traded = 0
            if buy { level.bid = size } else { level.ask = size }
            return (before, traded)
        }
        for position in orders.indices
        where orders[position].command.price == price
            && orders[position].queue != nil && (orders[position].command.side == .buy) == buy
        {
            orders[position].queue!.levelChanged(before: before, after: size, traded: traded, model: queue)
        }
    }

    /// The book's new top; resting orders it crosses fill (makers, at their own price).
    func top(_ top: BookTop, nowNs: Int64, into reports: inout [ExecutionReport]) {
        guard top.isValid else {
            (bestBid, bestAsk, bestBidSize, bestAskSize) = (nil, nil, 0, 0)
            return
        }
        (bestBid, bestAsk, bestBidSize, bestAskSize) = (top.bidPrice, top.askPrice, top.bidSize, top.askSize)
        var position = 0
        while position < orders.count {
            let order = orders[position]
            let command = order.command
            let crossed = command.side == .buy ? top.askPrice <= command.price : top.bidPrice >= command.price
            guard order.queue != nil, crossed else {
                position += 1
                continue
            }
            orders.remove(at: position)
            reports.append(
                fill(command, price: command.price, size: order.remaining, remaining: 0, maker: true, nowNs: nowNs))
        }
    }

    /// A trade printed: resting orders it reaches fill (makers).
    func trade(_ trade: Trade, nowNs: Int64, into reports: inout [ExecutionReport]) {
        // A sell aggressor hits bids at or above the trade price; a buy aggressor lifts asks.
        let hitsBids = trade.aggressor == .sell
        // Counted against the level it traded at, until that level's next update; a price with no
        // level there gets no update to clear it (and would grow the table for good).
        levels.update(trade.price) { level in
            if (hitsBids ? level.bid : level.ask) != 0 { level.traded += trade.size }
        }
        var left = trade.size
        var position = 0
        while position < orders.count {
            let order = orders[position]
            let command = order.command
            guard order.queue != nil, (command.side == .buy) == hitsBids else {
                position += 1
                continue
            }
            let through = hitsBids ? trade.price < command.price : trade.price > command.price
            guard through || trade.price == command.price else {
                position += 1
                continue
            }
            var filled: Int64
            if through {
                filled = order.remaining // the market traded through the price: all of it would have gone
            } else {
                filled = min(orders[position].queue!.trade(left), order.remaining)
                left -= filled
            }
            guard filled > 0 else {
                position += 1
                continue
            }
            orders[position].remaining -= filled
            let remaining = orders[position].remaining
            reports.append(
                fill(command, price: command.price, size: filled, remaining: remaining, maker: true, nowNs: nowNs))
            if remaining == 0 { orders.remove(at: position) } else { position += 1 }
        }
    }

    // MARK: Reports

    private func fill(_ command: OrderCommand, price: Int64, size: Int64, remaining: Int64, maker: Bool, nowNs: Int64)
        -> ExecutionReport
    {
        let fee = fees.fee(price: price, size: size, maker: maker)
        return report(remaining == 0 ? .fill : .partialFill, command, price: price, size: size, fee: fee, nowNs: nowNs)
    }

    private func report(
        _ kind: ExecutionReport.Report, _ command: OrderCommand, price: Int64, size: Int64,
        reason: ExecutionReport.RejectReason = .none, fee: Int64 = 0, nowNs: Int64
    ) -> ExecutionReport {
        ExecutionReport(
            header: FrameHeader(
                type: .executionReport, flags: .endOfMessage, instrument: instrument, bot: command.header.bot,
                eventTimeNs: nowNs,
                receiveTimeNs: nowNs),
            report: kind, side: command.side, rejectReason: reason, clientOrderId: command.clientOrderId,
            price: price, size: size, fee: fee)
    }
}
