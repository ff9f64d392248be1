import IPC

/// Where quote intents go (frames or JSON), resolved at compile time.
package protocol SignalOutput {
    mutating func emit(_ intent: QuoteIntent, instrument: Instrument)
    mutating func pass(_ frame: UnsafePointer<Frame>)
    mutating func report(_ problem: String)
}

/// The signal stage's core, one frame at a time: instruments from definitions, tops and trades
/// into each instrument's strategy, our position from position snapshots (exec's, when it runs),
/// quote intents out when the requote rule says so. An invalid top cancels the instrument's
/// quotes at once.
package final class SignalProcessor<Output: SignalOutput> {
    let options: SignalOptions
    @exclusivity(unchecked) var output: Output
    /// Each defined instrument's state, in the order of definition, read and written in place as
    /// `states[stateIndex[id]]`: never optional, since a field read through an optional's `!` copies
    /// the whole state (its strategy's too) on every access.
    @exclusivity(unchecked) private var states: [QuotedInstrument] = []
    /// Each instrument id's index in `states` (-1: not defined).
    @exclusivity(unchecked) private var stateIndex: [Int] = Array(repeating: -1, count: Instrument.idSlots)
    @exclusivity(unchecked) private(set) var intentsSent: UInt64 = 0
    /// Tick-to-quote: from the market data's receive time to the intent leaving.
    let latency: LatencyRecorder?
    /// The same, the current second's, for the dashboard (the stage publishes and resets it).
    let latencyWindow = LatencyHistogram()
    /// The pairs strategy over instruments 1 (A) and 2 (B).
    @exclusivity(unchecked) private(set) var pairs: PairsTrading?
    /// When the pair first had one leg and not the other (market time), until it is said once
    /// that the pair cannot trade (`pairsLegWaitNs` later).
    @exclusivity(unchecked) private var pairsLegMissingSinceNs: Int64?
    @exclusivity(unchecked) private var pairsLegMissingSaid = false
    static var pairsLegWaitNs: Int64 { 5_000_000_000 }

    package init(options: SignalOptions, output: Output) {
        self.options = options
        self.output = output
        latency = options.latency ? LatencyRecorder() : nil
    }

    func state(_ instrument: UInt32) -> QuotedInstrument? {
        Int(instrument) < stateIndex.count && stateIndex[Int(instrument)] >= 0
            ? states[stateIndex[Int(instrument)]] : nil
    }

    /// A frame of exec's output, when it reaches the strategy: our position from its snapshots.
    package func handleExecOutput(_ frame: UnsafePointer<Frame>) {
        if frame.pointee.header.messageType == .positionSnapshot { handle(frame) }
    }

    package func handle(_ frame: UnsafePointer<Frame>) {
        // Passed on first, so an intent always follows the market data that caused it.
        let header = frame.pointee.header
        switch options.passing {
        case .nothing: break
        case .everything: output.pass(frame)
        case .topsAndControl:
            if header.type == MessageType.bookTop.rawValue || header.type == MessageType.control.rawValue {
                output.pass(frame)
            }
        }
        let id = Int(header.instrument)
        switch header.messageType {
        case .instrumentDefinition:
            define(frame.pointee.as(InstrumentDefinition.self))
        case .bookTop:
            guard id < stateIndex.count, stateIndex[id] >= 0 else { return }
            quote(id, top: frame.pointee.as(BookTop.self))
        case .trade:
            guard id < stateIndex.count, stateIndex[id] >= 0, states[stateIndex[id]].avellanedaStoikov != nil,
                let top = states[stateIndex[id]].lastTop
            else { return }
            states[stateIndex[id]].avellanedaStoikov!.observe(frame.pointee.as(Trade.self), mid: top.mid)
        case .positionSnapshot:
            guard id < stateIndex.count, stateIndex[id] >= 0 else { return }
            states[stateIndex[id]].positionLots = frame.pointee.as(PositionSnapshot.self).position
        default:
            break
        }
    }

    private func define(_ definition: InstrumentDefinition) {
        let id = Int(definition.header.instrument)
        guard id >= 1, id < stateIndex.count, let instrument = try? definition.instrument() else {
            return output.report("signal: bad instrument definition \(id); ignored")
        }
        if stateIndex[id] >= 0 && states[stateIndex[id]].instrument == instrument { return }
        let lot = instrument.lotSize
        let quoteSize = max(1, Int64((options.quoteSize / lot).rounded()))
        let maxPosition = Int64((options.maxPosition / lot).rounded())
        var state = QuotedInstrument(instrument: instrument)
        switch options.strategy {
        case .avellanedaStoikov:
            var parameters = AvellanedaStoikov.Parameters()
            parameters.gamma = options.gamma
            parameters.kappa = options.kappa
            parameters.horizonSeconds = options.horizonSeconds
            parameters.quoteSizeLots = quoteSize
            parameters.maxPositionLots = maxPosition
            parameters.volatilityHalfLifeSeconds = options.volatilityHalfLifeSeconds
            state.avellanedaStoikov = AvellanedaStoikov(parameters)
        case .fixedSpread:
            state.fixedSpread = FixedSpread(
                parameters: FixedSpread.Parameters(
                    spreadTicks: options.spreadTicks, quoteSizeLots: quoteSize, maxPositionLots: maxPosition))
        case .volatilityBand:
            state.volatilityBand = VolatilityBand(
                VolatilityBand.Parameters(
                    stepNs: Int64(options.stepMs) * 1_000_000, volMultiplier: options.volMultiplier,
                    skewTicksPerUnit: options.skewTicks, quoteSizeLots: quoteSize, maxPositionLots: maxPosition,
                    lotsPerUnit: 1 / lot))
        case .momentum:
            state.momentum = Momentum(
                Momentum.Parameters(
                    windowSeconds: options.windowSeconds, thresholdFraction: options.thresholdFraction,
                    neutralSpreadTicks: options.spreadTicks, quoteSizeLots: quoteSize, maxPositionLots: maxPosition))
        case .pairs:
            if pairs == nil {
                pairs = PairsTrading(
                    PairsTrading.Parameters(
                        halfLifeSeconds: options.pairsHalfLifeSeconds, entryZ: options.entryZ,
                        exitZ: options.exitZ, legLots: quoteSize))
            }
        }
        if stateIndex[id] < 0 {
            stateIndex[id] = states.count
            states.append(state)
        } else {
            states[stateIndex[id]] = state
        }
    }

    private func quote(_ id: Int, top: BookTop) {
        let now = top.header.receiveTimeNs
        var quote: Quote
        if top.isValid {
            states[stateIndex[id]].lastTop = top
            let position = states[stateIndex[id]].positionLots
            switch options.strategy {
            case .avellanedaStoikov:
                states[stateIndex[id]].avellanedaStoikov!.observe(top, nowNs: now)
                quote = states[stateIndex[id]].avellanedaStoikov!.quote(top, positionLots: position, nowNs: now)
            case .fixedSpread:
                quote = states[stateIndex[id]].fixedSpread!.quote(top, positionLots: position)
            case .volatilityBand:
                quote = states[stateIndex[id]].volatilityBand!.quote(top, positionLots: position, nowNs: now)
            case .momentum:
                quote = states[stateIndex[id]].momentum!.quote(top, positionLots: position, nowNs: now)
            case .pairs:
                return quotePair(now: now)
            }
        } else {
            states[stateIndex[id]].lastTop = nil
            quote = .none // the book went invalid: nothing may rest on a stale price
        }
        send(quote, id: id, top: top, now: now)
    }

    /// Both legs of the pair, once both have a valid top: the z-score moves the targets, each
    /// leg works towards its own.
    private func quotePair(now: Int64) {
        guard var strategy = pairs, stateIndex[1] >= 0, stateIndex[2] >= 0 else { return pairLegMissing(now: now) }
        let (a, b) = (states[stateIndex[1]], states[stateIndex[2]])
        guard let topA = a.lastTop, let topB = b.lastTop else { return }
        _ = strategy.update(midA: topA.mid, midB: topB.mid, nowNs: now)
        pairs = strategy
        let targets = strategy.targets
        send(PairsTrading.legQuote(top: topA, position: a.positionLots, target: targets.a), id: 1, top: topA, now: now)
        send(PairsTrading.legQuote(top: topB, position: b.positionLots, target: targets.b), id: 2, top: topB, now: now)
    }

    /// One leg of the pair quotes and the other was never defined: said once, 5 s of market time
    /// on (a second symbol may be on its way), rather than quoting nothing in silence.
    private func pairLegMissing(now: Int64) {
        guard !pairsLegMissingSaid else { return }
        let since = pairsLegMissingSinceNs ?? now
        pairsLegMissingSinceNs = since
        guard Int128(now) - Int128(since) >= Int128(SignalProcessor.pairsLegWaitNs) else { return }
        pairsLegMissingSaid = true
        let defined = states.map(\.instrument.symbol).joined(separator: ", ")
        output.report(
            "signal: --strategy pairs trades the first two instruments as a pair; after "
                + "\(SignalProcessor.pairsLegWaitNs / 1_000_000_000) s only \(defined) is defined: nothing is quoted "
                + "(give two symbols)")
    }

    private func send(_ quote: Quote, id: Int, top: BookTop, now: Int64) {
        let rule = RequoteRule(
            minIntervalNs: Int64(options.minRequoteMs) * 1_000_000, minMoveTicks: options.minMoveTicks)
        guard
            rule.shouldSend(
                quote, last: states[stateIndex[id]].lastQuote, lastSentNs: states[stateIndex[id]].lastSentNs, nowNs: now
            )
        else { return }
        states[stateIndex[id]].lastQuote = quote
        states[stateIndex[id]].lastSentNs = now
        var header = top.header
        header.type = MessageType.quoteIntent.rawValue
        header.flags = [.endOfMessage]
        intentsSent &+= 1
        output.emit(quote.intent(header: header), instrument: states[stateIndex[id]].instrument)
        let elapsed = SystemClock.realtimeNanoseconds() - header.receiveTimeNs
        latencyWindow.record(elapsed)
        latency?.record(elapsed)
    }
}
