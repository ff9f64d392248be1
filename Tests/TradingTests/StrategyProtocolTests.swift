import IPC
import StrategyHarness
import TestSupport
import XCTest

@testable import ExecCore
@testable import SignalCore

/// The `Strategy` protocol as signal's processor drives it: which handler sees which event, at
/// what market time, what the context holds then, and what becomes of the quotes asked for.
final class StrategyProtocolTests: XCTestCase {
    /// Writes down every event it is handed; on a trade sets timer 3 a second on, and on that
    /// timer asks for a quote.
    struct Recorder: Strategy {
        struct Parameters { var timerDelayNs: Int64 = 1_000_000_000 }
        static let name = "recorder"
        static let summary = "records its events"
        static var parameters: StrategyParameters<Parameters> {
            StrategyParameters(Parameters(), [.integer("timer-delay-ns", \.timerDelayNs, in: 1...Int64.max)])
        }
        let parameters: Parameters
        var events: [String] = []
        var reports: [ExecutionReport] = []
        var positions: [PositionReport] = []

        init(_ parameters: Parameters) { self.parameters = parameters }

        mutating func onInstrument(_ instrument: Instrument, context: inout StrategyContext) {
            events.append("instrument \(instrument.symbol) at \(context.nowNs)")
        }
        mutating func onTop(_ top: BookTop, context: inout StrategyContext) {
            events.append("top \(top.bidPrice) at \(context.nowNs)")
        }
        mutating func onTrade(_ trade: Trade, context: inout StrategyContext) {
            events.append("trade \(trade.price) at \(context.nowNs)")
            context.setTimer(3, atNs: context.nowNs + parameters.timerDelayNs)
        }
        mutating func onOrderUpdate(_ report: ExecutionReport, context: inout StrategyContext) {
            events.append("order \(report.clientOrderId) at \(context.nowNs)")
            reports.append(report)
        }
        mutating func onPosition(_ report: PositionReport, context: inout StrategyContext) {
            events.append("position \(context.position(report.instrument)) at \(context.nowNs)")
            positions.append(report)
        }
        mutating func onTimer(_ timer: Int, context: inout StrategyContext) {
            events.append("timer \(timer) at \(context.nowNs)")
            context.quote(1, Quote(bidPrice: 99, bidSize: 1, askPrice: 0, askSize: 0))
        }
    }

    struct Collected: SignalOutput {
        var intents: [QuoteIntent] = []
        var problems: [String] = []
        var orders: [OrderIntent] = []
        mutating func emit(_ intent: QuoteIntent, instrument: Instrument) { intents.append(intent) }
        mutating func emit(_ order: OrderIntent, instrument: Instrument) { orders.append(order) }
        mutating func pass(_ frame: UnsafePointer<Frame>) {}
        mutating func report(_ problem: String) { problems.append(problem) }
    }

    let second: Int64 = 1_000_000_000
    let instrument = try! Instrument(
        id: 1, symbol: "BTCUSDT", tickMantissa: 1, tickDecimals: 2, lotMantissa: 1, lotDecimals: 5,
        priceDisplayDecimals: 2, sizeDisplayDecimals: 5)

    func processor() throws -> SignalProcessor<Collected, Recorder> {
        let registry = StrategyRegistry([.init(Recorder.self)])
        let options = try SignalOptions(
            ["--min-requote-ms", "0", "--quote-size", "0.001", "--timer-delay-ns", "\(second)"], strategies: registry)
        return try SignalProcessor(options: options, output: Collected())
    }

    func handle<M: FrameMessage>(_ processor: SignalProcessor<Collected, Recorder>, _ message: M) {
        withUnsafePointer(to: Frame(message)) { processor.handle($0) }
    }

    func top(_ bid: Int64, at timeNs: Int64) -> BookTop {
        BookTop(
            header: FrameHeader(type: .bookTop, flags: .endOfMessage, instrument: 1, receiveTimeNs: timeNs),
            bidPrice: bid, bidSize: 1, askPrice: bid + 1, askSize: 1)
    }

