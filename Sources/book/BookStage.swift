import Glibc
import IPC

/// The book process's duty cycle: poll the input, hand frames to the processor, flush the
/// output, watch the upstream producer, print the dump on its interval.
final class BookStage {
    let options: BookOptions
    @exclusivity(unchecked) private var source: FrameSource
    let processor: BookProcessor<StageOutput>
    private var dashboard: Dashboard?

    /// Tops as frames, JSON lines or nothing (the dump reads the books directly); frames passed
    /// through to the sink; problems to stderr. A write error is kept for the duty cycle to act on.
    struct StageOutput: BookOutput {
        let mode: BookOptions.Output
        let idle: IdleStrategy.Mode
        let membership: SessionMembership?
        var sink: FrameSink?
        var sinkError: FrameSink.SinkError?

        mutating func publish(_ top: BookTop, book: OrderBook) {
            switch mode {
            case .frames: emit(Frame(top))
            case .json: print(BookPrinter.json(top, book: book))
            case .dump, .dashboard: break
            }
        }

        mutating func pass(_ frame: UnsafePointer<Frame>) { emit(frame.pointee) }

        /// A progress frame: every output derived from messages received up to `through` is ahead of it.
        mutating func progress(through: Int64) {
            let header = FrameHeader(type: .control, flags: .endOfMessage, receiveTimeNs: through)
            emit(Frame(Control(header: header, command: .progress, senderPid: getpid(), value: through)))
        }

        func report(_ problem: String) { StandardError.line(problem) }

        func requestResync(instrument: UInt32) {
            membership?.controlBlock.requestResync(instrument: instrument)
        }

        private mutating func emit(_ frame: Frame) {
            guard sinkError == nil, sink != nil else { return }
            do { try sink!.write(frame, idle: idle, stop: { SignalFlags.shutdownRequested }) } catch { sinkError = error }
        }
    }

    init(options: BookOptions, source: FrameSource, sink: FrameSink?, membership: SessionMembership?, dashboard: Dashboard? = nil) {
        self.options = options
        self.source = source
        self.dashboard = dashboard
        processor = BookProcessor(output: StageOutput(mode: options.output, idle: options.idle, membership: membership, sink: sink),
                                  passDeltas: options.passDeltas)
    }

    private func printDump() {
        for book in processor.activeBooks {
            let id = Int(book.instrument.id)
            print(BookPrinter.dump(book, levels: options.levels, sizes: options.sizes,
                                   spreads: processor.spreadHistories[id], trades: processor.recentTrades[id].inOrder))
            print("")
        }
        fflush(nil)
    }

    /// Redraws the operator's screen in place, cut to the terminal (or 60 × 160 if not one).
    private func drawDashboard() {
        guard dashboard != nil else { return }
        dashboard!.pollExec()
        let size = Terminal.size() ?? (rows: 60, columns: 160)
        let lines = dashboard!.lines(processor, levels: options.levels, sizes: options.sizes)
        print(Terminal.screen(lines, rows: size.rows, columns: size.columns), terminator: "")
        fflush(nil)
    }

    /// Runs until end of stream or SIGINT/SIGTERM; returns the exit code, or throws a one-line
    /// reason with its exit code.
    func run() -> (code: Int32, message: String?) {
        var idle = IdleStrategy(options.idle)
        let intervalNs = Int64(options.intervalSeconds * 1e9)
        var nextDump = SystemClock.monotonicNanoseconds() + intervalNs
        var nextHeartbeat = SystemClock.monotonicNanoseconds()
        var upstream = UpstreamWatch(tool: "book", now: nextHeartbeat)
        var result: (code: Int32, message: String?) = (ExitCode.success, nil)
        if dashboard != nil { print(Terminal.clear + Terminal.hideCursor, terminator: "") }
        if var sink = processor.output.sink {
            switch sink.awaitReadersOrClose(options.readers, membership: processor.output.membership, tool: "book") {
            case .attached: break
            case .stopped: return (ExitCode.success, nil)
            case .timedOut(let reason): return (ExitCode.system, reason)
            }
        }
        // The last market frame handled, and (--progress) the last progress frame written.
        var lastInputTimeNs = Int64.min
        var lastInputEndsMessage = true
        var progressSentNs = Int64.min
        loop: while !SignalFlags.shutdownRequested {
            let polled: FrameSource.Poll
            do {
                polled = try source.poll(limit: 1_024) { frame in
                    processor.handle(frame)
                    lastInputTimeNs = frame.pointee.header.receiveTimeNs
                    lastInputEndsMessage = frame.pointee.header.endsMessage
                }
                // Receive times name messages (feed's `MessageTimeline`): every output of the
                // messages received up to `through` is staged, ahead of the progress frame.
                let through = lastInputEndsMessage ? lastInputTimeNs : lastInputTimeNs &- 1
                if options.progress && through > progressSentNs {
                    progressSentNs = through
                    processor.output.progress(through: through)
                }
            } catch {
                result = (ExitCode.failure, "book: \(error)")
                break
            }
            if let error = processor.output.sinkError { return (ExitCode.system, "book: writing \(options.output): \(error)") }
            let now = SystemClock.monotonicNanoseconds()
            if now >= nextHeartbeat {
                nextHeartbeat = now + 100_000_000
                processor.output.sink?.heartbeat(now: now)
                processor.output.membership?.heartbeat(now: now)
                source.heartbeat(now: now)
                dashboard?.heartbeat(now: now)
            }
            switch polled {
            case .frames:
                idle.reset()
                upstream.inputArrived(now: now)
            case .endOfStream:
                break loop
            case .idle:
                // Quiet for a while: is the producer still there? If not, the stage ends as at
                // the end of its stream, its own output closed, with the reason.
                if let problem = upstream.problem(with: source, now: now) {
                    result = (ExitCode.failure, problem)
                    break loop
                }
                processor.output.sink?.wakeDeferred() // before this stage may sleep
                let sleeps = idle.shouldSleep
                source.idle(&idle)
                if sleeps { processor.output.sink?.wakeAhead() } // woken, most likely with work
            }
            do { try processor.output.sink?.flush(deferringWake: true) } catch { return (ExitCode.system, "book: writing \(options.output): \(error)") }
            if now >= nextDump {
                nextDump = now + intervalNs
                if options.output == .dump { printDump() }
                if options.output == .dashboard { drawDashboard() }
            }
        }
        if options.output == .dump { printDump() }
        if options.output == .dashboard {
            drawDashboard()
            print(Terminal.showCursor, terminator: "")
            fflush(nil)
            dashboard?.close()
        }
        do { try processor.output.sink?.close() } catch { return (ExitCode.system, "book: closing \(options.output): \(error)") }
        source.close()
        processor.output.membership?.leave()
        return result
    }
}
