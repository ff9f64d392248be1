import Glibc
import IPC

/// The exec stage on the agent runner: polls signal's output (and, with `--market`, feed's ring
/// and one signal's ring per bot, merged in market order), hands frames to the processor,
/// flushes the journal, obeys the session's halt and flatten requests, and at the end cancels
/// everything and says where the books stand.
final class ExecAgent<Venues: VenueFactory>: Agent {
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
            do { try sink!.write(frame, idle: idle, stop: { SignalCounters.shutdownRequested }) } catch {
                failure = "exec: writing its output: \(error)"
            }
        }

        /// A progress frame to the next stage only: how many a run writes depends on its timing,
        /// which the journal must not.
        mutating func progress(_ clockNs: Int64) {
            guard failure == nil, sink != nil else { return }
            let frame = Frame(Control.progress(through: clockNs))
            do { try sink!.write(frame, idle: idle, stop: { SignalCounters.shutdownRequested }) } catch {
                failure = "exec: writing its output: \(error)"
            }
        }

        func report(_ problem: String) { StandardError.line(problem) }
    }

    public let name = "exec"
    let options: ExecOptions
    /// Signal's output: with `market`, its tops and intents, one signal per bot (input k bot k's);
    /// without, one signal's, the market passed through too.
    @exclusivity(unchecked) private var sources: [FrameSource]
    /// The market read from feed's ring itself (`--market`), merged with `sources` by `merge`.
    @exclusivity(unchecked) private var market: FrameSource?
    @exclusivity(unchecked) private var merge: MarketMerge
    /// Per input: a top or intent read from it, waiting for the market message that caused it, and
    /// its key's time in `merge`'s order.
    @exclusivity(unchecked) private var pending: [Frame?]
    @exclusivity(unchecked) private var pendingKeyNs: [Int64]
    /// Intents read from input k that name a bot other than k, dropped.
    @exclusivity(unchecked) private var misaddressed: UInt64 = 0
    /// The clock the last progress frame (`--progress`) carried.
    @exclusivity(unchecked) private var progressSentNs = Int64.min
    let processor: ExecProcessor<StageOutput, Venues>
    public let membership: SessionMembership?
    @exclusivity(unchecked) private var flattensHandled: UInt32
    private let summaryEveryNs: Int64
    @exclusivity(unchecked) private var nextSummary: Int64
    /// How long the input took, first frame to last (monotonic): at full speed, the pipeline's
    /// throughput without the processes' start-up.
    @exclusivity(unchecked) private var framesIn = 0
    @exclusivity(unchecked) private var firstInputNs: Int64 = 0
    @exclusivity(unchecked) private var lastInputNs: Int64 = 0
    /// The last cycle handled frames: its end is the next cycle's `now` (the runner's clock,
    /// read once a cycle; a second read here cost the pipeline benchmark a tenth of its rate).
    @exclusivity(unchecked) private var framesInLastCycle = false
    /// An input whose producer died or went silent ends the run, after a flatten: the position
    /// is not left open because a stage upstream failed.
    @exclusivity(unchecked) private var upstreamFailure: (problem: String, deadline: Int64)?

    /// Opens what `options` name: the inputs, the output, the journal (reporting what its
    /// opening found) and the session; orders go to the venues `venues` makes.
    convenience init(_ options: ExecOptions, venues: Venues) throws(AgentStop) {
        var sources: [FrameSource] = []
        var market: FrameSource?
        var sink: FrameSink?
        var membership: SessionMembership?
        do {
            for input in options.inputs { sources.append(try FrameSource(input, tool: "exec", idle: options.idle)) }
            if let endpoint = options.market { market = try FrameSource(endpoint, tool: "exec", idle: options.idle) }
            if let output = options.output { sink = try FrameSink(output) }
            if let session = options.session {
                membership = try SessionMembership(
                    session, role: .exec, detail: venues.isLive ? "binance-spot venue" : "paper venue")
                venues.joined(membership!.controlBlock)
            }
        } catch {
            throw .system("exec: \(error)")
        }
        var journal: Journal?
        var history = JournalHistory()
        if let path = options.journalPath {
            do {
                // A continued journal: what the runs before booked carries on (read before the
                // open, which may cut a torn tail off).
                if options.appendJournal { history = try JournalHistory(path: path) }
                let (opened, opening) = try Journal.open(path, policy: options.sync, appending: options.appendJournal)
                for finding in opening.findings { StandardError.line("exec: journal \(path): \(finding)") }
                journal = opened
            } catch {
                throw AgentStop(code: error.isBadInput ? ExitCode.failure : ExitCode.system, message: "exec: \(error)")
            }
        }
        self.init(
            options: options, venues: venues, sources: sources, market: market, sink: sink, journal: journal,
            membership: membership, history: history)
    }

    init(
        options: ExecOptions, venues: Venues, sources: [FrameSource], market: FrameSource? = nil, sink: FrameSink?,
        journal: Journal?, membership: SessionMembership?, history: JournalHistory = JournalHistory()
    ) {
        precondition(sources.count == options.bots, "one input per bot")
        self.options = options
        self.sources = sources
        self.market = market
        merge = MarketMerge(inputs: sources.count)
        pending = Array(repeating: nil, count: sources.count)
        pendingKeyNs = Array(repeating: 0, count: sources.count)
        self.membership = membership
        processor = ExecProcessor(
            options: options, output: StageOutput(journal: journal, idle: options.idle, sink: sink),
            venues: venues, history: history)
        flattensHandled = membership?.controlBlock.flattenRequests ?? 0
        summaryEveryNs = Int64(options.summaryEverySeconds) * 1_000_000_000
        nextSummary = SystemClock.monotonicNanoseconds() + summaryEveryNs
    }

    public var readers: Int { options.readers }
    public var output: FrameSink? {
        get { processor.output.sink }
        _modify { yield &processor.output.sink }
    }

    public func forEachInput(_ body: (FrameSource) -> Void) {
        for source in sources { body(source) }
        if let market { body(market) }
    }

    public func doWork(now: Int64) throws(AgentStop) -> Int {
        if framesInLastCycle {
            framesInLastCycle = false
            processor.inputArrived(atWallNs: now)
            lastInputNs = now
        }
        let polled: FrameSource.Poll
        let pollStartNs = framesIn == 0 ? SystemClock.monotonicNanoseconds() : 0
        do {
            polled =
                market != nil
                ? pollMerged(limit: 1_024)
                : try sources[0].poll(limit: 1_024, pipeTimeoutMs: processor.venueFactory.maxWaitMs) {
                    processor.handle($0)
                }
        } catch {
            throw .failure("exec: \(error)")
        }
        if let failure = processor.output.failure { throw .system(failure) }
        // A venue journal that cannot be written: nothing more is sent unrecorded (the end's
        // cancels still go).
        if let failure = processor.venueFactory.failure { throw .system("exec: \(failure)") }
        if let block = membership?.controlBlock {
            let requests = block.flattenRequests
            if requests != flattensHandled {
                flattensHandled = requests
                StandardError.line("exec: flatten requested: cancelling every order, closing every position")
                processor.flatten()
            }
        }
        if processor.flattening { processor.continueFlatten() }
        var work = processor.pollVenues() ? 1 : 0
        switch polled {
        case .frames(let count):
            if framesIn == 0 { firstInputNs = pollStartNs }
            framesIn += count
            framesInLastCycle = true
            work += count
        case .endOfStream:
            throw .endOfStream
        case .idle:
            processor.idle()
            if let (problem, deadline) = upstreamFailure, processor.isFlat || now > deadline {
                throw .failure(problem + (processor.isFlat ? "; flat, stopped" : "; not flat within 1 s, stopped"))
            }
        }
        if options.progress, processor.now > progressSentNs {
            progressSentNs = processor.now
            processor.output.progress(processor.now)
        }
        do { try processor.output.journal?.flush() } catch { throw .system("exec: \(error)") }
        // Confirmed once the closing fills and positions are out, for risk to read first.
        if let block = membership?.controlBlock, processor.flattening, processor.isFlat,
            block.flattensDone != flattensHandled
        {
            do { try processor.output.sink?.flush() } catch { throw .system("exec: \(error)") }
            confirmFlat(block, upTo: flattensHandled)
        }
        return work
    }

    /// Merged, the market waits on signal's output: that is where progress comes from. With
    /// `--progress` signal may be waiting on exec's in turn: exec polls a while for its answer.
    public func idle(_ strategy: inout IdleStrategy) {
        let maxSleepNs = Int64(processor.venueFactory.maxWaitMs) * 1_000_000
        if let market, merge.everyInputEnded {
            market.idle(&strategy, maxSleepNs: maxSleepNs)
        } else {
            // The first input the merge waits on (with one input, the only one).
            let input = market == nil ? 0 : (0..<sources.count).first { !merge.ended[$0] && pending[$0] == nil } ?? 0
            sources[input].idle(
                &strategy, maxSleepNs: maxSleepNs, spinNs: options.progress ? IdleStrategy.handOffSpinNs : 0)
        }
    }

    public func housekeeping(now: Int64) {
        if summaryEveryNs > 0, now >= nextSummary {
            nextSummary = now + summaryEveryNs
            for state in processor.instruments { StandardError.line(ExecSummary.line(state, bots: processor.bots)) }
        }
        if let block = membership?.controlBlock, block.isHalted, !processor.halted {
            processor.halted = true
            StandardError.line(
                "exec: trading halted (\(block.haltReason ?? "no reason given")): cancelling every order")
            processor.cancelAll()
        }
        // `risk resume` lifted the halt: quotes go out again from the strategy's next intent.
        if let block = membership?.controlBlock, !block.isHalted, processor.halted {
            processor.resumeTrading()
            StandardError.line("exec: trading resumed: quoting again")
        }
    }

    public func publishGauges(_ membership: SessionMembership) { processor.publishGauges(membership) }

    /// Flattens first, then stops from `doWork` once flat (or after a second).
    public func upstreamFailed(_ problem: String, now: Int64) -> AgentStop? {
        guard upstreamFailure == nil else { return nil }
        StandardError.line("\(problem): flattening, then stopping")
        processor.flatten()
        upstreamFailure = (problem, now + 1_000_000_000)
        return nil
    }

    public func finish(_ stop: AgentStop) -> AgentStop {
        if framesInLastCycle { lastInputNs = SystemClock.monotonicNanoseconds() }
        processor.cancelAllAtEnd()
        processor.venueFactory.close()
        do {
            try processor.output.journal?.flush()
            try processor.output.journal?.close()
            try processor.output.sink?.flush()
        } catch {
            return .system("exec: \(error)")
        }
        if let block = membership?.controlBlock { confirmFlat(block, upTo: block.flattenRequests) }
        if let failure = processor.output.failure { return .system(failure) }
        for state in processor.instruments { StandardError.line(ExecSummary.line(state, bots: processor.bots)) }
        if misaddressed > 0 { StandardError.line("exec: \(misaddressed) intents on another bot's input dropped") }
        if processor.foreignIntents > 0 {
            StandardError.line("exec: \(processor.foreignIntents) intents of a bot without an account refused")
        }
        if let latency = processor.latency { StandardError.line("exec: tick-to-order ns \(latency.summary())") }
        StandardError.line(
            "exec: \(framesIn) input frames in \(Double((lastInputNs - firstInputNs) / 1_000) / 1e6) s, first to last")
        return stop
    }

    /// Up to about `limit` frames from the market and the signals' outputs, in `MarketMerge`'s order.
    private func pollMerged(limit: Int) -> FrameSource.Poll {
        var count = 0
        while count < limit {
            // Each signal's output, up to the first top or intent that has to wait.
            for input in sources.indices where pending[input] == nil && !merge.ended[input] {
                let polled = sources[input].poll(limit: limit - count, while: { _ in pending[input] == nil }) {
                    frame in
                    let keyNs = merge.read(frame.pointee, from: input)
                    guard MarketMerge.isHandled(frame.pointee.header, from: input) else { return }
                    guard Int(frame.pointee.header.bot) == input else { return misaddressedIntent(frame, input) }
                    pending[input] = frame.pointee
                    pendingKeyNs[input] = keyNs
                }
                switch polled {
                case .frames(let read): count += read
                case .endOfStream: merge.end(input)
                case .idle: break
                }
            }
            if let first = firstPending(), merge.isDue(pending[first]!.header),
                merge.isFirst(keyNs: pendingKeyNs[first], input: first, waiting: { pending[$0] != nil })
            {
                withUnsafePointer(to: pending[first]!) { processor.handle($0) }
                pending[first] = nil
                continue
            }
            let polled = market!.poll(limit: max(1, limit - count), while: { merge.admits($0.pointee.header) }) {
                frame in
                merge.handledMarket(frame.pointee.header)
                processor.handle(frame)
            }
            switch polled {
            case .frames(let handled):
                count += handled
            case .endOfStream where !merge.marketEnded:
                merge.marketEnded = true
            case .endOfStream, .idle:
                return count > 0
                    ? .frames(count)
                    : merge.everyInputEnded && merge.marketEnded && firstPending() == nil ? .endOfStream : .idle
            }
        }
        return .frames(count)
    }

    /// The input whose waiting frame has the least key (time, input), if any waits.
    @inline(__always)
    private func firstPending() -> Int? {
        var first: Int?
        for input in pending.indices where pending[input] != nil {
            if first == nil || pendingKeyNs[input] < pendingKeyNs[first!] { first = input }
        }
        return first
    }

    /// An intent on input k names another bot: a signal started with the wrong `--bot` (or
    /// inputs given in another order) would trade another bot's account. Dropped, counted.
    private func misaddressedIntent(_ frame: UnsafePointer<Frame>, _ input: Int) {
        misaddressed &+= 1
        if misaddressed == 1 {
            StandardError.line(
                "exec: input \(input) (\(options.inputs[input])) sent an intent of bot \(frame.pointee.header.bot): "
                    + "input K is bot K's (signal --bot K); such intents are dropped and counted at the end")
        }
    }

    /// Flattening and flat: the session's flatten requests up to `requests` are done.
    private func confirmFlat(_ block: ControlBlock, upTo requests: UInt32) {
        guard processor.flattening, processor.isFlat, block.flattensDone != requests else { return }
        block.flattenDone(upTo: requests)
        StandardError.line("exec: flat: no order working, no position")
    }
}