    func trade(_ price: Int64, at timeNs: Int64) -> Trade {
        Trade(
            header: FrameHeader(type: .trade, instrument: 1, receiveTimeNs: timeNs), price: price, size: 1, tradeId: 1,
            aggressor: .buy)
    }

    func testEventsReachTheirHandlersInMarketTimeAndATimerFiresBeforeTheFirstEventAtOrAfterIt() throws {
        let processor = try processor()
        let definition = InstrumentDefinition(
            instrument, header: FrameHeader(type: .instrumentDefinition, instrument: 1, receiveTimeNs: 5))
        handle(processor, definition)
        handle(processor, definition) // the same instrument again: no new event
        handle(processor, top(100, at: 10 * second))
        handle(processor, trade(100, at: 11 * second)) // timer 3 for 12 s
        handle(processor, top(101, at: 11 * second + 500_000_000)) // before it: no timer yet
        handle(processor, top(102, at: 13 * second)) // the timer first, at its own time
        XCTAssertEqual(
            processor.strategy.events,
            [
                "instrument BTCUSDT at 0", "top 100 at 10000000000", "trade 100 at 11000000000",
                "top 101 at 11500000000", "timer 3 at 12000000000", "top 102 at 13000000000"
            ])
        // The timer's quote went out stamped with the timer's time, for its instrument.
        let intent = try XCTUnwrap(processor.output.intents.last)
        XCTAssertEqual(intent.header.receiveTimeNs, 12 * second)
        XCTAssertEqual(intent.header.instrument, 1)
        XCTAssertEqual(intent.bidPrice, 99)
        XCTAssertEqual(processor.output.intents.count, 1, "only the timer quoted")
    }

    /// A timer set again, later, fires once at its new time; one set earlier, at that (the
    /// earliest of all timers was kept stale when the one moved later had been it: no timer fired again).
    func testATimerSetAgainFiresAtItsNewTimeAndTheOthersStillFire() {
        var context = StrategyContext(bookLevels: 0)
        context.setTimer(1, atNs: 10)
        context.setTimer(1, atNs: 20)
        context.setTimer(2, atNs: 30)
        XCTAssertNil(context.takeTimer(dueBy: 15))
        XCTAssertEqual(context.takeTimer(dueBy: 25)?.timer, 1)
        context.setTimer(2, atNs: 5)
        XCTAssertEqual(context.takeTimer(dueBy: 25).map { [$0.timer, Int($0.atNs)] }, [2, 5])
        XCTAssertNil(context.takeTimer(dueBy: 1 << 62), "none left")
    }

