import Glibc
import IPC

/// The book stage on the agent runner: polls its input, hands frames to the processor, writes
/// progress frames (`--progress`), and prints the dump or redraws the dashboard on its interval.
public final class BookAgent: Agent {
    /// Tops as frames, JSON lines or nothing (the dump reads the books directly); frames passed
    /// through to the sink; problems to stderr. A write error is kept for the duty cycle to act on.
    struct StageOutput: BookOutput {
        let mode: BookOptions.Output
        /// With --json: trades too, and levels a side in each top.
        let jsonTrades: Bool
        let jsonDepth: Int
        /// The instruments defined so far, for the trades' lines.
        var instruments = [Instrument?](repeating: nil, count: Instrument.idSlots)
        let idle: IdleStrategy.Mode
        let membership: SessionMembership?
        var sink: FrameSink?
        var sinkError: FrameSink.SinkError?

        mutating func publish(_ top: BookTop, book: OrderBook) {
            switch mode {
            case .frames: emit(Frame(top))
            case .json: print(BookPrinter.json(top, book: book, depth: jsonDepth))
            case .dump, .dashboard: break
            }
        }

        mutating func pass(_ frame: UnsafePointer<Frame>) {
            if mode == .json && jsonTrades { printTrade(frame) }
            emit(frame.pointee)
        }

        /// A trade's line (--json --trades); definitions are kept for its symbol.
        private mutating func printTrade(_ frame: UnsafePointer<Frame>) {
            let id = Int(frame.pointee.header.instrument)
            guard id >= 1, id < instruments.count else { return }
            switch frame.pointee.header.messageType {
            case .instrumentDefinition: instruments[id] = try? frame.pointee.as(InstrumentDefinition.self).instrument()
            case .trade:
                if let instrument = instruments[id] {
                    print(BookPrinter.json(frame.pointee.as(Trade.self), instrument: instrument))
                }
            default: break
            }
        }

        /// A progress frame: every output derived from messages received up to `through` is ahead of it.
        mutating func progress(through: Int64) {
            emit(Frame(Control.progress(through: through)))
        }

        func report(_ problem: String) { StandardError.line(problem) }

        func requestResync(instrument: UInt32) {
            membership?.controlBlock.requestResync(instrument: instrument)
        }

        private mutating func emit(_ frame: Frame) {
            guard sinkError == nil, sink != nil else { return }
            do { try sink!.write(frame, idle: idle, stop: { SignalCounters.shutdownRequested }) } catch {
                sinkError = error
            }
        }
    }

    public let name = "book"
    let options: BookOptions
    @exclusivity(unchecked) private var source: FrameSource
    let processor: BookProcessor<StageOutput>
    @exclusivity(unchecked) private var dashboard: Dashboard?
    /// SIGWINCHes seen: the terminal's size changed.
    @exclusivity(unchecked) private var resizes: UInt32 = 0
    private let intervalNs: Int64
    @exclusivity(unchecked) private var nextDisplay: Int64
    /// The last market frame handled, and (--progress) the last progress frame written.
    @exclusivity(unchecked) private var lastInputTimeNs = Int64.min
    @exclusivity(unchecked) private var lastInputEndsMessage = true
    @exclusivity(unchecked) private var progressSentNs = Int64.min

    /// Runs the stage `options` describe and exits with its stop. The runner is specialised
    /// here, in the core, so that the duty cycle's calls into the agent are direct.
    public static func run(_ options: BookOptions) -> Never {
        ToolStart.run(idle: options.idle) { () throws(AgentStop) in try BookAgent(options) }
    }

