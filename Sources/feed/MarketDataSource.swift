import IPC

/// What every feed source is to the rest of the pipeline: instruments, then batches of frames,
/// each stamped with the source's own time so the feed can pace them. The synthetic market, a
/// replay and a live connection cannot be told apart downstream.
protocol MarketDataSource {
    /// The instruments this source emits, known before the first batch.
    var instruments: [Instrument] { get }

    /// Appends the next frames to `batch`. `.frames(at:)` gives the source time (ns) of the
    /// batch for pacing; `.idle` means nothing is ready yet (a live source); `.end` that the
    /// source is exhausted.
    mutating func next(into batch: FrameBatch) throws(FeedError) -> SourceStep

    /// One line for stderr when the feed stops: what was read, what was skipped.
    var summary: String { get }

    /// True when the moment the feed releases a batch is its receive time (a synthetic market
    /// "arrives" when it is emitted); false when the frames carry a real receive time.
    var receiveTimeIsRelease: Bool { get }
}

extension MarketDataSource {
    var receiveTimeIsRelease: Bool { false }
}

enum SourceStep: Equatable {
    case frames(at: Int64)
    case idle
    case end
}

/// Why the feed stopped or what it reports; one line each.
struct FeedError: Error, CustomStringConvertible {
    let description: String
    /// The documented exit code this error maps to.
    let exitCode: Int32

    static func data(_ message: String) -> FeedError { FeedError(description: message, exitCode: ExitCode.failure) }
    static func system(_ message: String) -> FeedError { FeedError(description: message, exitCode: ExitCode.system) }
}

/// The synthetic market as a source: its snapshot first, then one step per call.
struct SyntheticSource: MarketDataSource {
    let instruments: [Instrument]
    private var market: SyntheticMarket
    private var snapshotSent = false
    private var steps: UInt64 = 0

    var summary: String { "feed: synthetic market, \(steps) steps of \(market.parameters.stepNs / 1_000_000) ms" }
    var receiveTimeIsRelease: Bool { true }

    init(symbols: [String], seed: UInt64, startTimeNs: Int64) throws(InvalidArgument) {
        instruments = try SyntheticMarket.instruments(symbols)
        var parameters = SyntheticMarket.Parameters()
        parameters.seed = seed
        parameters.symbols = symbols
        market = SyntheticMarket(parameters, startTimeNs: startTimeNs)
    }

    mutating func next(into batch: FrameBatch) throws(FeedError) -> SourceStep {
        let time = market.now
        if !snapshotSent {
            snapshotSent = true
            market.snapshot(into: batch, receiveTimeNs: SystemClock.realtimeNanoseconds())
            return .frames(at: time)
        }
        market.step(into: batch, receiveTimeNs: SystemClock.realtimeNanoseconds())
        steps &+= 1
        return .frames(at: time)
    }
}