    func testOrderUpdatesAndPositionsReachTheStrategyWhenTheyAreSeen() throws {
        let processor = try processor()
        handle(
            processor, InstrumentDefinition(instrument, header: FrameHeader(type: .instrumentDefinition, instrument: 1))
        )
        handle(processor, top(100, at: 10 * second))
        let fill = ExecutionReport(
            header: FrameHeader(type: .executionReport, instrument: 1, receiveTimeNs: 10 * second), report: .fill,
            side: .buy, clientOrderId: 7, price: 100, size: 40, fee: 3)
        withUnsafePointer(to: Frame(fill)) { processor.handleExecOutput($0, atNs: 10 * second + 5_000_000) }
        let report = PositionReport(
            instrument: 1, timeNs: 10 * second, position: 40, markPrice: 100, unrealizedPnl: 20,
            realizedPnl: Int128(Int64.max) * 4, fees: 3)
        let (snapshot, money) = report.frames
        withUnsafePointer(to: Frame(snapshot)) { processor.handleExecOutput($0, atNs: 10 * second + 5_000_000) }
        XCTAssertEqual(processor.context.position(1), 40, "the position from the snapshot's first frame")
        XCTAssertTrue(processor.strategy.positions.isEmpty, "its money comes with the second")
        withUnsafePointer(to: Frame(money)) { processor.handleExecOutput($0, atNs: 10 * second + 5_000_000) }
        XCTAssertEqual(processor.strategy.reports, [fill])
        XCTAssertEqual(processor.strategy.positions, [report], "128-bit money whole")
        XCTAssertEqual(processor.context.positionReport(1), report)
        XCTAssertEqual(
            Array(processor.strategy.events.suffix(2)), ["order 7 at 10005000000", "position 40 at 10005000000"])

        // A report no layout defines is not handed on: said once, counted.
        var bad = Frame(fill)
        withUnsafeMutableBytes(of: &bad) { $0[32] = 99 }
        for _ in 0..<2 { withUnsafePointer(to: bad) { processor.handleExecOutput($0, atNs: 11 * second) } }
        XCTAssertEqual(processor.strategy.reports.count, 1)
        XCTAssertEqual(processor.malformedReports, 2)
        XCTAssertEqual(processor.output.problems.count, 1, processor.output.problems.joined())
        XCTAssertTrue(processor.output.problems[0].hasPrefix("signal: exec's report 99 side 1"))
    }

    func testNothingIsQuotedOnAnInvalidBook() throws {
        let processor = try processor()
        handle(
            processor, InstrumentDefinition(instrument, header: FrameHeader(type: .instrumentDefinition, instrument: 1))
        )
        handle(processor, top(100, at: 10 * second))
        handle(processor, trade(100, at: 10 * second)) // timer for 11 s
        var invalid = top(0, at: 10 * second + 1)
        invalid.bidSize = 0
        invalid.askSize = 0
        invalid.bidPrice = 0
        invalid.askPrice = 0
        XCTAssertFalse(invalid.isValid)
        handle(processor, invalid)
        handle(processor, trade(100, at: 12 * second)) // the timer fires: its quote is dropped
        XCTAssertTrue(processor.strategy.events.contains("timer 3 at 11000000000"))
        XCTAssertEqual(processor.output.intents.count, 1, "the cancel on the invalid book, not the timer's quote")
        XCTAssertTrue(processor.output.intents[0].isCancelAll)
    }

    func testAStrategysParametersComeFromItsDeclarationForFlagsFilesAndHelp() throws {
        let registry = StrategyRegistry([.init(Recorder.self)] + StrategyRegistry.builtIn.entries)
        XCTAssertEqual(try SignalOptions(["--timer-delay-ns", "5"], strategies: registry).strategy.name, "recorder")
        XCTAssertThrowsError(try SignalOptions(["--timer-delay-ns", "0"], strategies: registry)) {
            XCTAssertEqual("\($0)", "--timer-delay-ns '0': expected an integer in 1...9223372036854775807")
        }
        XCTAssertThrowsError(try SignalOptions(["--strategy", "fixed", "--timer-delay-ns", "5"], strategies: registry))
        {
            XCTAssertTrue("\($0)".hasPrefix("--timer-delay-ns is not a parameter of --strategy fixed"), "\($0)")
        }
        XCTAssertThrowsError(try SignalOptions(["--strategy", "x"], strategies: registry)) {
            XCTAssertEqual(
                "\($0)",
                "--strategy 'x': expected recorder, as, fixed, band, momentum, pairs, imbalance, grid, ema, rsi, "
                    + "bollinger, combined or external"
            )
        }
        let usage = SignalOptions.usage(registry)
        XCTAssertTrue(usage.contains("  recorder\n          records its events"), usage)
        XCTAssertTrue(usage.contains("    --timer-delay-ns N                     1000000000"), usage)
        XCTAssertFalse(try SignalOptions([], strategies: .builtIn).strategy.parameterNames.contains("timer-delay-ns"))
    }

