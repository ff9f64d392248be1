import BookCore
import ExecCore
import FeedCore
import IPC
import SignalCore

/// A replay through the pipeline's own cores in one thread: feed's replay, book, signal's
/// strategy and exec's paper venue and journal, in the order the processes under run.sh handle
/// them, exec's output reaching the strategy a report latency later in market time
/// (`ReportMerge`'s rule). The same recordings and options write the same journal, byte for byte,
/// as `./run.sh --replay` does, and give the same fills and PnL: a user's tests can assert on
/// their strategy without starting a process.
///
/// ```swift
/// let harness = StrategyHarness(
///     files: ["btcusdt_20240808.gz"], exchangeInfo: "BINANCE.0",
///     signal: ["--strategy", "as", "--gamma", "0.01", "--quote-size", "0.1", "--max-position", "1"],
///     exec: ["--max-position", "1"])
/// let outcome = try harness.replay(journal: "/tmp/run.journal")
/// print(outcome.results[0].summary)   // exec: BTCUSDT: 95 fills, volume 5.55487873, …
/// print(outcome.problems)             // the lines feed, book, signal and exec would have printed
/// ```
public struct StrategyHarness {
    public var files: [String]
    /// A Binance exchangeInfo response: the symbols' ticks and lots (feed's `--exchange-info`).
    public var exchangeInfo: String?
    /// `SYMBOL:TICK:LOT` (feed's `--instrument`).
    public var instruments: [String]
    /// signal's flags for the strategy (no `--in`, `--out`, `--positions`).
    public var signal: [String]
    /// The strategies `--strategy` picks from.
    public var strategies: StrategyRegistry
    /// exec's flags: limits, the paper venue's models (no `--in`, `--out`, `--journal`).
    public var exec: [String]
    /// How long after exec wrote a frame the strategy sees it, as `signal --report-latency-ms`
    /// (run.sh's replays: 5).
    public var reportLatencyMs: Double

    public init(
        files: [String], exchangeInfo: String? = nil, instruments: [String] = [], signal: [String] = [],
        strategies: StrategyRegistry = .builtIn, exec: [String] = [], reportLatencyMs: Double = 5
    ) {
        self.strategies = strategies
        self.files = files
        self.exchangeInfo = exchangeInfo
        self.instruments = instruments
        self.signal = signal
        self.exec = exec
        self.reportLatencyMs = reportLatencyMs
    }

    /// What a replay gave: each instrument's books at the end, and the problems the processes
    /// would have printed on their standard errors (a line the replay skipped, an order refused,
    /// a strategy's report), in the order they came.
    public struct Outcome {
        public let results: [ExecResult]
        public let problems: [String]
    }

    /// Why a replay could not run: one line, naming what.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Replays the files, journaling exec's records to `journal` (a new file).
    public func replay(journal path: String) throws -> Outcome {
        guard let latencyNs = ReportMerge.latencyNs(milliseconds: reportLatencyMs) else {
            throw Failure(description: "report latency \(reportLatencyMs) ms: above 0, up to 60000")
        }
        let signalOptions: SignalOptions
        let execOptions: ExecOptions
        var catalog = InstrumentCatalog()
        do {
            signalOptions = try SignalOptions(signal + ["--out", "-", "--pass-through"], strategies: strategies)
            execOptions = try ExecOptions(exec)
            for flag in instruments { try catalog.add(flag: flag) }
        } catch {
            throw Failure(description: "\(error)")
        }
        do {
            if let exchangeInfo { try catalog.add(exchangeInfo: exchangeInfo) }
            let problems = ProblemLines()
            let source = try ReplaySource(paths: files, catalog: catalog, report: { problems.lines.append($0) })
            let (opened, _) = try Journal.open(path, policy: .none, appending: false)
            defer { try? opened.close() }
            let results = try ExecTool.withPaperVenues(
                execOptions,
                Replay(
                    source: source, journal: opened, signal: signalOptions, exec: execOptions,
                    latencyNs: latencyNs, problems: problems))
            return Outcome(results: results, problems: problems.lines)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "\(error)")
        }
    }
}

/// The replay over the paper venues exec's options name (`ExecTool.withPaperVenues`).
struct Replay: PaperVenuesUser {
    let source: ReplaySource
    let journal: Journal
    let signal: SignalOptions
    let exec: ExecOptions
    let latencyNs: Int64
    let problems: ProblemLines

    func use<Venues: VenueFactory>(_ venues: Venues) throws -> [ExecResult] {
        try replay(signal.strategy.type, venues: venues)
    }

    /// The replay with strategy `S` (the harness is not specialised for it: the strategy's type
    /// is known only at run time here; the results are the same).
    func replay<S: Strategy, Venues: VenueFactory>(_ strategy: S.Type, venues: Venues) throws -> [ExecResult] {
        let execProcessor = ExecProcessor(
            options: exec, output: Records(journal: journal, problems: problems), venues: venues)
        let signalProcessor = try SignalProcessor<ToExec<Venues>, S>(
            options: signal, output: ToExec(exec: execProcessor, problems: problems))
        let book = BookProcessor(
            output: ToSignal(signal: signalProcessor, exec: execProcessor, latencyNs: latencyNs, problems: problems),
            passDeltas: true)
        // feed's stream, as it writes it to its ring: each message's receive time on the
        // timeline, each frame numbered by its position.
        let batch = FrameBatch(capacity: 1 << 16)
        var timeline = MessageTimeline()
        var position: UInt64 = 0
        while true {
            batch.removeAll()
            guard try source.next(into: batch) != .end else { break }
            for index in 0..<batch.count {
                var frame = batch[index]
                timeline.stamp(&frame.header)
                frame.header.sequence = position
                position &+= 1
                withUnsafePointer(to: frame) { book.handle($0) }
            }
            if let failure = execProcessor.output.failure { throw StrategyHarness.Failure(description: "\(failure)") }
        }
        signalProcessor.output.marketEnded()
        signalProcessor.finish()
        execProcessor.cancelAllAtEnd()
        if let failure = execProcessor.output.failure { throw StrategyHarness.Failure(description: "\(failure)") }
        try journal.flush()
        return execProcessor.results
    }
}

