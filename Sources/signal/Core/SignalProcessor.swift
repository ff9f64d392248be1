import BookCore
import IPC

/// Where quote intents go (frames or JSON), resolved at compile time.
package protocol SignalOutput {
    mutating func emit(_ intent: QuoteIntent, instrument: Instrument)
    /// A ladder: its frames (`QuoteLadder.frame`), each through `emit(_:instrument:)` unless the
    /// output writes it otherwise.
    mutating func emit(_ ladder: QuoteLadder, header: FrameHeader, instrument: Instrument)
    /// A strategy's order that takes (`StrategyContext.order`).
    mutating func emit(_ order: OrderIntent, instrument: Instrument)
    mutating func pass(_ frame: UnsafePointer<Frame>)
    mutating func report(_ problem: String)
}

extension SignalOutput {
    package mutating func emit(_ ladder: QuoteLadder, header: FrameHeader, instrument: Instrument) {
        for index in 0..<ladder.frameCount { emit(ladder.frame(index, header: header), instrument: instrument) }
    }
}

/// The signal stage's core, one frame at a time, around one `Strategy`: instruments from
/// definitions, tops and trades from book's output, our orders' reports and positions from exec's
/// (when they reach the strategy: `handleExecOutput`), timers in market time; each event handed to
/// the strategy, the quotes it asked for sent when the requote rule says so. An invalid top
/// cancels the instrument's quotes at once.
package final class SignalProcessor<Output: SignalOutput, S: Strategy> {
    let options: SignalOptions
    @exclusivity(unchecked) package var output: Output
    @exclusivity(unchecked) package var strategy: S
    @exclusivity(unchecked) package private(set) var context: StrategyContext
    @exclusivity(unchecked) private(set) var intentsSent: UInt64 = 0
    /// Strategies' orders sent on (`StrategyContext.order`).
    @exclusivity(unchecked) private(set) var ordersSent: UInt64 = 0
    /// Joins exec's position snapshots with their money.
    @exclusivity(unchecked) private var positionReports = PositionReportReader()
    /// Frames of exec's output that reached the strategy (their position, for `positionReports`).
    @exclusivity(unchecked) private var execFrames: UInt64 = 0
    /// exec's reports the strategy was not given: a report or side no layout defines.
    @exclusivity(unchecked) private(set) var malformedReports: UInt64 = 0
    /// A depth message reached the strategy's books (`Strategy.bookLevels` needs book --pass-deltas).
    @exclusivity(unchecked) private var deltasSeen = false
    @exclusivity(unchecked) private var deltasMissingSaid = false
    let requoteRule: RequoteRule
    /// Tick-to-quote: from the market data's receive time to the intent leaving.
    let latency: LatencyRecorder?
    /// The same, the current second's, for the dashboard (the stage publishes and resets it).
    let latencyWindow = LatencyHistogram()

    package init(options: SignalOptions, strategy: S, output: Output) {
        self.options = options
        self.strategy = strategy
        self.output = output
        context = StrategyContext(bookLevels: max(0, strategy.bookLevels))
        requoteRule = RequoteRule(
            minIntervalNs: Int64(options.minRequoteMs) * 1_000_000, minMoveTicks: options.minMoveTicks)
        latency = options.latency ? LatencyRecorder() : nil
    }

    /// The strategy `options` name, with its parameters.
    package convenience init(options: SignalOptions, output: Output) throws(InvalidArgument) {
        try self.init(options: options, strategy: S(S.parameters.values(options.strategyArguments)), output: output)
    }

    /// A frame of exec's output, when it reaches the strategy: at market time `atNs` (the time exec
    /// wrote it plus the report latency; as it arrives, its own time).
    package func handleExecOutput(_ frame: UnsafePointer<Frame>, atNs: Int64) {
        context.nowNs = max(context.nowNs, atNs)
        execFrames &+= 1
        switch frame.pointee.header.messageType {
        case .positionSnapshot, .positionPnl: position(frame, at: execFrames)
        case .executionReport: orderUpdate(frame)
        default: break
        }
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
        let id = header.instrument
        if header.isBookChange {
            if context.bookLevels > 0 { applyToBook(frame) }
            return
        }
        switch header.messageType {
        case .instrumentDefinition:
            define(frame.pointee.as(InstrumentDefinition.self))
        case .bookTop:
            guard context.instruments.contains(id) else { return }
            advance(to: header.receiveTimeNs)
            let top = frame.pointee.as(BookTop.self)
            if top.isValid {
                if context.bookLevels > 0 && !deltasSeen { deltasMissing() }
                context.instruments[id].top = top
                strategy.onTop(top, context: &context)
                sendQuotes(cause: header)
            } else {
                context.instruments[id].top = nil
                send(.none, id: id, cause: header) // the book went invalid: nothing may rest on a stale price
            }
        case .trade:
            guard context.instruments.contains(id) else { return }
            advance(to: header.receiveTimeNs)
            strategy.onTrade(frame.pointee.as(Trade.self), context: &context)
            sendQuotes(cause: header)
        case .positionSnapshot, .positionPnl:
            position(frame, at: header.sequence)
        case .control:
            // The feed lost the venue: book dropped its book, and so does the strategy's copy.
            if context.bookLevels > 0, context.books.contains(id),
                frame.pointee.as(Control.self).commandRaw == Control.Command.bookReset.rawValue
            {
                _ = context.books[id].reset("the feed lost the venue")
            }
        default:
            break
        }
    }

    /// The session is ending: the strategy's last word (`Strategy.onStop`), its problems said.
    package func finish() {
        strategy.onStop(context: &context)
        for problem in context.problems { output.report("signal: \(problem)") }
        context.problems.removeAll()
    }

    private func define(_ definition: InstrumentDefinition) {
        let id = definition.header.instrument
        guard id >= 1, Int(id) < Instrument.idSlots, let instrument = try? definition.instrument() else {
            return output.report("signal: bad instrument definition \(id); ignored")
        }
        if context.instruments.contains(id) && context.instruments[id].instrument == instrument { return }
        context.instruments.set(
            id, QuotedInstrument(instrument: instrument, quoteSize: options.quoteSize, maxPosition: options.maxPosition)
        )
        if context.bookLevels > 0 { context.books.set(id, OrderBook(instrument: instrument)) }
        strategy.onInstrument(instrument, context: &context)
        sendQuotes(cause: definition.header)
    }

    /// A frame of a depth message into the strategy's copy of the book (book's tops say when it
    /// is valid; the copy follows the same rules on the same frames).
    private func applyToBook(_ frame: UnsafePointer<Frame>) {
        let id = frame.pointee.header.instrument
        guard context.books.contains(id) else { return }
        if frame.pointee.header.type == MessageType.bookLevels.rawValue {
            _ = UnsafeRawPointer(frame).withMemoryRebound(to: BookLevels.self, capacity: 1) {
                context.books[id].apply($0)
            }
        } else {
            _ = UnsafeRawPointer(frame).withMemoryRebound(to: BookDelta.self, capacity: 1) {
                context.books[id].apply($0)
            }
        }
        deltasSeen = true
    }

    /// Fires the timers due by `timeNs` (market time), each before the event at that time.
    @inline(__always)
    private func advance(to timeNs: Int64) {
        while let next = context.takeTimer(dueBy: timeNs) {
            context.nowNs = max(context.nowNs, next.atNs)
            strategy.onTimer(next.timer, context: &context)
            sendQuotes(cause: FrameHeader(type: .control, receiveTimeNs: context.nowNs))
        }
        context.nowNs = max(context.nowNs, timeNs)
    }

    /// A strategy reading levels and tops without the deltas that make them: said once.
    private func deltasMissing() {
        guard !deltasMissingSaid else { return }
        deltasMissingSaid = true
        output.report(
            "signal: --strategy \(S.name) reads \(context.bookLevels) book levels a side, and its input carries book "
                + "tops but no deltas: run book with --pass-deltas (context.book is nil until then)")
    }

    /// Our position from a snapshot's first frame at once; with its money once both frames are in.
    private func position(_ frame: UnsafePointer<Frame>, at position: UInt64) {
        let id = frame.pointee.header.instrument
        guard context.instruments.contains(id), frame.pointee.header.bot == options.bot else { return }
        if frame.pointee.header.messageType == .positionSnapshot {
            context.instruments[id].positionLots = frame.pointee.as(PositionSnapshot.self).position
        }
        guard let report = positionReports.add(frame.pointee, at: position) else { return }
        context.instruments[id].positionReport = report
        strategy.onPosition(report, context: &context)
        sendQuotes(cause: FrameHeader(type: .control, receiveTimeNs: context.nowNs))
    }

    private func orderUpdate(_ frame: UnsafePointer<Frame>) {
        let report = frame.pointee.as(ExecutionReport.self)
        guard context.instruments.contains(report.header.instrument), report.header.bot == options.bot else { return }
        guard ExecutionReport.Report(rawValue: report.reportRaw) != nil, Side(rawValue: report.sideRaw) != nil,
            ExecutionReport.RejectReason(rawValue: report.rejectReasonRaw) != nil
        else {
            malformedReports &+= 1
            if malformedReports == 1 {
                output.report(
                    "signal: exec's report \(report.reportRaw) side \(report.sideRaw) reason "
                        + "\(report.rejectReasonRaw) is none the frame layout defines; not given to the strategy")
            }
            return
        }
        strategy.onOrderUpdate(report, context: &context)
        sendQuotes(cause: FrameHeader(type: .control, receiveTimeNs: context.nowNs))
    }

    /// The quotes the strategy asked for during the event `cause` began, and its problems.
    @inline(__always)
    private func sendQuotes(cause: FrameHeader) {
        if !context.problems.isEmpty {
            for problem in context.problems { output.report("signal: \(problem)") }
            context.problems.removeAll()
        }
        if !context.pendingOrders.isEmpty { sendOrders(cause: cause) }
        guard !context.pendingQuotes.isEmpty else { return }
        for id in context.pendingQuotes {
            let asked = context.instruments[id].asked
            context.instruments[id].asked = .nothing
            guard context.instruments[id].top != nil else { continue }
            if asked == .quote {
                send(context.instruments[id].desired, id: id, cause: cause)
            } else {
                send(context.instruments[id].desiredLadder, id: id, cause: cause)
            }
        }
        context.pendingQuotes.removeAll(keepingCapacity: true)
    }

    /// The orders the strategy asked for, each for an instrument with a valid book.
    private func sendOrders(cause: FrameHeader) {
        for order in context.pendingOrders
        where context.instruments.contains(order.instrument) && context.instruments[order.instrument].top != nil {
            var header = intentHeader(order.instrument, cause: cause)
            header.type = MessageType.orderIntent.rawValue
            let intent = OrderIntent(
                header: header, side: order.side, orderType: order.price == nil ? .market : .limit,
                price: order.price ?? 0, size: order.size)
            if let defect = intent.defect {
                output.report("signal: an order of --strategy \(S.name) not sent: \(defect)")
                continue
            }
            output.emit(intent, instrument: context.instruments[order.instrument].instrument)
            ordersSent &+= 1
        }
        context.pendingOrders.removeAll(keepingCapacity: true)
    }

    private func send(_ ladder: QuoteLadder, id: UInt32, cause: FrameHeader) {
        let now = context.nowNs
        guard
            requoteRule.shouldSend(
                ladder, last: context.instruments[id].lastLadder, lastSentNs: context.instruments[id].lastSentNs,
                nowNs: now)
        else { return }
        context.instruments[id].lastLadder = ladder
        context.instruments[id].lastQuote = nil
        context.instruments[id].lastSentNs = now
        let header = intentHeader(id, cause: cause)
        output.emit(ladder, header: header, instrument: context.instruments[id].instrument)
        sent(header, cause: cause)
    }

    private func send(_ quote: Quote, id: UInt32, cause: FrameHeader) {
        let now = context.nowNs
        guard
            requoteRule.shouldSend(
                quote, last: context.instruments[id].lastQuote, lastSentNs: context.instruments[id].lastSentNs,
                nowNs: now)
        else { return }
        context.instruments[id].lastQuote = quote
        context.instruments[id].lastLadder = nil
        context.instruments[id].lastSentNs = now
        var header = intentHeader(id, cause: cause)
        header.flags = [.endOfMessage]
        output.emit(quote.intent(header: header), instrument: context.instruments[id].instrument)
        sent(header, cause: cause)
    }

    /// An intent's header, stamped as its cause: a market frame's receive time (tick-to-quote is
    /// read off it), or the market time of a timer or of exec's report.
    @inline(__always)
    private func intentHeader(_ id: UInt32, cause: FrameHeader) -> FrameHeader {
        var header = cause
        header.type = MessageType.quoteIntent.rawValue
        header.flags = []
        header.instrument = id
        header.bot = options.bot
        return header
    }

    /// Counts an intent out and, when a market frame caused it, its tick-to-quote.
    @inline(__always)
    private func sent(_ header: FrameHeader, cause: FrameHeader) {
        intentsSent &+= 1
        guard cause.type != MessageType.control.rawValue else { return }
        let elapsed = SystemClock.realtimeNanoseconds() - header.receiveTimeNs
        latencyWindow.record(elapsed)
        latency?.record(elapsed)
    }
}