    /// Reads 10 levels a side at every top and checks them against the top book handed it: the
    /// best levels are the top's, bids fall and asks rise, every size is positive. What it finds
    /// wrong, it reports.
    struct DepthProbe: Strategy {
        struct Parameters {}
        static let name = "depth-probe"
        static let summary = "checks its book levels against its tops"
        static var parameters: StrategyParameters<Parameters> { StrategyParameters(Parameters(), []) }
        init(_ parameters: Parameters) {}
        var bookLevels: Int { 10 }

        mutating func onTop(_ top: BookTop, context: inout StrategyContext) {
            guard let book = context.book(top.header.instrument) else {
                return context.report("depth: no book at a valid top, \(context.nowNs)")
            }
            var problems: [String] = []
            if book.bid(0) != (top.bidPrice, top.bidSize) || book.ask(0) != (top.askPrice, top.askSize) {
                problems.append("best levels \(book.bid(0)) / \(book.ask(0)) are not the top's")
            }
            if book.bidCount != 10 || book.askCount != 10 {
                problems.append("\(book.bidCount) / \(book.askCount) levels")
            }
            var last = Int64.max
            book.forEachBid { price, size in
                if price >= last || size <= 0 { problems.append("bid \(price) \(size) after \(last)") }
                last = price
            }
            last = Int64.min
            book.forEachAsk { price, size in
                if price <= last || size <= 0 { problems.append("ask \(price) \(size) after \(last)") }
                last = price
            }
            for problem in problems { context.report("depth: \(context.nowNs): \(problem)") }
            context.report("checked")
        }
    }

    func testAStrategyReadsBookLevelsAndTheyAreTheBooksOwn() throws {
        let data = try sharedDataDirectory()
        let journal = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-depth-\(getpid())").path
        defer { unlink(journal) }
        let outcome = try StrategyHarness(
            files: ["\(data)/binance-spot/btcusdt_20240808.gz"], exchangeInfo: "\(data)/cryptofeed/BINANCE.0",
            signal: ["--strategy", "depth-probe"], strategies: StrategyRegistry([.init(DepthProbe.self)])
        ).replay(journal: journal)
        let checked = outcome.problems.filter { $0 == "signal: checked" }.count
        XCTAssertGreaterThan(checked, 2_000, "tops checked")
        XCTAssertEqual(outcome.problems.filter { $0.hasPrefix("signal: depth") }.prefix(5), [])
    }

    /// The grid through the paper venue: 5 orders a side at most and at full strength, the same
    /// orders kept while the grid stands (most commands move one order, few cancel), from the
    /// journal alone.
    func testAFiveLevelGridKeepsFiveOrdersASideOnARealReplay() throws {
        let data = try sharedDataDirectory()
        let journal = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-grid-\(getpid())").path
        defer { unlink(journal) }
        let outcome = try StrategyHarness(
            files: ["\(data)/binance-spot/btcusdt_20240808.gz"], exchangeInfo: "\(data)/cryptofeed/BINANCE.0",
            signal: [
                "--strategy", "grid", "--levels", "5", "--grid-ticks", "100", "--half-spread-ticks", "100",
                "--quote-size", "0.1", "--max-position", "1"
            ],
            exec: ["--max-position", "1"]
        ).replay(journal: journal)
        XCTAssertEqual(outcome.problems.filter { $0.contains("refused") }, [])
        var working: [Side: Set<UInt32>] = [.buy: [], .sell: []]
        var side: [UInt32: Side] = [:]
        var most: [Side: Int] = [.buy: 0, .sell: 0]
        var kinds: [OrderCommand.Command: Int] = [:]
        _ = try Journal.read(journal) { frame, _ in
            switch frame.header.messageType {
            case .orderCommand:
                let command = frame.as(OrderCommand.self)
                kinds[command.command, default: 0] += 1
                if command.command == .replace { working[command.side]!.remove(command.origClientOrderId) }
                if command.command != .cancel {
                    working[command.side]!.insert(command.clientOrderId)
                    side[command.clientOrderId] = command.side
                }
            case .executionReport:
                let report = frame.as(ExecutionReport.self)
                if [.fill, .cancelled, .reject].contains(report.report), let of = side[report.clientOrderId] {
                    working[of]!.remove(report.clientOrderId)
                }
            default:
                break
            }
            for (key, orders) in working { most[key] = max(most[key]!, orders.count) }
        }
        XCTAssertEqual(most, [.buy: 5, .sell: 5], "5 orders a side, never more")
        XCTAssertGreaterThan(outcome.results[0].fills, 10)
        XCTAssertGreaterThan(kinds[.replace] ?? 0, 3 * (kinds[.cancel] ?? 0), "\(kinds)")
    }

