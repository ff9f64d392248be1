import BinanceAPI
import IPC

/// Something made over the paper venues an `ExecOptions` names (`ExecTool.withPaperVenues`):
/// generic over the venue factory, so each combination of models is specialised.
package protocol PaperVenuesUser {
    associatedtype Made
    func use<Venues: VenueFactory>(_ venues: Venues) throws -> Made
}

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
        let start: () -> Never
        do { start = try withPaperVenues(options, Start(options: options)) } catch {
            ToolStart.fail("exec: \(error)", ExitCode.failure)
        }
        start()
    }

    /// Starts the paper venues' agent (or, with `--venue binance-spot`, the live one's with them
    /// in its shadow). A closure, not a `Never` result: specialised for an uninhabited `Made`,
    /// the release build ran the wrong model's case (Swift 6.3.1).
    struct Start: PaperVenuesUser {
        let options: ExecOptions
        func use<Venues: VenueFactory>(_ papers: Venues) -> () -> Never {
            {
                if options.venue == .binanceSpot { runShadowed(options, papers) }
                ToolStart.run(idle: options.idle) { () throws(AgentStop) in try ExecAgent(options, venues: papers) }
            }
        }
    }

    /// Hands `user` the paper venues `options` name, each model a concrete type, so whatever it
    /// makes over them is specialised for the combination. A model file that cannot be read
    /// throws (one line naming it) before anything is made.
    package static func withPaperVenues<User: PaperVenuesUser>(
        _ options: ExecOptions, _ user: User
    ) throws -> User.Made {
        let recordedLatency = try options.latencyFile.map { (path) throws(InvalidArgument) in
            try RecordedLatency(path: path)
        }
        let feeSchedule = try options.feeSchedule.map { (path) throws(InvalidArgument) in
            try FeeSchedule(path: path, others: options.fees)
        }
        func withQueue<Latency: LatencyModel>(_ latency: Latency) throws -> User.Made {
            switch options.queue {
            case .proportional: try withFees(latency, ProportionalQueue())
            case .power(let power): try withFees(latency, PowerQueue(power: power))
            case .riskAverse: try withFees(latency, RiskAverseQueue())
            }
        }
        func withFees<Latency: LatencyModel, Queue: QueueModel>(_ latency: Latency, _ queue: Queue) throws
            -> User.Made
        {
            if let feeSchedule { return try made(latency, queue, feeSchedule) }
            return try made(latency, queue, options.fees)
        }
        func made<Latency: LatencyModel, Queue: QueueModel, Fees: FeeModel>(
            _ latency: Latency, _ queue: Queue, _ fees: Fees
        ) throws -> User.Made {
            try user.use(
                PaperVenues(
                    latency: latency, marketDataLatencyNs: options.marketDataLatencyNs, queue: queue, fees: fees))
        }
        if let recordedLatency { return try withQueue(recordedLatency) }
        return try withQueue(ConstantLatency(latencyNs: options.entryLatencyNs))
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
            onStart: options.onStart, selfTradePrevention: options.bots > 1)
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
