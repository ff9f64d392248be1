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
    private var source: FrameSource
    let processor: ExecProcessor<StageOutput>
    let membership: SessionMembership?

    init(options: ExecOptions, source: FrameSource, sink: FrameSink?, journal: Journal?, membership: SessionMembership?) {
        self.options = options
        self.source = source
        self.membership = membership
        processor = ExecProcessor(options: options, output: StageOutput(journal: journal, idle: options.idle, sink: sink))
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
        var nextHeartbeat = Clock.monotonicNanoseconds()
        let summaryEveryNs = Int64(options.summaryEverySeconds) * 1_000_000_000
        var nextSummary = nextHeartbeat + summaryEveryNs
        var nextGauges = nextHeartbeat
        var flattensHandled = membership?.controlBlock.flattenRequests ?? 0
        // How long the input took, first frame to last (monotonic): at full speed, the pipeline's
        // throughput without the processes' start-up.
        var framesIn = 0
        var firstInputNs: Int64 = 0
        var lastInputNs: Int64 = 0
        loop: while !SignalFlags.shutdownRequested {
            let polled: FrameSource.Poll
            let pollStartNs = framesIn == 0 ? Clock.monotonicNanoseconds() : 0
            do {
                polled = try source.poll(limit: 1_024) { processor.handle($0) }
            } catch {
                result = (ExitCode.failure, "exec: \(error)")
                break
            }
            if let failure = processor.output.failure { return (ExitCode.system, failure) }
            let now = Clock.monotonicNanoseconds()
            if now >= nextHeartbeat {
                nextHeartbeat = now + 100_000_000
                membership?.heartbeat(now: now)
                source.heartbeat(now: now)
                processor.output.sink?.heartbeat(now: now)
                if now >= nextGauges, let membership {
                    nextGauges = now + 1_000_000_000
                    processor.publishGauges(membership)
                }
                if summaryEveryNs > 0, now >= nextSummary {
                    nextSummary = now + summaryEveryNs
                    for state in processor.instruments { StandardError.line(ExecStage.summary(state, commands: processor.commandsSent)) }
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
                if processor.flattening {
                    processor.continueFlatten()
                    if processor.isFlat && block.flattensDone != flattensHandled {
                        block.flattenDone(upTo: flattensHandled)
                        StandardError.line("exec: flat: no order working, no position")
                    }
                }
            }
            switch polled {
            case .frames(let count):
                idle.reset()
                processor.inputArrived(atWallNs: now)
                if framesIn == 0 { firstInputNs = pollStartNs }
                framesIn += count
                lastInputNs = now
            case .endOfStream: break loop
            case .idle:
                processor.idle()
                source.idle(&idle)
            }
            do {
                try processor.output.journal?.flush()
                try processor.output.sink?.flush()
            } catch {
                return (ExitCode.system, "exec: \(error)")
            }
        }
        processor.cancelAllAtEnd()
        do {
            try processor.output.journal?.flush()
            try processor.output.sink?.close()
        } catch {
            return (ExitCode.system, "exec: \(error)")
        }
        if let failure = processor.output.failure { return (ExitCode.system, failure) }
        source.close()
        membership?.leave()
        for state in processor.instruments { StandardError.line(ExecStage.summary(state, commands: processor.commandsSent)) }
        if let latency = processor.latency { StandardError.line("exec: tick-to-order ns \(latency.summary())") }
        StandardError.line("exec: \(framesIn) input frames in \(Double((lastInputNs - firstInputNs) / 1_000) / 1e6) s, first to last")
        return result
    }

    static func summary(_ state: ExecProcessor<StageOutput>.InstrumentState, commands: UInt64) -> String {
        let ledger = state.ledger
        let instrument = state.instrument
        // One tick × lot in the quote currency, for the reader: the books themselves stay exact.
        let unit = instrument.tickSize * instrument.lotSize
        func quote(_ units: Int64) -> String { "\((Double(units) * unit * 1e6).rounded() / 1e6)" }
        return "exec: \(instrument.symbol): \(ledger.fills) fills, volume \(instrument.formatSize(ledger.volume)), "
            + "position \(instrument.formatSize(ledger.position)), realized \(ledger.realizedPnl) and fees \(ledger.fees) "
            + "ticks × lots (\(quote(ledger.realizedPnl)) and \(quote(ledger.fees)) in quote currency), \(commands) order commands"
    }
}
