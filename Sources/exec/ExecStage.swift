import Glibc
import IPC

/// The exec process's duty cycle: poll the input, hand frames to the processor, flush the journal
/// and the output, obey a halt from the session, and at the end cancel everything and say where
/// the book stands.
final class ExecStage {
    struct StageOutput: ExecOutput {
        let journal: Journal?
        let idle: IdleStrategy.Mode
        var sink: FrameSink?
        var failure: String?

        mutating func record(_ frame: Frame) {
            guard failure == nil else { return }
            do {
                try journal?.append(frame)
            } catch {
                failure = "\(error)"
            }
            guard sink != nil else { return }
            do { try sink!.write(frame, idle: idle, stop: { SignalFlags.shutdownRequested }) } catch { failure = "exec: writing its output: \(error)" }
        }

        func report(_ problem: String) { StandardError.line(problem) }
    }

    let options: ExecOptions
    /// Signal's output: with `market`, its tops and intents; without, the market passed through too.
    @exclusivity(unchecked) private var source: FrameSource
    /// The market read from feed's ring itself (`--market`), merged with `source` by `merge`.
    @exclusivity(unchecked) private var market: FrameSource?
    @exclusivity(unchecked) private var merge = MarketMerge()
    /// A top or intent read from signal, waiting for the market message that caused it.
    @exclusivity(unchecked) private var pending: Frame?
    let processor: ExecProcessor<StageOutput>
    let membership: SessionMembership?

    init(options: ExecOptions, source: FrameSource, market: FrameSource? = nil, sink: FrameSink?, journal: Journal?,
         membership: SessionMembership?) {
        self.options = options
        self.source = source
        self.market = market
        self.membership = membership
        processor = ExecProcessor(options: options, output: StageOutput(journal: journal, idle: options.idle, sink: sink))
    }

    /// Up to about `limit` frames from the market and signal's output, in `MarketMerge`'s order.
    private func pollMerged(limit: Int) -> FrameSource.Poll {
        var count = 0
        while count < limit {
            // Signal's output, up to the first top or intent that has to wait for the market.
            if pending == nil && !merge.signalEnded {
                let polled = source.poll(limit: limit - count, while: { _ in pending == nil }) { frame in
                    merge.read(fromSignal: frame.pointee)
                    if MarketMerge.isHandled(fromSignal: frame.pointee.header) { pending = frame.pointee }
                }
                switch polled {
                case .frames(let read): count += read
                case .endOfStream: merge.signalEnded = true
                case .idle: break
                }
            }
            if pending != nil, merge.isDue(pending!.header) {
                withUnsafePointer(to: pending!) { processor.handle($0) }
                pending = nil
                continue
            }
            let polled = market!.poll(limit: max(1, limit - count), while: { merge.admits($0.pointee.header) }) { frame in
                merge.handledMarket(frame.pointee.header)
                processor.handle(frame)
            }
            switch polled {
            case .frames(let handled):
                count += handled
            case .endOfStream where !merge.marketEnded:
                merge.marketEnded = true
            case .endOfStream, .idle:
                return count > 0 ? .frames(count) : merge.signalEnded && merge.marketEnded && pending == nil ? .endOfStream : .idle
            }
        }
        return .frames(count)
    }

