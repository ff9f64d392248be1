import Glibc
import IPC

/// Where exec's results go: order commands, execution reports and position snapshots, each
/// journaled and passed to the next stage; resolved at compile time.
package protocol ExecOutput {
    mutating func record(_ frame: Frame)
    mutating func report(_ problem: String)
}

/// exec's core, one frame at a time. Market data (definitions, deltas, tops, trades) drives the
/// paper venue; quote intents go through the order manager's pre-trade checks to the venue; the
/// venue's reports move the orders' states and the position ledger. Time is the frames' receive
/// time, so a replay is deterministic: the same input writes the same journal.
///
/// Accounts: one per bot (`options.bots`), each with its own orders, position and limits on each
/// instrument; a bot's intents carry its index in their header, and so do its commands and the
/// venue's reports. The bots share each instrument's venue, where self-trade prevention keeps
/// them from trading with each other.
package final class ExecProcessor<Output: ExecOutput, Venues: VenueFactory> {
    let options: ExecOptions
    /// Makes each instrument's venue as its definition arrives.
    let venueFactory: Venues
    @exclusivity(unchecked) package var output: Output
    /// Each defined instrument's state per bot, in the order of definition, read and written in
    /// place as `states[stateIndex[key]]` (`key`: `bot × idSlots + id`): never optional, since
    /// reading a field through an optional's `!` copies the whole state (a retain and release of
    /// everything it holds) on every access.
    @exclusivity(unchecked) private var states: [TradedInstrument] = []
    /// Each (bot, instrument id)'s index in `states` (-1: not defined).
    @exclusivity(unchecked) private var stateIndex: [Int]
    /// The accounts: bots 0 ..< bots.
    let bots: Int
    /// Intents whose bot has no account here, refused.
    @exclusivity(unchecked) private(set) var foreignIntents: UInt64 = 0
    /// Each instrument's venue, by id; and the same unretained, for the per-frame path (a
    /// reference read from an array costs a retain and a release on every frame).
    @exclusivity(unchecked) private var venues: [Venues.Made?] = Array(repeating: nil, count: Instrument.idSlots)
    @exclusivity(unchecked) private var venueById: [Unmanaged<Venues.Made>?] = Array(
        repeating: nil, count: Instrument.idSlots)
    /// The ids with a state, in id order.
    @exclusivity(unchecked) private var definedIds: [Int] = []
    /// The earliest time an order or cancel in flight reaches its venue, over all of them
    /// (`.max`: none): until then a frame has no venue to advance.
    @exclusivity(unchecked) private var nextArrivalNs: Int64 = .max
    @exclusivity(unchecked) private var reports: [ExecutionReport] = []
    @exclusivity(unchecked) private var commands: [OrderCommand] = []
    @exclusivity(unchecked) private(set) var now: Int64 = 0
    /// The receive time of the market data the intent being worked answers (its header's); `now`
    /// for exec's own commands (halts, flattens, the end). Commands carry it as their event time.
    @exclusivity(unchecked) private var causeNs: Int64 = 0
    /// The next whole second of market time at which the tops and positions are journaled.
    @exclusivity(unchecked) private var nextMarkNs: Int64 = 0
    /// Set from the session's control block: no new orders, cancel what is working.
    @exclusivity(unchecked) var halted = false
    /// New and replace orders: the fill ratio's denominator, as the report counts them.
    @exclusivity(unchecked) private(set) var ordersPlaced: UInt64 = 0
    /// Flattening: every order cancelled, every position being closed with marketable orders.
    @exclusivity(unchecked) private(set) var flattening = false
    /// How far market time may be from the wall clock for the market to count as live: a replay
    /// of data a minute old is a replay.
    static var liveClockToleranceNs: UInt64 { 60_000_000_000 }
    /// When the last input arrived (monotonic, set by the stage once per poll), to extrapolate
    /// market time while the input is quiet (a dead signal must not stop a flatten).
    @exclusivity(unchecked) private var lastFrameWallNs: Int64 = 0
    /// Tick-to-order: from the market data's receive time to an order leaving for the venue.
    let latency: LatencyRecorder?
    /// The same, the current second's, for the dashboard (the stage publishes and resets it).
    let latencyWindow = LatencyHistogram()
    /// What the runs before left in the journal this run continues, taken up as each symbol
    /// is defined.
    private var history: JournalHistory

    package init(
        options: ExecOptions, output: Output, venues: Venues, history: JournalHistory = JournalHistory()
    ) {
        self.options = options
        self.history = history
        bots = options.bots
        stateIndex = Array(repeating: -1, count: options.bots * Instrument.idSlots)
        venueFactory = venues
        self.output = output
        latency = options.latency ? LatencyRecorder() : nil
        reports.reserveCapacity(64)
        commands.reserveCapacity(8)
    }

    /// Where `bot`'s state for instrument `id` is kept in `stateIndex`.
    @inline(__always)
    private func key(_ bot: Int, _ id: Int) -> Int { Instrument.accountSlot(bot: bot, id: id) }

    /// Every state, bot by bot, each bot's in id order.
    var instruments: [TradedInstrument] {
        (0..<bots).flatMap { bot in definedIds.map { states[stateIndex[key(bot, $0)]] } }
    }

    /// Each instrument's books at the end, in id order: what a replay in-process returns.
    package var results: [ExecResult] {
        instruments.map {
            ExecResult(
                instrument: $0.instrument, bot: Int($0.manager.bot), fills: $0.ledger.fills,
                position: $0.ledger.position,
                realizedPnl: $0.ledger.realizedPnl, fees: $0.ledger.fees, volume: $0.ledger.volume,
                summary: ExecSummary.line($0, bots: bots))
        }
    }

    /// The stage read frames at `wallNs` (monotonic): once per poll, not per frame.
    func inputArrived(atWallNs wallNs: Int64) { lastFrameWallNs = wallNs }

    // The per-frame path reads and writes `states[stateIndex[id]]` in place and never binds a state
    // to a local: a copy costs a retain and release of everything it holds, and while one is alive
    // the ledger's storage is shared, so booking a fill would copy it (an allocation).
    @inline(__always)
    package func handle(_ frame: UnsafePointer<Frame>) {
        let header = frame.pointee.header
        if header.receiveTimeNs > now { now = header.receiveTimeNs }
        if now >= nextMarkNs { mark() }
        // Orders and cancels that reached the venue by now are there before this frame acts on
        // it: the market may be quiet for 100 ms, and the first trade after an order arrived
        // must meet it.
        if now >= nextArrivalNs { advanceVenues() }
        // Nearly every frame is a level of a book changing: straight to its venue, which sends
        // nothing, so nothing arrives after it.
        if header.isBookChange {
            let id = Int(header.instrument)
            guard id < venueById.count, let venue = venueById[id] else { return }
            if header.type == MessageType.bookLevels.rawValue {
                venue._withUnsafeGuaranteedRef { $0.apply(frame.pointee.as(BookLevels.self)) }
            } else {
                venue._withUnsafeGuaranteedRef { $0.apply(frame.pointee.as(BookDelta.self)) }
            }
            return
        }
        handleMessage(frame)
        if now >= nextArrivalNs { advanceVenues() } // what this frame sent with no latency
    }

    /// Every frame but a depth message's, in market time.
    @inline(never)
    private func handleMessage(_ frame: UnsafePointer<Frame>) {
        let header = frame.pointee.header
        let id = Int(header.instrument)
        switch header.messageType {
        case .instrumentDefinition:
            define(frame.pointee.as(InstrumentDefinition.self), frame: frame.pointee)
        case .bookTop:
            guard id < venueById.count, let venue = venueById[id] else { return }
            let top = frame.pointee.as(BookTop.self)
            venue._withUnsafeGuaranteedRef { $0.top(top, nowNs: now, into: &reports) }
            for bot in 0..<bots {
                states[stateIndex[key(bot, id)]].top = top
                states[stateIndex[key(bot, id)]].mid = top.isValid ? top.midPrice : nil
            }
            drainReports(id) // orders the new top crossed, booked to this instrument at its new mid
        case .trade:
            guard id < venueById.count, let venue = venueById[id] else { return }
            venue._withUnsafeGuaranteedRef { $0.trade(frame.pointee.as(Trade.self), nowNs: now, into: &reports) }
            drainReports(id) // this instrument's fills, booked to it
        case .quoteIntent:
            guard let key = account(header) else { return }
            let intent = frame.pointee.as(QuoteIntent.self)
            causeNs = header.receiveTimeNs
            // A ladder's frames gather until its last; a single frame is a quote of one level.
            if !header.endsMessage || states[stateIndex[key]].ladderFrames != 0 {
                guard let ladder = gatherLadder(intent, key: key) else { return }
                quote(key, ladder: ladder)
                return
            }
            commands.removeAll(keepingCapacity: true)
            if bots > 1 { seeOtherBots(key) }
            // The position limit holds whatever the strategy asks (it may not know the position).
            let step = requoteStep(id, bidPrice: intent.bidPrice, askPrice: intent.askPrice)
            states[stateIndex[key]].manager.commands(
                for: intent, mid: states[stateIndex[key]].mid, position: states[stateIndex[key]].ledger.position,
                halted: halted || flattening, requoteStep: step, nowNs: now, into: &commands)
            send(key, commands)
            if !commands.isEmpty {
                let elapsed = SystemClock.realtimeNanoseconds() - header.receiveTimeNs
                latencyWindow.record(elapsed)
                latency?.record(elapsed)
            }
        case .orderIntent:
            guard let key = account(header) else { return }
            let intent = frame.pointee.as(OrderIntent.self)
            if let defect = intent.defect {
                return output.report(
                    "exec: \(states[stateIndex[key]].instrument.symbol): a strategy's order refused: \(defect)")
            }
            causeNs = header.receiveTimeNs
            commands.removeAll(keepingCapacity: true)
            if bots > 1 { seeOtherBots(key) }
            if let command = states[stateIndex[key]].manager.command(
                taking: intent, mid: states[stateIndex[key]].mid, position: states[stateIndex[key]].ledger.position,
                halted: halted || flattening, nowNs: now)
            {
                commands.append(command)
            }
            send(key, commands)
        default:
            break
        }
    }

    /// The state key of an intent's account: its bot's, on its instrument; nil (said once,
    /// counted) when the instrument is not defined or the bot has no account here.
    @inline(__always)
    private func account(_ header: FrameHeader) -> Int? {
        let id = Int(header.instrument)
        let bot = Int(header.bot)
        guard id < Instrument.idSlots, stateIndex[id] >= 0 else { return nil }
        guard bot < bots else {
            foreignIntents &+= 1
            if foreignIntents == 1 {
                output.report(
                    "exec: an intent of bot \(bot) refused: this exec keeps \(bots) account\(bots == 1 ? "" : "s") "
                        + "(bots 0 ... \(bots - 1)); such intents are counted at the end")
            }
            return nil
        }
        return key(bot, id)
    }

    /// Before `key`'s bot works an intent: the best prices the other bots have working on the
    /// instrument, and the book's best, for its order manager's self-trade prevention.
    private func seeOtherBots(_ key: Int) {
        let id = Instrument.account(ofSlot: key).id
        var others = OrderManager.OtherBots()
        for bot in 0..<bots where self.key(bot, id) != key {
            let other = stateIndex[self.key(bot, id)]
            others.positionLots += Int128(states[other].ledger.position)
            for order in states[other].manager.bids {
                others.highestBid = max(others.highestBid, order.price)
                others.workingBuyLots += Int128(order.remaining)
            }
            for order in states[other].manager.asks {
                others.lowestAsk = min(others.lowestAsk, order.price)
                others.workingSellLots += Int128(order.remaining)
            }
        }
        if let top = states[stateIndex[key]].top, top.isValid {
            others.bestBid = top.bidPrice
            others.bestAsk = top.askPrice
        }
        states[stateIndex[key]].manager.otherBots = others
    }

    /// A ladder's frame added to the account's; the ladder once its last frame is in and it
    /// can be worked (else one line, counted, and the orders stay as they are).
    private func gatherLadder(_ intent: QuoteIntent, key: Int) -> QuoteLadder? {
        let index = stateIndex[key]
        // -1: refused, its frames dropped up to its last.
        if states[index].ladderFrames >= 0 {
            if states[index].ladder.add(intent, index: states[index].ladderFrames) {
                states[index].ladderFrames += 1
            } else {
                refuseLadder(key, "more than \(QuoteLadder.maxLevels) levels, or a level after its side's last")
                states[index].ladderFrames = -1
            }
        }
        guard intent.header.endsMessage else { return nil }
        let ladder = states[index].ladder
        let whole = states[index].ladderFrames > 0
        states[index].ladder = QuoteLadder()
        states[index].ladderFrames = 0
        guard whole else { return nil }
        if let defect = ladder.defect {
            refuseLadder(key, defect)
            return nil
        }
        return ladder
    }

    private func refuseLadder(_ key: Int, _ problem: String) {
        let index = stateIndex[key]
        states[index].laddersRefused &+= 1
        if states[index].laddersRefused == 1 {
            output.report(
                "exec: \(states[index].instrument.symbol): a quote ladder refused (\(problem)); its orders stay as "
                    + "they are (refusals counted in the summary line)")
        }
    }

    /// The orders to `ladder`, through the order manager's checks.
    private func quote(_ key: Int, ladder: QuoteLadder) {
        commands.removeAll(keepingCapacity: true)
        if bots > 1 { seeOtherBots(key) }
        // Judged on the best levels, as a one-level quote is (a missing side's price 0).
        let step = requoteStep(
            Instrument.account(ofSlot: key).id, bidPrice: ladder.bidCount > 0 ? ladder.level(.buy, 0).price : 0,
            askPrice: ladder.askCount > 0 ? ladder.level(.sell, 0).price : 0)
        states[stateIndex[key]].manager.commands(
            for: ladder, mid: states[stateIndex[key]].mid, position: states[stateIndex[key]].ledger.position,
            halted: halted || flattening, requoteStep: step, nowNs: now, into: &commands)
        send(key, commands)
    }

    /// How far a working order must be from the price wanted before it moves (the venue's request
    /// budget), for the spread of the best levels asked for. Intents' prices are the strategy's,
    /// unchecked on the wire: their difference in 128 bits.
    private func requoteStep(_ id: Int, bidPrice: Int64, askPrice: Int64) -> Int64 {
        let spread = Int64(clamping: Int128(askPrice) - Int128(bidPrice))
        return venueById[id]!._withUnsafeGuaranteedRef { $0.requoteStep(spreadTicks: spread) }
    }

    /// Once a second of market time (so a replay journals the same): each instrument's last top
    /// and each bot's position marked at that mid, for the report's mid and spread charts and the
    /// dashboard's unrealized PnL between fills.
    private func mark() {
        nextMarkNs = (now / 1_000_000_000 + 1) * 1_000_000_000
        for id in definedIds {
            guard var top = states[stateIndex[id]].top else { continue }
            top.header.receiveTimeNs = now
            top.header.sequence = 0 // its position on the ring it came by, which the journal must not depend on
            output.record(Frame(top))
            for bot in 0..<bots { recordPosition(key(bot, id)) }
        }
    }

    /// The account's position and money, marked at its mid: the two frames of a snapshot.
    private func recordPosition(_ key: Int) {
        let (bot, id) = Instrument.account(ofSlot: key)
        let report = states[stateIndex[key]].ledger.report(
            instrument: UInt32(id), bot: UInt16(bot), timeNs: now, mark: states[stateIndex[key]].mid)
        let (snapshot, money) = report.frames
        output.record(Frame(snapshot))
        output.record(Frame(money))
    }

    private func define(_ definition: InstrumentDefinition, frame: Frame) {
        let id = Int(definition.header.instrument)
        guard id >= 1, id < Instrument.idSlots, let instrument = try? definition.instrument() else {
            return output.report("exec: bad instrument definition \(id); ignored")
        }
        guard stateIndex[id] < 0 || states[stateIndex[id]].instrument != instrument else { return }
        output.record(frame) // the journal's CSV prints prices and sizes with it
        let venue = venueFactory.venue(for: instrument)
        var past = history.take(instrument.symbol)
        if let before = past.instrument, before.tickSize != instrument.tickSize || before.lotSize != instrument.lotSize
        {
            output.report(
                "exec: \(instrument.symbol): the journal's fills are in other ticks or lots (\(before.tickSize), "
                    + "\(before.lotSize)); its position is not carried on")
            past = JournalHistory.Past()
        }
        if stateIndex[id] < 0 { definedIds = (definedIds + [id]).sorted() }
        // The bots' positions together: 128 bits, as 16 of up to 2^63 lots pass 64.
        var position: Int128 = 0
        for bot in 0..<bots {
            var state = TradedInstrument(
                instrument: instrument,
                manager: OrderManager(
                    instrument: UInt32(id), bot: UInt16(bot), limits: limits(bot, instrument, venue: venue),
                    firstClientOrderId: firstClientOrderId(bot, after: past.lastClientOrderId),
                    idStride: UInt32(bots)))
            for fill in past.fills where Int(fill.header.bot) == bot { state.ledger.book(fill) }
            position += Int128(state.ledger.position)
            if stateIndex[key(bot, id)] < 0 {
                stateIndex[key(bot, id)] = states.count
                states.append(state)
            } else {
                states[stateIndex[key(bot, id)]] = state
            }
        }
        if let stray = past.fills.first(where: { Int($0.header.bot) >= bots }) {
            output.report(
                "exec: \(instrument.symbol): the journal holds fills of bot \(stray.header.bot), which this exec "
                    + "has no account for (\(bots) bots): not carried on")
        }
        venues[id] = venue
        venueById[id] = Unmanaged.passUnretained(venue)
        if past.lastClientOrderId > 0 {
            output.report(
                "exec: \(instrument.symbol): continuing the journal: \(past.fills.count) fills booked again, position "
                    + "\(instrument.formatVolume(position)), client order ids from "
                    + "\(past.lastClientOrderId + 1), \(past.working.count) orders working at its end")
            // A live venue (one bot) asks about its orders knowing the position; a paper venue's died.
            let kept = venue.adopt(past.working, position: Int64(clamping: position))
            for bot in 0..<bots {
                states[stateIndex[key(bot, id)]].manager.adopt(kept.filter { Int($0.command.header.bot) == bot })
                if !past.fills.isEmpty { recordPosition(key(bot, id)) }
            }
        }
    }

    /// `bot`'s pre-trade limits on `instrument`; sizes from units of the base asset to lots.
    private func limits(_ bot: Int, _ instrument: Instrument, venue: Venues.Made) -> OrderManager.Limits {
        let lot = instrument.lotSize
        var limits = OrderManager.Limits()
        limits.maxOrderLots = options.maxOrderSize.map { Int64(($0 / lot).rounded()) } ?? .max
        limits.priceBandMillionths = options.priceBandBps.map { $0 * 100 } ?? .max
        limits.maxOpenOrders = options.maxOpenOrders
        limits.maxOrdersPerSecond = options.maxOrdersPerSecond
        limits.maxPositionLots =
            (options.botMaxPosition[bot] ?? options.maxPosition).map { Int64(($0 / lot).rounded()) }
            ?? FrameLayout.maxQuantity
        limits.maxTotalPositionLots = options.maxTotalPosition.map { Int64(($0 / lot).rounded()) }
        limits.feeMillionths = venue.maxFeeMillionths
        return limits
    }

    /// Bot k of B issues the client order ids ≡ k + 1 (mod B), so the bots' ids never meet at their
    /// shared venue: its first, the first such id after `last` (the journal's, continued).
    private func firstClientOrderId(_ bot: Int, after last: UInt32) -> UInt32 {
        let stride = UInt32(bots)
        let next = last + 1
        let wanted = UInt32(bot + 1) % stride
        return next + (wanted + stride - next % stride) % stride
    }

    private func send(_ key: Int, _ commands: [OrderCommand]) {
        let id = Instrument.account(ofSlot: key).id
        for index in commands.indices {
            var command = commands[index]
            command.header.receiveTimeNs = now
            command.header.eventTimeNs = causeNs
            output.record(Frame(command))
            venueById[id]!._withUnsafeGuaranteedRef { $0.submit(command, nowNs: now, into: &reports) }
            nextArrivalNs = min(nextArrivalNs, venueById[id]!._withUnsafeGuaranteedRef { $0.nextArrivalNs })
            states[stateIndex[key]].commandsSent &+= 1
            if command.command != .cancel { ordersPlaced &+= 1 }
        }
        let refusals = states[stateIndex[key]].manager.refusals
        while states[stateIndex[key]].refusalsReported < refusals.count {
            let refusal = refusals[states[stateIndex[key]].refusalsReported]
            output.report("exec: \(states[stateIndex[key]].name(bots: bots)): order refused: \(refusal)")
            states[stateIndex[key]].refusalsReported += 1
        }
        drainReports(id)
    }

    /// Orders and cancels whose trip is over reach their venues.
    private func advanceVenues() {
        nextArrivalNs = .max
        for id in definedIds {
            venueById[id]!._withUnsafeGuaranteedRef { $0.advance(to: now, into: &reports) }
            drainReports(id)
            nextArrivalNs = min(nextArrivalNs, venueById[id]!._withUnsafeGuaranteedRef { $0.nextArrivalNs })
        }
    }

    /// The venue of instrument `id` answered: each report booked to its order's bot.
    private func drainReports(_ id: Int) {
        guard !reports.isEmpty else { return }
        var filled: UInt32 = 0 // the bots whose position moved, one bit each
        for report in reports {
            output.record(Frame(report))
            let bot = Int(report.header.bot) < bots ? Int(report.header.bot) : 0
            let index = stateIndex[key(bot, id)]
            states[index].manager.apply(report)
            states[index].ledger.book(report)
            if report.report == .fill || report.report == .partialFill || report.report == .adjustment {
                filled |= 1 << bot
            }
            if let flattenOrder = states[index].flattenOrder, report.clientOrderId == flattenOrder,
                report.report != .ack && report.report != .partialFill
            {
                states[index].flattenOrder = nil
            }
        }
        reports.removeAll(keepingCapacity: true)
        for bot in 0..<bots where filled & (1 << bot) != 0 { recordPosition(key(bot, id)) }
    }

    /// A live venue's answers and events, read once a duty cycle (a paper venue has none):
    /// market time is the wall clock's there. True if reports were handled.
    @inline(__always)
    func pollVenues() -> Bool {
        guard venueFactory.poll() else { return false }
        let wall = SystemClock.realtimeNanoseconds()
        if wall > now { now = wall }
        advanceVenues()
        return true
    }

    /// The input is quiet: once it has been for `quietNs` of wall time, market time moves on with
    /// the wall clock from the last frame, so orders in flight still reach the venue (a live
    /// market gone quiet, a flatten with signal dead). Only where market time is the wall
    /// clock's (a live or synthetic market stamps frames as they arrive): a replay's market time
    /// comes from its data alone, or a stage held up for 100 ms (a loaded machine, a sanitizer)
    /// would put wall time into the journal and the same recording would journal differently.
    func idle(quietNs: Int64 = 100_000_000) {
        guard lastFrameWallNs > 0 else { return }
        let wall = SystemClock.monotonicNanoseconds()
        guard wall - lastFrameWallNs >= quietNs else { return }
        guard (SystemClock.realtimeNanoseconds() - now).magnitude < ExecProcessor.liveClockToleranceNs else { return }
        let extrapolated = now + (wall - lastFrameWallNs)
        lastFrameWallNs = wall
        if extrapolated > now { now = extrapolated }
        advanceVenues()
    }

    /// The halt lifted (`risk resume`): new orders again, a finished flatten over.
    func resumeTrading() {
        halted = false
        flattening = false
    }

    /// Starts a flatten: no new quotes, every order cancelled, every position closed with
    /// marketable orders (sent again while a position remains).
    func flatten() {
        flattening = true
        cancelAll()
        continueFlatten()
    }

    /// Sends a closing market order for every instrument still holding a position and none in flight.
    func continueFlatten() {
        guard flattening else { return }
        for bot in 0..<bots {
            for id in definedIds where states[stateIndex[key(bot, id)]].flattenOrder == nil {
                let index = stateIndex[key(bot, id)]
                let position = states[index].ledger.position
                guard position != 0 else { continue }
                let order = OrderCommand(
                    header: FrameHeader(
                        type: .orderCommand, flags: .endOfMessage, instrument: UInt32(id), bot: UInt16(bot)),
                    command: .new, side: position > 0 ? .sell : .buy, orderType: .market,
                    timeInForce: .immediateOrCancel, clientOrderId: states[index].manager.takeId(),
                    price: 0, size: abs(position))
                states[index].flattenOrder = order.clientOrderId
                causeNs = now
                send(key(bot, id), [order])
            }
        }
    }

    /// What the dashboard shows of exec: orders placed and working, fills, tick-to-order.
    func publishGauges(_ membership: SessionMembership) {
        membership.setGauge(.ordersPlaced, Double(ordersPlaced))
        membership.setGauge(.openOrders, Double(states.reduce(0) { $0 + $1.manager.openOrders }))
        membership.setGauge(.fills, Double(states.reduce(0) { $0 + $1.ledger.fills }))
        if venueFactory.isLive { membership.setGauge(.balanceDifferences, Double(venueFactory.balanceDifferences)) }
        membership.publishLatency(latencyWindow)
    }

    /// Flat: no position, no order working, nothing in flight.
    var isFlat: Bool {
        states.allSatisfy { $0.ledger.position == 0 && $0.manager.openOrders == 0 && $0.flattenOrder == nil }
    }

    /// The end of the stream: every order cancelled, market time moved on (no frame will move it
    /// any more) until the venues have answered every order and cancel in flight.
    package func cancelAllAtEnd() {
        while true {
            cancelAll()
            guard nextArrivalNs != .max else { break }
            now = max(now, nextArrivalNs)
            advanceVenues()
        }
        guard venueFactory.isLive else { return }
        // A live venue answers in its own time: cancels are sent again as orders turn live, and
        // answers awaited for up to `liveSettleNs`.
        let deadline = SystemClock.monotonicNanoseconds() + ExecProcessor.liveSettleNs
        while venueFactory.cancelEverything() || states.contains(where: { $0.manager.openOrders > 0 }) {
            guard SystemClock.monotonicNanoseconds() < deadline else {
                return output.report(
                    "exec: the venue did not confirm every cancel within "
                        + "\(ExecProcessor.liveSettleNs / 1_000_000_000) s; orders may still rest there (risk's kill "
                        + "cancels them)")
            }
            _ = pollVenues()
            cancelAll()
            usleep(1_000)
        }
    }

    /// How long the end of a live run waits for the venue to answer its cancels.
    static var liveSettleNs: Int64 { 5_000_000_000 }

    /// Cancels every working order (a halt, a flatten, the end of the stream); the venue answers
    /// when the cancels arrive.
    func cancelAll() {
        causeNs = now
        for bot in 0..<bots {
            for id in definedIds { send(key(bot, id), states[stateIndex[key(bot, id)]].manager.cancelAll(nowNs: now)) }
        }
    }
}
