import Glibc
import IPC

/// The signal process's duty cycle: poll the input, hand frames to the processor, flush the
/// output, watch the upstream producer.
final class SignalStage {
    struct StageOutput: SignalOutput {
        let json: Bool
        let idle: IdleStrategy.Mode
        var sink: FrameSink?
        var sinkError: FrameSink.SinkError?

        mutating func emit(_ intent: QuoteIntent, instrument: Instrument) {
            if json {
                print(SignalStage.json(intent, instrument: instrument))
                return
            }
            guard sinkError == nil, sink != nil else { return }
            do { try sink!.write(Frame(intent), idle: idle, stop: { SignalFlags.shutdownRequested }) } catch { sinkError = error }
        }

        mutating func pass(_ frame: UnsafePointer<Frame>) {
            guard sinkError == nil, sink != nil else { return }
            do { try sink!.write(frame.pointee, idle: idle, stop: { SignalFlags.shutdownRequested }) } catch { sinkError = error }
        }

        func report(_ problem: String) { StandardError.line(problem) }
    }

    static func json(_ intent: QuoteIntent, instrument: Instrument) -> String {
        func side(_ price: Int64, _ size: Int64) -> String {
            size == 0 ? "null" : "{\"price\":\"\(instrument.formatPrice(price))\",\"size\":\"\(instrument.formatSize(size))\"}"
        }
        return "{\"symbol\":\"\(instrument.symbol)\",\"receive_time_ns\":\(intent.header.receiveTimeNs)"
            + ",\"bid\":\(side(intent.bidPrice, intent.bidSize)),\"ask\":\(side(intent.askPrice, intent.askSize))}"
    }

    private var source: FrameSource
    /// exec's output, polled each cycle for position snapshots (lossy: signal never slows exec).
    private var positions: FrameSource?
    let processor: SignalProcessor<StageOutput>
    let options: SignalOptions
    let membership: SessionMembership?

    init(options: SignalOptions, source: FrameSource, sink: FrameSink?, membership: SessionMembership?, positions: FrameSource?) {
        self.options = options
        self.source = source
        self.positions = positions
        self.membership = membership
        processor = SignalProcessor(options: options, output: StageOutput(json: options.output == .json, idle: options.idle, sink: sink))
    }

    func run() -> (code: Int32, message: String?) {
        var idle = IdleStrategy(options.idle)
        var nextHeartbeat = SystemClock.monotonicNanoseconds()
        var nextGauges = nextHeartbeat
        var upstream = UpstreamWatch(tool: "signal", now: nextHeartbeat)
        if var sink = processor.output.sink {
            switch sink.awaitReadersOrClose(options.readers, membership: membership, tool: "signal") {
            case .attached: break
            case .stopped: return (ExitCode.success, nil)
            case .timedOut(let reason): return (ExitCode.system, reason)
            }
        }
        var result: (code: Int32, message: String?) = (ExitCode.success, nil)
        loop: while !SignalFlags.shutdownRequested {
            let polled: FrameSource.Poll
            do {
                if positions != nil {
                    _ = try positions!.poll(limit: 1_024) { frame in
                        if frame.pointee.header.messageType == .positionSnapshot { processor.handle(frame) }
                    }
                }
                polled = try source.poll(limit: 1_024) { processor.handle($0) }
            } catch {
                result = (ExitCode.failure, "signal: \(error)")
                break
            }
            if let error = processor.output.sinkError { return (ExitCode.system, "signal: writing quotes: \(error)") }
            let now = SystemClock.monotonicNanoseconds()
            if now >= nextHeartbeat {
                nextHeartbeat = now + 100_000_000
                membership?.heartbeat(now: now)
                processor.output.sink?.heartbeat(now: now)
                source.heartbeat(now: now)
                if now >= nextGauges, let membership {
                    nextGauges = now + 1_000_000_000
                    membership.setGauge(.quotes, Double(processor.intentsSent))
                    membership.publishLatency(processor.latencyWindow)
                }
            }
            switch polled {
            case .frames:
                idle.reset()
                upstream.inputArrived(now: now)
            case .endOfStream:
                break loop
            case .idle:
                if let problem = upstream.problem(with: source, now: now) {
                    result = (ExitCode.failure, problem)
                    break loop
                }
                processor.output.sink?.wakeDeferred() // before this stage may sleep
                let sleeps = idle.shouldSleep
                source.idle(&idle)
                if sleeps { processor.output.sink?.wakeAhead() } // woken, most likely with work
            }
            do { try processor.output.sink?.flush(deferringWake: true) } catch { return (ExitCode.system, "signal: writing quotes: \(error)") }
        }
        fflush(nil)
        do { try processor.output.sink?.close() } catch { return (ExitCode.system, "signal: closing its output: \(error)") }
        source.close()
        positions?.close()
        membership?.leave()
        StandardError.line("signal: \(processor.intentsSent) quote intents")
        if let latency = processor.latency { StandardError.line("signal: tick-to-quote ns \(latency.summary())") }
        return result
    }
}