    func run() -> (code: Int32, message: String?) {
        var idle = IdleStrategy(options.idle)
        if var sink = processor.output.sink {
            switch sink.awaitReadersOrClose(options.readers, membership: membership, tool: "exec") {
            case .attached: break
            case .stopped: return (ExitCode.success, nil)
            case .timedOut(let reason): return (ExitCode.system, reason)
            }
        }
        var result: (code: Int32, message: String?) = (ExitCode.success, nil)
        var nextHeartbeat = SystemClock.monotonicNanoseconds()
        let summaryEveryNs = Int64(options.summaryEverySeconds) * 1_000_000_000
        var nextSummary = nextHeartbeat + summaryEveryNs
        var nextGauges = nextHeartbeat
        var flattensHandled = membership?.controlBlock.flattenRequests ?? 0
        // How long the input took, first frame to last (monotonic): at full speed, the pipeline's
        // throughput without the processes' start-up.
        var framesIn = 0
        var firstInputNs: Int64 = 0
        var lastInputNs: Int64 = 0
        // An input whose producer died or went silent ends the run, after a flatten: the
        // position is not left open because a stage upstream failed.
        var signalWatch = UpstreamWatch(tool: "exec", now: nextHeartbeat)
        var marketWatch = UpstreamWatch(tool: "exec", now: nextHeartbeat)
        var upstreamFailure: (problem: String, deadline: Int64)?
        loop: while !SignalFlags.shutdownRequested {
            let polled: FrameSource.Poll
            let pollStartNs = framesIn == 0 ? SystemClock.monotonicNanoseconds() : 0
            do {
                if market != nil {
                    polled = pollMerged(limit: 1_024)
                } else {
                    polled = try source.poll(limit: 1_024) { processor.handle($0) }
                }
            } catch {
                result = (ExitCode.failure, "exec: \(error)")
                break
            }
            if let failure = processor.output.failure { return (ExitCode.system, failure) }
            let now = SystemClock.monotonicNanoseconds()
            if now >= nextHeartbeat {
                nextHeartbeat = now + 100_000_000
                membership?.heartbeat(now: now)
                source.heartbeat(now: now)
                market?.heartbeat(now: now)
                processor.output.sink?.heartbeat(now: now)
                if now >= nextGauges, let membership {
                    nextGauges = now + 1_000_000_000
                    processor.publishGauges(membership)
                }
                if summaryEveryNs > 0, now >= nextSummary {
                    nextSummary = now + summaryEveryNs
                    for state in processor.instruments { StandardError.line(ExecStage.summary(state)) }
                }
                if let block = membership?.controlBlock, block.isHalted, !processor.halted {
                    processor.halted = true
                    StandardError.line("exec: trading halted (\(block.haltReason ?? "no reason given")): cancelling every order")
                    processor.cancelAll()
                }
            }
            if let block = membership?.controlBlock {
                let requests = block.flattenRequests
                if requests != flattensHandled {
                    flattensHandled = requests
                    StandardError.line("exec: flatten requested: cancelling every order, closing every position")
                    processor.flatten()
                }
            }
            if processor.flattening { processor.continueFlatten() }
            switch polled {
            case .frames(let count):
                idle.reset()
                signalWatch.inputArrived(now: now)
                marketWatch.inputArrived(now: now)
                processor.inputArrived(atWallNs: now)
                if framesIn == 0 { firstInputNs = pollStartNs }
                framesIn += count
                lastInputNs = now
            case .endOfStream: break loop
            case .idle:
                processor.idle()
                if upstreamFailure == nil,
                   let problem = signalWatch.problem(with: source, now: now) ?? market.flatMap({ marketWatch.problem(with: $0, now: now) }) {
                    StandardError.line("\(problem): flattening, then stopping")
                    processor.flatten()
                    upstreamFailure = (problem, now + 1_000_000_000)
                }
                if let (problem, deadline) = upstreamFailure, processor.isFlat || now > deadline {
                    result = (ExitCode.failure, problem + (processor.isFlat ? "; flat, stopped" : "; not flat within 1 s, stopped"))
                    break loop
                }
                // Merged, the market waits on signal's output: that is where progress comes from.
                if let market, merge.signalEnded { market.idle(&idle) } else { source.idle(&idle) }
            }
            do {
                try processor.output.journal?.flush()
                try processor.output.sink?.flush()
            } catch {
                return (ExitCode.system, "exec: \(error)")
            }
            // Confirmed once the closing fills and positions are out, for risk to read first.
            if let block = membership?.controlBlock { confirmFlat(block, upTo: flattensHandled) }
        }
        processor.cancelAllAtEnd()
        do {
            try processor.output.journal?.flush()
            try processor.output.journal?.close()
            try processor.output.sink?.close()
        } catch {
            return (ExitCode.system, "exec: \(error)")
        }
        if let block = membership?.controlBlock { confirmFlat(block, upTo: block.flattenRequests) }
        if let failure = processor.output.failure { return (ExitCode.system, failure) }
        source.close()
        market?.close()
        membership?.leave()
        for state in processor.instruments { StandardError.line(ExecStage.summary(state)) }
        if let latency = processor.latency { StandardError.line("exec: tick-to-order ns \(latency.summary())") }
        StandardError.line("exec: \(framesIn) input frames in \(Double((lastInputNs - firstInputNs) / 1_000) / 1e6) s, first to last")
        return result
    }

    /// Flattening and flat: the session's flatten requests up to `requests` are done.
    private func confirmFlat(_ block: ControlBlock, upTo requests: UInt32) {
        guard processor.flattening, processor.isFlat, block.flattensDone != requests else { return }
        block.flattenDone(upTo: requests)
        StandardError.line("exec: flat: no order working, no position")
    }

    static func summary(_ state: InstrumentState) -> String {
        let ledger = state.ledger
        let instrument = state.instrument
        // One tick × lot in the quote currency, for the reader: the books themselves stay exact.
        let unit = instrument.tickSize * instrument.lotSize
        func quote(_ units: Int128) -> String { "\((Double(units) * unit * 1e6).rounded() / 1e6)" }
        return "exec: \(instrument.symbol): \(ledger.fills) fills, volume \(instrument.formatVolume(ledger.volume)), "
            + "position \(instrument.formatSize(ledger.position)), realized \(ledger.realizedPnl) and fees \(ledger.fees) "
            + "ticks × lots (\(quote(ledger.realizedPnl)) and \(quote(ledger.fees)) in quote currency), \(state.commandsSent) order commands"
    }
}
