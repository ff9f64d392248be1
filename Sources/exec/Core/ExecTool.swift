import BinanceAPI
import IPC

/// What `exec` runs after its options: the paper venue with the models they name (each a
/// concrete type, so the duty cycle is specialised for the combination: docs/models.md), or
/// Binance spot, with or without that paper venue in its shadow, behind an `ExecAgent`.
public enum ExecTool {
    public static func run(_ options: ExecOptions) -> Never {
        if options.venue == .binanceSpot && options.shadowJournal == nil {
            let venues = liveVenues(options)
            ToolStart.run(idle: options.idle) { () throws(AgentStop) in try ExecAgent(options, venues: venues) }
        }
        // The model files are read first, so that a bad one is one line and exit 1 before
        // anything is opened.
        let recordedLatency: RecordedLatency?
        let feeSchedule: FeeSchedule?
        do {
            recordedLatency = try options.latencyFile.map { (path) throws(InvalidArgument) in
                try RecordedLatency(path: path)
            }
            feeSchedule = try options.feeSchedule.map { (path) throws(InvalidArgument) in
                try FeeSchedule(path: path, others: options.fees)
            }
        } catch {
            ToolStart.fail("exec: \(error)", ExitCode.failure)
        }
        func withQueue<Latency: LatencyModel>(_ latency: Latency) -> Never {
            switch options.queue {
            case .proportional: withFees(latency, ProportionalQueue())
            case .power(let power): withFees(latency, PowerQueue(power: power))
            case .riskAverse: withFees(latency, RiskAverseQueue())
            }
        }
        func withFees<Latency: LatencyModel, Queue: QueueModel>(_ latency: Latency, _ queue: Queue) -> Never {
            if let feeSchedule { start(latency, queue, feeSchedule) }
            start(latency, queue, options.fees)
        }
        func start<Latency: LatencyModel, Queue: QueueModel, Fees: FeeModel>(
            _ latency: Latency, _ queue: Queue, _ fees: Fees
        ) -> Never {
            let papers = PaperVenues(
                latency: latency, marketDataLatencyNs: options.marketDataLatencyNs, queue: queue, fees: fees)
            if options.venue == .binanceSpot { runShadowed(options, papers) }
            ToolStart.run(idle: options.idle) { () throws(AgentStop) in try ExecAgent(options, venues: papers) }
        }
        if let recordedLatency { withQueue(recordedLatency) }
        withQueue(ConstantLatency(latencyNs: options.entryLatencyNs))
    }

    /// The session (its keys checked first: a bad or missing one is one line, exit 100, nothing
    /// sent), the venue journal, the venues on them.
    private static func liveVenues(_ options: ExecOptions) -> BinanceSpotVenues {
        let session: WebSocketAPISession
        do { session = try options.binance.session(tool: "exec") } catch {
            ToolStart.fail(error.message ?? "exec: no venue session", error.code)
        }
        let journal: VenueJournal
        do { journal = try VenueJournal(path: options.binance.journal!) } catch {
            ToolStart.fail("exec: --venue-journal: \(error)", ExitCode.system)
        }
        // A continued journal keeps the client order ids of the run that began it.
        let earlier = options.appendJournal ? ClientOrderIds.firstPrefix(inVenueJournal: options.binance.journal!) : nil
        let ids =
            earlier.map(ClientOrderIds.init(prefix:))
            ?? ClientOrderIds(startMs: SystemClock.realtimeNanoseconds() / 1_000_000)
        let connection = BinanceSpotConnection(
            session: session, journal: journal, ids: ids, inventoryTargets: options.inventoryTargets,
            onStart: options.onStart)
        return BinanceSpotVenues(connection: connection)
    }

    /// Binance spot with `papers` in its shadow (`--shadow-paper FILE`).
    private static func runShadowed<Papers: VenueFactory>(_ options: ExecOptions, _ papers: Papers) -> Never {
        let live = liveVenues(options)
        let journal: ShadowJournal
        do {
            journal = try ShadowJournal(
                path: options.shadowJournal!, policy: options.sync, appending: options.appendJournal)
        } catch {
            ToolStart.fail("exec: --shadow-paper: \(error)", error.isBadInput ? ExitCode.failure : ExitCode.system)
        }
        let venues = ShadowedVenues(live: live, papers: papers, journal: journal)
        ToolStart.run(idle: options.idle) { () throws(AgentStop) in try ExecAgent(options, venues: venues) }
    }
}
