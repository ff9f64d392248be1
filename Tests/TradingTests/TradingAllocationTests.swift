import CMallocCounter
import IPC
import TestSupport
import XCTest

@testable import BookCore
@testable import ExecCore
@testable import FeedCore
@testable import SignalCore

/// The trading path allocates nothing per message in steady state: real Binance lines decoded,
/// booked, quoted by Avellaneda–Stoikov and traded on the paper venue, every stage's core chained
/// in one thread as the single stream of `feed | book --pass-deltas | signal --pass-through |
/// exec` orders them; and the same with a paper venue in the shadow of another (`--shadow-paper`'s
/// `ShadowedVenue`, its journal written). Counted by the malloc interposer after warm-up;
/// `.ci/run` runs this in a release build (debug builds allocate in loops the optimiser cleans up).
final class TradingAllocationTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(
            malloc_counter_is_counting() != 0, "a sanitizer build: its runtime owns malloc, nothing is counted")
    }

    /// exec's records, counted (the journal and the ring behind it are measured elsewhere) and
    /// kept in a fixed ring for the strategy, which sees them before the next market frame.
    struct CountingRecords: ExecOutput {
        var records = 0
        var fills = 0
        /// Orders that take (market, immediate-or-cancel): a strategy's `context.order`.
        var takingOrders = 0
        var problems = 0
        var queued = [Frame](repeating: Frame(Control.progress(through: 0)), count: 4_096)
        var head = 0
        var count = 0
        mutating func record(_ frame: Frame) {
            records += 1
            if frame.header.messageType == .executionReport, frame.as(ExecutionReport.self).report == .fill {
                fills += 1
            }
            if frame.header.messageType == .orderCommand, frame.as(OrderCommand.self).timeInForce == .immediateOrCancel
            {
                takingOrders += 1
            }
            precondition(count < queued.count, "the strategy fell 4096 of exec's records behind")
            queued[(head + count) % queued.count] = frame
            count += 1
        }
        mutating func report(_ problem: String) { problems += 1 }
    }

    /// Signal's intents into exec; with `bots` above 1, each quote again as every other bot's (a
    /// tick wider per bot, so the bots' orders sit beside each other), for exec's accounts and
    /// self-trade prevention. Orders that take stay bot 0's: the strategy sizes them to its own
    /// position, which the other bots' fills would not follow.
    struct ToExec<Venues: VenueFactory>: SignalOutput {
        let exec: ExecProcessor<CountingRecords, Venues>
        var bots = 1
        var intents = 0
        mutating func emit(_ intent: QuoteIntent, instrument: Instrument) {
            intents += 1
            for bot in 0..<bots {
                var mirrored = intent
                mirrored.header.bot = UInt16(bot)
                if intent.bidSize > 0 { mirrored.bidPrice -= Int64(bot) }
                if intent.askSize > 0 { mirrored.askPrice += Int64(bot) }
                withUnsafePointer(to: Frame(mirrored)) { exec.handle($0) }
            }
        }
        mutating func emit(_ order: OrderIntent, instrument: Instrument) {
            withUnsafePointer(to: Frame(order)) { exec.handle($0) }
        }
        mutating func pass(_ frame: UnsafePointer<Frame>) { exec.handle(frame) }
        mutating func report(_ problem: String) { XCTFail(problem) }
    }

    struct ToSignal<Venues: VenueFactory, S: Strategy>: BookOutput {
        let signal: SignalProcessor<ToExec<Venues>, S>
        mutating func publish(_ top: BookTop, book: OrderBook) {
            withUnsafePointer(to: Frame(top)) { pass($0) }
        }
        mutating func pass(_ frame: UnsafePointer<Frame>) {
            let exec = signal.output.exec
            while exec.output.count > 0 {
                withUnsafePointer(to: exec.output.queued[exec.output.head]) {
                    signal.handleExecOutput($0, atNs: $0.pointee.header.receiveTimeNs)
                }
                exec.output.head = (exec.output.head + 1) % exec.output.queued.count
                exec.output.count -= 1
            }
            signal.handle(frame)
        }
        mutating func report(_ problem: String) { XCTFail(problem) }
        mutating func requestResync(instrument: UInt32) { XCTFail("resync \(instrument)") }
    }

    func testDecodingBookingQuotingAndTradingRealMessagesDoesNotAllocate() throws {
        try XCTSkipIf(
            isDebugBuild,
            "allocations are counted in a release build: swift test -c release --filter Allocation (.ci/run does)")
        try countAllocations { defaultVenues($0) }
    }

    /// Every built-in strategy on the same path, exec's reports and positions reaching it: the
    /// pairs strategy on two instruments (the second day's recording as a second symbol).
    func testEveryBuiltInStrategyAllocatesNothingPerEvent() throws {
        try XCTSkipIf(
            isDebugBuild,
            "allocations are counted in a release build: swift test -c release --filter Allocation (.ci/run does)")
        try countAllocations(FixedSpread.self, ["--strategy", "fixed", "--spread-ticks", "2"]) { defaultVenues($0) }
        try countAllocations(VolatilityBand.self, ["--strategy", "band", "--skew-ticks", "50"]) { defaultVenues($0) }
        try countAllocations(Momentum.self, ["--strategy", "momentum", "--window", "1", "--threshold", "0.00005"]) {
            defaultVenues($0)
        }
        try countAllocations(PairsTrading.self, ["--strategy", "pairs", "--half-life", "10"], pair: true) {
            defaultVenues($0)
        }
        try countAllocations(BookImbalance.self, ["--strategy", "imbalance", "--levels", "10"]) { defaultVenues($0) }
        try countAllocations(Grid.self, ["--strategy", "grid", "--grid-ticks", "50", "--half-spread-ticks", "50"]) {
            defaultVenues($0)
        }
        try countAllocations(EmaCrossover.self, ["--strategy", "ema", "--bar-ms", "100", "--lean-ticks", "20"]) {
            defaultVenues($0)
        }
        try countAllocations(RelativeStrength.self, ["--strategy", "rsi", "--bar-ms", "100", "--lean-ticks", "20"]) {
            defaultVenues($0)
        }
        try countAllocations(
            Bollinger.self, ["--strategy", "bollinger", "--bar-ms", "100", "--lean-ticks", "20"]
        ) {
            defaultVenues($0)
        }
        try countAllocations(Combined.self, ["--strategy", "combined", "--bar-ms", "100", "--lean-ticks", "20"]) {
            defaultVenues($0)
        }
        // The external strategy's side of its conversation: writing events, reading replies.
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Examples/external-strategy/imbalance_maker.py").path
        try countAllocations(
            ExternalStrategy.self,
            ["--strategy", "external", "--book-levels", "5", "--external", "python3 '\(example)' --spread-ticks 2"]
        ) { defaultVenues($0) }
        // Its orders that take (exec's limit above signal's, which sizes them without exec's
        // working orders: a refusal, said in a line, is no steady state), and two bots' accounts
        // on one venue.
        try countAllocations(
            EmaCrossover.self,
            ["--strategy", "ema", "--bar-ms", "100", "--lean-ticks", "20", "--take-quotes", "1"], bots: 2,
            execMaxPosition: "0.1"
        ) { defaultVenues($0) }
        XCTAssertEqual(
            StrategyRegistry.builtIn.entries.map(\.name),
            [
                "as", "fixed", "band", "momentum", "pairs", "imbalance", "grid", "ema", "rsi", "bollinger", "combined",
                "external"
            ],
            "a new built-in strategy gets its line here")
    }

    func testTradingWithAPaperVenueInTheShadowDoesNotAllocate() throws {
        try XCTSkipIf(
            isDebugBuild,
            "allocations are counted in a release build: swift test -c release --filter Allocation (.ci/run does)")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-shadow-\(getpid())").path
        defer { unlink(path) }
        let journal = try ShadowJournal(path: path, policy: .none, appending: false)
        try countAllocations { options in
            ShadowedVenues(
                live: defaultVenues(options),
                papers: PaperVenues(
                    latency: ConstantLatency(latencyNs: 20_000_000), marketDataLatencyNs: 0,
                    queue: PowerQueue(power: 2), fees: NotionalFees()), journal: journal)
        }
        journal.close()
        var (commands, fills) = (0, 0)
        _ = try Journal.read(path) { frame, _ in
            if frame.header.messageType == .orderCommand { commands += 1 }
            if frame.header.messageType == .executionReport, frame.as(ExecutionReport.self).report == .fill {
                fills += 1
            }
        }
        XCTAssertGreaterThan(commands, 1_000, "the shadow got the order manager's commands")
        XCTAssertGreaterThan(fills, 0, "the shadow's paper venue filled")
    }

    /// The recording through every stage's core into exec on `venues`' venues: what the second
    /// part of it allocates.
    func countAllocations<Venues: VenueFactory>(_ venues: (ExecOptions) -> Venues) throws {
        try countAllocations(
            AvellanedaStoikov.self,
            ["--strategy", "as", "--gamma", "0.0001", "--kappa", "0.01"], venues)
    }

    /// With `pair`, the recording also as a second instrument 3 s later (the pairs strategy's B).
    func countAllocations<Venues: VenueFactory, S: Strategy>(
        _ strategy: S.Type, _ arguments: [String], pair: Bool = false, bots: Int = 1,
        execMaxPosition: String = "0.05", _ venues: (ExecOptions) -> Venues
    ) throws {
        func lines(_ file: String) throws -> [[UInt8]] {
            let reader = try LineReader(path: try sharedDataDirectory() + "/binance-spot/" + file)
            var lines: [[UInt8]] = []
            while let line = try reader.nextLine() { lines.append(Array(line)) }
            return lines
        }
        func receiveTime(_ line: UnsafeBufferPointer<UInt8>) -> (timeNs: Int64, space: Int) {
            let space = line.firstIndex(of: 0x20)!
            var receiveTimeNs: Int64 = 0
            for digit in line[..<space] { receiveTimeNs = receiveTimeNs * 10 + Int64(digit - 0x30) }
            return (receiveTimeNs, space)
        }
        var catalog = InstrumentCatalog()
        try catalog.add(flag: "BTCUSDT:0.01000000:0.00000001")
        let recording = try lines("btcusdt_20240808.gz")
        let times = recording.map { $0.withUnsafeBufferPointer { receiveTime($0).timeNs } }
        // Each source: its translator and its time shift. The pair's second leg is the same
        // recording as instrument 2 (its catalog's second), 3 s later: mids that drift apart and back.
        var sources = [(translator: BinanceTranslator(catalog: catalog), shiftNs: Int64(0))]
        if pair {
            var second = InstrumentCatalog()
            try second.add(flag: "ETHUSDT:0.01000000:0.00001000")
            try second.add(flag: "BTCUSDT:0.01000000:0.00000001")
            let translator = BinanceTranslator(catalog: second)
            // An ETHUSDT trade, never handed on, makes ETHUSDT its instrument 1 and BTCUSDT its 2.
            let trade = Array(
                (#"{"stream":"ethusdt@trade","data":{"e":"trade","E":1,"s":"ETHUSDT","t":1,"p":"1.00","#
                    + #""q":"1.00000","T":1,"m":true}}"#).utf8)
            try trade.withUnsafeBufferPointer {
                try translator.translate(
                    $0, from: 0, receiveTimeNs: 1, snapshotSymbol: nil, into: FrameBatch(capacity: 16))
            }
            sources.append((translator, 3_000_000_000))
        }
        // Every source's lines in time order.
        let order = sources.indices.flatMap { source in recording.indices.map { (source: source, line: $0) } }.sorted {
            (times[$0.line] + sources[$0.source].shiftNs, $0.source) < (
                times[$1.line] + sources[$1.source].shiftNs, $1.source
            )
        }
        let batch = FrameBatch(capacity: 1 << 16)
        let inputs = bots == 1 ? [] : (0..<bots).flatMap { ["--in", "shm:bot\($0)"] } + ["--market", "shm:md"]
        let execOptions = try ExecOptions(
            [
                "--max-position", execMaxPosition, "--entry-latency-ms", "5", "--maker-fee-ppm", "-10",
                "--taker-fee-ppm", "400"
            ] + inputs)
        let exec = ExecProcessor(options: execOptions, output: CountingRecords(), venues: venues(execOptions))
        let signal = try SignalProcessor<ToExec<Venues>, S>(
            options: try SignalOptions(
                ["--out", "-", "--pass-through", "--quote-size", "0.01", "--max-position", "0.05"] + arguments),
            output: ToExec(exec: exec, bots: bots))
        // The translator defines the symbol on first sight.
        let book = BookProcessor(output: ToSignal(signal: signal), passDeltas: true)

        func run(_ range: Range<Int>) throws {
            for (source, index) in order[range] {
                try recording[index].withUnsafeBufferPointer { line in
                    let (receiveTimeNs, space) = receiveTime(line)
                    batch.removeAll()
                    try sources[source].translator.translate(
                        line, from: space + 1, receiveTimeNs: receiveTimeNs + sources[source].shiftNs,
                        snapshotSymbol: pair ? "BTCUSDT" : nil, into: batch)
                    for position in 0..<batch.count {
                        withUnsafePointer(to: batch.storage[position]) { book.handle($0) }
                    }
                }
            }
        }
        let count = order.count
        try run(0..<5_000) // warm up: the snapshot, first quotes and orders, every array's growth
        let before = malloc_counter_thread_allocations()
        try run(5_000..<count)
        let allocations = malloc_counter_thread_allocations() - before
        XCTAssertGreaterThan(signal.output.intents, pair ? 10 : 200, "\(S.name) quoted")
        XCTAssertGreaterThan(exec.output.fills, 0, "\(S.name): the paper venue filled")
        XCTAssertEqual(exec.output.problems, 0, "\(S.name): no order refused")
        XCTAssertEqual(
            allocations, 0,
            "\(S.name): allocations over \(count - 5_000) real messages decoded, booked, quoted and traded")
        if bots > 1 {
            XCTAssertTrue(exec.instruments.contains { $0.manager.bot == 1 && $0.ledger.fills > 0 }, "bot 1 traded")
        }
        if arguments.contains("--take-quotes") { XCTAssertGreaterThan(exec.output.takingOrders, 0, "orders that take") }
    }
}