    /// Opens what `options` name: the input, the output, the session and the dashboard's inputs.
    convenience init(_ options: BookOptions) throws(AgentStop) {
        do {
            let source = try FrameSource(
                options.input, tool: "book", idle: options.idle, mode: options.lossy ? .lossy : .gating)
            var sink: FrameSink?
            if case .frames(let endpoint) = options.output { sink = try FrameSink(endpoint) }
            let membership = try options.session.map { (session) throws(SegmentError) in
                try SessionMembership(session, role: .book, detail: "\(options.output)")
            }
            var dashboard: Dashboard?
            if options.output == .dashboard, let membership {
                let exec = try options.execOutput.map { (endpoint) throws(SegmentError) in
                    try FrameSource(endpoint, tool: "book", idle: .yield, mode: .lossy, waitNs: 60_000_000_000)
                }
                dashboard = Dashboard(membership: membership, exec: exec, logDirectory: options.logDirectory)
            }
            self.init(options: options, source: source, sink: sink, membership: membership, dashboard: dashboard)
        } catch {
            throw .system("book: \(error)")
        }
    }

    init(
        options: BookOptions, source: FrameSource, sink: FrameSink?, membership: SessionMembership?,
        dashboard: Dashboard? = nil
    ) {
        self.options = options
        self.source = source
        self.dashboard = dashboard
        processor = BookProcessor(
            output: StageOutput(
                mode: options.output, jsonTrades: options.jsonTrades, jsonDepth: options.jsonDepth, idle: options.idle,
                membership: membership, sink: sink),
            passDeltas: options.passDeltas)
        intervalNs = Int64(options.intervalSeconds * 1e9)
        nextDisplay = SystemClock.monotonicNanoseconds() + intervalNs
        if dashboard != nil {
            // A resized terminal is redrawn at once, fitted to its new size.
            SignalCounters.install([SIGWINCH])
            resizes = SignalCounters.count(SIGWINCH)
            print(Terminal.clear + Terminal.hideCursor, terminator: "")
        }
    }

    public var membership: SessionMembership? { processor.output.membership }
    public var readers: Int { options.readers }
    public var output: FrameSink? {
        get { processor.output.sink }
        _modify { yield &processor.output.sink }
    }

    public func forEachInput(_ body: (FrameSource) -> Void) { body(source) }

    public func doWork(now: Int64) throws(AgentStop) -> Int {
        let polled: FrameSource.Poll
        do {
            polled = try source.poll(limit: 1_024) { frame in
                processor.handle(frame)
                lastInputTimeNs = frame.pointee.header.receiveTimeNs
                lastInputEndsMessage = frame.pointee.header.endsMessage
            }
        } catch {
            throw .failure("book: \(error)")
        }
        // Receive times name messages (feed's `MessageTimeline`): every output of the messages
        // received up to `through` is staged, ahead of the progress frame.
        let through = lastInputEndsMessage ? lastInputTimeNs : lastInputTimeNs &- 1
        if options.progress && through > progressSentNs {
            progressSentNs = through
            processor.output.progress(through: through)
        }
        if let error = processor.output.sinkError { throw .system("book: writing \(options.output): \(error)") }
        switch polled {
        case .frames(let count): return count
        case .idle: return 0
        case .endOfStream: throw .endOfStream
        }
    }

    public func idle(_ strategy: inout IdleStrategy) { source.idle(&strategy) }

    public func housekeeping(now: Int64) {
        dashboard?.heartbeat(now: now)
        if dashboard != nil, SignalCounters.count(SIGWINCH) != resizes {
            resizes = SignalCounters.count(SIGWINCH)
            print(Terminal.clear, terminator: "")
            nextDisplay = now
        }
        guard now >= nextDisplay else { return }
        nextDisplay = now + intervalNs
        display()
    }

    public func finish(_ stop: AgentStop) -> AgentStop {
        display()
        if dashboard != nil {
            print(Terminal.showCursor, terminator: "")
            fflush(nil)
            dashboard?.close()
        }
        return stop
    }

    private func display() {
        if options.output == .dump { printDump() }
        if options.output == .dashboard { drawDashboard() }
    }

    private func printDump() {
        for book in processor.activeBooks {
            let id = Int(book.instrument.id)
            print(
                BookPrinter.dump(
                    book, levels: options.levels, sizes: options.sizes,
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
        let lines = dashboard!.lines(
            processor, levels: options.levels, sizes: options.sizes, rows: size.rows, columns: size.columns)
        print(Terminal.screen(lines, rows: size.rows, columns: size.columns), terminator: "")
        fflush(nil)
    }
}