    /// Buys at market when flat, and a second after its buy filled sells what it holds with a
    /// limit at the bid that takes: a strategy that takes, through exec and the paper venue.
    struct Taker: Strategy {
        struct Parameters {}
        static let name = "taker"
        static let summary = "buys at market, sells a second later at the bid"
        static var parameters: StrategyParameters<Parameters> { StrategyParameters(Parameters(), []) }
        init(_ parameters: Parameters) {}
        var inFlight = false

        mutating func onTop(_ top: BookTop, context: inout StrategyContext) {
            let id = top.header.instrument
            guard !inFlight, context.position(id) == 0 else { return }
            context.order(id, side: .buy, size: context.quoteSizeLots(id))
            inFlight = true
        }

        mutating func onOrderUpdate(_ report: ExecutionReport, context: inout StrategyContext) {
            guard report.report == .fill || report.report == .cancelled || report.report == .reject else { return }
            if report.side == .buy && report.report == .fill {
                context.setTimer(1, atNs: context.nowNs + 1_000_000_000)
            }
            if report.side == .sell { inFlight = false }
        }

        mutating func onTimer(_ timer: Int, context: inout StrategyContext) {
            for id in context.instrumentIds where context.position(id) > 0 {
                guard let top = context.top(id) else { continue }
                context.order(id, side: .sell, size: context.position(id), price: top.bidPrice)
            }
        }
    }

    func testAStrategysOrdersTakeThroughExecAndThePaperVenue() throws {
        let data = try sharedDataDirectory()
        let journal = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-taker-\(getpid())").path
        defer { unlink(journal) }
        let outcome = try StrategyHarness(
            files: ["\(data)/binance-spot/btcusdt_20240808.gz"], exchangeInfo: "\(data)/cryptofeed/BINANCE.0",
            signal: ["--strategy", "taker", "--quote-size", "0.01", "--max-position", "1"],
            strategies: StrategyRegistry([.init(Taker.self)]), exec: ["--max-position", "1"]
        ).replay(journal: journal)
        XCTAssertEqual(outcome.problems.filter { !$0.hasPrefix("exec: BTCUSDT: continuing") }, [])
        var commands: [OrderCommand] = []
        _ = try Journal.read(journal) { frame, _ in
            if frame.header.messageType == .orderCommand { commands.append(frame.as(OrderCommand.self)) }
        }
        let buys = commands.filter { $0.side == .buy }
        let sells = commands.filter { $0.side == .sell }
        XCTAssertGreaterThan(buys.count, 20, "a buy, a sell a second later, again")
        XCTAssertTrue(
            buys.allSatisfy { $0.orderType == .market && $0.timeInForce == .immediateOrCancel && $0.size == 1_000_000 })
        XCTAssertTrue(sells.allSatisfy { $0.orderType == .limit && $0.timeInForce == .immediateOrCancel })
        XCTAssertLessThanOrEqual(abs(buys.count - sells.count), 1)
        XCTAssertGreaterThan(outcome.results[0].fills, 2 * 20)
        XCTAssertLessThanOrEqual(outcome.results[0].position, 1_000_000, "flat, or holding the last buy")
    }
}
