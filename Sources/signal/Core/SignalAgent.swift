import Glibc
import IPC

/// The signal stage on the agent runner, around strategy `S`: polls its input and exec's output
/// (merged in market time by `ReportMerge`, or as it arrives), hands frames to the processor,
/// which writes the strategy's intents to the output.
public final class SignalAgent<S: Strategy>: Agent {
    public let name = "signal"
    @exclusivity(unchecked) private var source: FrameSource
    /// exec's output, for position snapshots: merged in market time by `merge` (a gating reader),
    /// or polled each cycle as it arrives (lossy: signal never slows exec).
    @exclusivity(unchecked) private var positions: FrameSource?
    @exclusivity(unchecked) private var merge: ReportMerge?
    /// Since when (monotonic) `merge` has waited for exec with no progress frame ever seen.
    @exclusivity(unchecked) private var waitingWithoutProgressSinceNs: Int64?
    static var progressMissingAfterNs: Int64 { 10_000_000_000 }
    let processor: SignalProcessor<SignalStageOutput, S>
    let options: SignalOptions
    public let membership: SessionMembership?

    /// Runs the stage `options` describe and exits with its stop. The runner is specialised
    /// here, in the core, so that the duty cycle's calls into the agent are direct.
    public static func run(_ options: SignalOptions) -> Never {
        ToolStart.run(idle: options.idle) { () throws(AgentStop) in try SignalAgent(options) }
    }

    /// Opens what `options` name: the input, the output, the session and exec's positions.
    convenience init(_ options: SignalOptions) throws(AgentStop) {
        let strategy: S
        do { strategy = try S(S.parameters.values(options.strategyArguments)) } catch {
            throw .failure("signal: \(error)")
        }
        do {
            let source = try FrameSource(options.input, tool: "signal", idle: options.idle)
            var sink: FrameSink?
            if case .frames(let endpoint) = options.output { sink = try FrameSink(endpoint) }
            let membership = try options.session.map { (session) throws(SegmentError) in
                try SessionMembership(session, role: .signal, detail: options.strategy.name)
            }
            // exec creates its ring after signal's: wait for it.
            let positions = try options.positions.map { (endpoint) throws(SegmentError) in
                options.reportLatencyNs == nil
                    ? try FrameSource(endpoint, tool: "signal", idle: .yield, mode: .lossy, waitNs: 60_000_000_000)
                    : try FrameSource(endpoint, tool: "signal", idle: options.idle, waitNs: 60_000_000_000)
            }
            self.init(
                options: options, strategy: strategy, source: source, sink: sink, membership: membership,
                positions: positions)
        } catch {
            throw .system("signal: \(error)")
        }
    }

    init(
        options: SignalOptions, strategy: S, source: FrameSource, sink: FrameSink?, membership: SessionMembership?,
        positions: FrameSource?
    ) {
        self.options = options
        self.source = source
        self.positions = positions
        self.membership = membership
        if let positions, let latency = options.reportLatencyNs {
            merge = ReportMerge(latencyNs: latency, exec: positions)
        }
        processor = SignalProcessor(
            options: options, strategy: strategy,
            output: SignalStageOutput(json: options.output == .json, idle: options.idle, sink: sink))
    }

    public var readers: Int { options.readers }
    public var output: FrameSink? {
        get { processor.output.sink }
        _modify { yield &processor.output.sink }
    }

    public func forEachInput(_ body: (FrameSource) -> Void) {
        body(source)
        if let positions { body(positions) }
    }

    public func doWork(now: Int64) throws(AgentStop) -> Int {
        let polled: FrameSource.Poll
        if merge != nil {
            polled = source.poll(
                limit: 1_024,
                while: { frame in
                    merge!.admits(frame.pointee.header.receiveTimeNs, exec: &positions!) {
                        processor.handleExecOutput(
                            $0,
                            atNs: ReportMerge.visibleAtNs($0.pointee.header.receiveTimeNs, latencyNs: merge!.latencyNs))
                    }
                }
            ) { processor.handle($0) }
            if let through = merge!.claim() { processor.output.progress(through: through) }
            if merge!.waitingForNs == nil || merge!.sawProgress {
                waitingWithoutProgressSinceNs = nil
            } else if let since = waitingWithoutProgressSinceNs {
                if now - since > SignalAgent.progressMissingAfterNs {
                    let seconds = SignalAgent.progressMissingAfterNs / 1_000_000_000
                    throw .failure(
                        "signal: exec wrote no progress frame in \(seconds) s "
                            + "on \(options.positions!): --report-latency-ms merges exec's output in market time and "
                            + "needs exec --progress (or signal --report-latency-ms arrival)")
                }
            } else {
                waitingWithoutProgressSinceNs = now
            }
        } else {
            do {
                if positions != nil {
                    _ = try positions!.poll(limit: 1_024) {
                        processor.handleExecOutput($0, atNs: $0.pointee.header.receiveTimeNs)
                    }
                }
                polled = try source.poll(limit: 1_024) { processor.handle($0) }
            } catch {
                throw .failure("signal: \(error)")
            }
        }
        if let error = processor.output.sinkError { throw .system("signal: writing quotes: \(error)") }
        switch polled {
        case .frames(let count): return count
        case .idle: return 0
        case .endOfStream: throw .endOfStream
        }
    }

