import IPC
import Network

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

    /// True when `next` may wait for input (a socket's poll): what went out before must be
    /// woken first, or the readers sleep through the wait.
    var mayWait: Bool { get }
}

extension MarketDataSource {
    var receiveTimeIsRelease: Bool { false }
    var mayWait: Bool { false }
}

package enum SourceStep: Equatable {
    case frames(at: Int64)
    case idle
    case end
}

/// Why the feed stopped or what it reports; one line each.
package struct FeedError: Error, CustomStringConvertible {
    package let description: String
    /// The documented exit code this error maps to.
    package let exitCode: Int32

    static func data(_ message: String) -> FeedError { FeedError(description: message, exitCode: ExitCode.failure) }
    static func system(_ message: String) -> FeedError { FeedError(description: message, exitCode: ExitCode.system) }
}

extension FeedError {
    /// A connection's or a venue message's failure, as feed reports it.
    init(_ error: NetworkError) {
        self.init(description: "feed: \(error.description)", exitCode: error.exitCode)
    }
}

/// The synthetic market as a source: its snapshot first, then one step per call.
struct SyntheticSource: MarketDataSource {
    let instruments: [Instrument]
    private var market: SyntheticMarket
    private var snapshotSent = false
    private var steps: UInt64 = 0

    var summary: String { "feed: synthetic market, \(steps) steps of \(market.parameters.stepNs / 1_000_000) ms" }
    var receiveTimeIsRelease: Bool { true }

    /// Each symbol's tick and lot come from `catalog` (`--instrument`, `--exchange-info`) when it
    /// has them, else they are the synthetic default (0.01, 0.001). `startPrice` (the leader's
    /// opening price; the others keep their default ratios to it) and `medianSize` (a resting
    /// order's median, in units) are decimals as the user wrote them.
    init(
        symbols: [String], seed: UInt64, startTimeNs: Int64, catalog: InstrumentCatalog = InstrumentCatalog(),
        startPrice: String? = nil, medianSize: String? = nil
    ) throws(InvalidArgument) {
        var instruments: [Instrument] = []
        for (index, symbol) in symbols.enumerated() {
            let id = UInt32(index + 1)
            if catalog.entries[symbol] != nil {
                instruments.append(try catalog.instrument(symbol, id: id))
            } else {
                instruments.append(try SyntheticMarket.defaultInstrument(symbol, id: id))
            }
        }
        self.instruments = instruments
        var parameters = SyntheticMarket.Parameters()
        parameters.seed = seed
        parameters.symbols = symbols
        for (index, instrument) in instruments.enumerated() {
            // The leader opens at the start price, the others at their default ratios to it.
            let price = try SyntheticSource.quantity(
                startPrice ?? "100.00", instrument.tickMantissa, instrument.tickDecimals, "--start-price")
            let ticks =
                Int128(price) * Int128(SyntheticMarket.defaultStartTicks(index))
                / Int128(SyntheticMarket.defaultStartTicks(0))
            guard ticks >= 1_000, ticks <= Int128(FrameLayout.maxQuantity / 2) else {
                throw InvalidArgument(
                    "--start-price: \(instrument.symbol) would open at \(ticks) ticks of \(instrument.formatPrice(1)); "
                        + "the synthetic market needs 1000 to \(FrameLayout.maxQuantity / 2)")
            }
            parameters.startTicks.append(Int64(ticks))
            let lots = try SyntheticSource.quantity(
                medianSize ?? "0.4", instrument.lotMantissa, instrument.lotDecimals, "--median-size")
            parameters.limitMedianLots.append(Double(lots))
        }
        market = SyntheticMarket(parameters, startTimeNs: startTimeNs)
    }

    /// `text` (a decimal) in increments of `mantissa × 10^-decimals`, positive, or a usage error
    /// naming `flag`.
    static func quantity(_ text: String, _ mantissa: Int64, _ decimals: UInt8, _ flag: String) throws(InvalidArgument)
        -> Int64
    {
        let scale = DecimalScale(mantissa: mantissa, decimals: Int(decimals))
        let count: Int64
        do { count = try scale.count(text) } catch {
            throw InvalidArgument("\(flag) '\(text)' \(error) (an increment of \(mantissa)e-\(decimals))")
        }
        guard count > 0 else { throw InvalidArgument("\(flag) '\(text)': must be positive") }
        return count
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