/// exec's records: journaled, and kept for signal, which sees each a report latency later.
struct Records: ExecOutput {
    let journal: Journal
    let problems: ProblemLines
    var failure: Journal.JournalError?
    /// exec's output not yet seen by the strategy, from `head` on.
    var queued: [Frame] = []
    var head = 0

    init(journal: Journal, problems: ProblemLines) {
        self.journal = journal
        self.problems = problems
    }

    mutating func record(_ frame: Frame) {
        if failure == nil {
            do { try journal.append(frame) } catch { failure = error }
        }
        queued.append(frame)
    }

    func report(_ problem: String) { problems.lines.append(problem) }
}

/// signal's intents and the frames it passes on, to exec.
///
/// In the order exec's `MarketMerge` gives them under run.sh: a market frame at once; a top or an
/// intent (what signal derives) once exec has handled the market message at or after its time
/// whole, and after every derived frame before it. A top or an intent a market message caused is
/// due at once; one a timer or a report of exec's caused (stamped between two messages) waits
/// for the next message, as it waits in exec's merge.
struct ToExec<Venues: VenueFactory>: SignalOutput {
    let exec: ExecProcessor<Records, Venues>
    let problems: ProblemLines
    let derived = DerivedFrames()

    func emit(_ intent: QuoteIntent, instrument: Instrument) { derive(Frame(intent)) }

    func emit(_ order: OrderIntent, instrument: Instrument) { derive(Frame(order)) }

    func pass(_ frame: UnsafePointer<Frame>) {
        guard frame.pointee.header.type != MessageType.bookTop.rawValue else { return derive(frame.pointee) }
        exec.handle(frame)
        derived.marketTimeNs = frame.pointee.header.receiveTimeNs
        derived.inMessage = !frame.pointee.header.endsMessage
        while derived.head < derived.waiting.count, derived.isDue(derived.waiting[derived.head].header) {
            withUnsafePointer(to: derived.waiting[derived.head]) { exec.handle($0) }
            derived.head += 1
        }
        if derived.head == derived.waiting.count {
            derived.waiting.removeAll(keepingCapacity: true)
            derived.head = 0
        }
    }

    /// The market ended: what waits for a message goes now, as in exec's merge.
    func marketEnded() {
        for index in derived.head..<derived.waiting.count {
            withUnsafePointer(to: derived.waiting[index]) { exec.handle($0) }
        }
        derived.waiting.removeAll()
        derived.head = 0
    }

    private func derive(_ frame: Frame) {
        if derived.head == derived.waiting.count && derived.isDue(frame.header) {
            withUnsafePointer(to: frame) { exec.handle($0) }
        } else {
            derived.waiting.append(frame)
        }
    }

    func report(_ problem: String) { problems.lines.append(problem) }
}

/// Tops and intents waiting for the market message they follow (`ToExec`).
final class DerivedFrames {
    var waiting: [Frame] = []
    var head = 0
    /// The last market frame exec handled: its time, and whether its message is whole.
    var marketTimeNs = Int64.min
    var inMessage = false

    func isDue(_ header: FrameHeader) -> Bool { !inMessage && marketTimeNs >= header.receiveTimeNs }
}

/// book's tops and the frames it passes on, to signal, each after exec's output due before it:
/// written at t, due before a frame at T when t + latency < T.
struct ToSignal<Venues: VenueFactory, S: Strategy>: BookOutput {
    let signal: SignalProcessor<ToExec<Venues>, S>
    let exec: ExecProcessor<Records, Venues>
    let latencyNs: Int64
    let problems: ProblemLines

    func publish(_ top: BookTop, book: OrderBook) {
        withUnsafePointer(to: Frame(top)) { pass($0) }
    }

    func pass(_ frame: UnsafePointer<Frame>) {
        let dueBeforeNs = ReportMerge.dueBeforeNs(frame.pointee.header.receiveTimeNs, latencyNs: latencyNs)
        while exec.output.head < exec.output.queued.count,
            exec.output.queued[exec.output.head].header.receiveTimeNs < dueBeforeNs
        {
            withUnsafePointer(to: exec.output.queued[exec.output.head]) {
                signal.handleExecOutput(
                    $0, atNs: ReportMerge.visibleAtNs($0.pointee.header.receiveTimeNs, latencyNs: latencyNs))
            }
            exec.output.head += 1
        }
        if exec.output.head >= 4_096 {
            exec.output.queued.removeFirst(exec.output.head)
            exec.output.head = 0
        }
        signal.handle(frame)
    }

    func report(_ problem: String) { problems.lines.append(problem) }
    func requestResync(instrument: UInt32) {}
}

/// The lines the stages report, kept in order.
final class ProblemLines {
    var lines: [String] = []
}