    /// Waiting for exec (`ReportMerge`), on exec's ring, polling it a while first: exec is
    /// answering.
    public func idle(_ strategy: inout IdleStrategy) {
        if let merge, merge.waitingForNs != nil {
            positions!.idle(&strategy, spinNs: IdleStrategy.handOffSpinNs)
        } else {
            source.idle(&strategy)
        }
    }

    public func publishGauges(_ membership: SessionMembership) {
        membership.setGauge(.quotes, Double(processor.intentsSent))
        membership.publishLatency(processor.latencyWindow)
    }

    public func finish(_ stop: AgentStop) -> AgentStop {
        processor.finish()
        fflush(nil)
        StandardError.line(
            "signal: \(processor.intentsSent) quote intents"
                + (processor.ordersSent > 0 ? ", \(processor.ordersSent) orders" : ""))
        if let latency = processor.latency { StandardError.line("signal: tick-to-quote ns \(latency.summary())") }
        return stop
    }
}

/// signal's output: intents as frames on its ring or pipe, or as JSON lines.
struct SignalStageOutput: SignalOutput {
    let json: Bool
    let idle: IdleStrategy.Mode
    var sink: FrameSink?
    var sinkError: FrameSink.SinkError?

    mutating func emit(_ intent: QuoteIntent, instrument: Instrument) {
        if json {
            print(SignalStageOutput.json(intent, instrument: instrument))
            return
        }
        guard sinkError == nil, sink != nil else { return }
        do { try sink!.write(Frame(intent), idle: idle, stop: { SignalCounters.shutdownRequested }) } catch {
            sinkError = error
        }
    }

    /// A strategy's order: its frame, or a JSON line.
    mutating func emit(_ order: OrderIntent, instrument: Instrument) {
        guard json else {
            guard sinkError == nil, sink != nil else { return }
            do { try sink!.write(Frame(order), idle: idle, stop: { SignalCounters.shutdownRequested }) } catch {
                sinkError = error
            }
            return
        }
        let price = order.orderType == .market ? "null" : "\"\(instrument.formatPrice(order.price))\""
        print(
            "{\"symbol\":\"\(instrument.symbol)\",\"receive_time_ns\":\(order.header.receiveTimeNs),\"order\":"
                + "{\"side\":\"\(order.side == .buy ? "buy" : "sell")\",\"price\":\(price),"
                + "\"size\":\"\(instrument.formatSize(order.size))\"}}")
    }

    /// A ladder: its frames, or one JSON line with every level.
    mutating func emit(_ ladder: QuoteLadder, header: FrameHeader, instrument: Instrument) {
        guard json else {
            for index in 0..<ladder.frameCount { emit(ladder.frame(index, header: header), instrument: instrument) }
            return
        }
        print(SignalStageOutput.json(ladder, receiveTimeNs: header.receiveTimeNs, instrument: instrument))
    }

    mutating func pass(_ frame: UnsafePointer<Frame>) {
        guard sinkError == nil, sink != nil else { return }
        do { try sink!.write(frame.pointee, idle: idle, stop: { SignalCounters.shutdownRequested }) } catch {
            sinkError = error
        }
    }

    /// Tells exec how far signal has derived everything (`ReportMerge.claim`).
    mutating func progress(through: Int64) {
        withUnsafePointer(to: Frame(Control.progress(through: through))) { pass($0) }
    }

    func report(_ problem: String) { StandardError.line(problem) }

    /// `{"symbol":…,"receive_time_ns":…,"bids":[{"price":…,"size":…},…],"asks":[…]}`, best first.
    static func json(_ ladder: QuoteLadder, receiveTimeNs: Int64, instrument: Instrument) -> String {
        func side(_ side: Side) -> String {
            "["
                + (0..<ladder.count(side)).map {
                    let (price, size) = ladder.level(side, $0)
                    return
                        "{\"price\":\"\(instrument.formatPrice(price))\",\"size\":\"\(instrument.formatSize(size))\"}"
                }.joined(separator: ",") + "]"
        }
        return "{\"symbol\":\"\(instrument.symbol)\",\"receive_time_ns\":\(receiveTimeNs),\"bids\":\(side(.buy))"
            + ",\"asks\":\(side(.sell))}"
    }

    static func json(_ intent: QuoteIntent, instrument: Instrument) -> String {
        func side(_ price: Int64, _ size: Int64) -> String {
            size == 0
                ? "null"
                : "{\"price\":\"\(instrument.formatPrice(price))\",\"size\":\"\(instrument.formatSize(size))\"}"
        }
        return "{\"symbol\":\"\(instrument.symbol)\",\"receive_time_ns\":\(intent.header.receiveTimeNs)"
            + ",\"bid\":\(side(intent.bidPrice, intent.bidSize)),\"ask\":\(side(intent.askPrice, intent.askSize))}"
    }
}
