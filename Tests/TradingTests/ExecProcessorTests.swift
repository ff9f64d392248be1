import IPC
import XCTest

@testable import ExecCore

/// exec's core in-process, with two instruments: each venue's fills are booked to its own
/// instrument, whichever instrument's frame produced them.
final class ExecProcessorTests: XCTestCase {
    struct Recorded: ExecOutput {
        var frames: [Frame] = []
        mutating func record(_ frame: Frame) { frames.append(frame) }
        mutating func report(_ problem: String) { XCTFail(problem) }
    }

    func testFillsAreBookedToTheirOwnInstrument() throws {
        let options = try ExecOptions(["--entry-latency-ms", "0"])
        let processor = ExecProcessor(options: options, output: Recorded(), venues: defaultVenues(options))
        var receive: Int64 = 1_000
        func feed(_ frame: Frame) {
            var frame = frame
            receive += 1_000
            frame.header.receiveTimeNs = receive
            withUnsafePointer(to: frame) { processor.handle($0) }
        }
        for (id, symbol) in [(UInt32(1), "AAAUSDT"), (2, "BBBUSDT")] {
            let instrument = try Instrument(
                id: id, symbol: symbol, tickMantissa: 1, tickDecimals: 2, lotMantissa: 1,
                lotDecimals: 3, priceDisplayDecimals: 2, sizeDisplayDecimals: 3)
            feed(
                Frame(
                    InstrumentDefinition(instrument, header: FrameHeader(type: .instrumentDefinition, instrument: id))))
            feed(
                Frame(
                    BookTop(
                        header: FrameHeader(type: .bookTop, instrument: id), bidPrice: 100, bidSize: 5, askPrice: 101,
                        askSize: 5)))
        }
        // A bid on each, then a trade through instrument 2's bid only, then the book crossing 1's.
        for id: UInt32 in [1, 2] {
            feed(
                Frame(
                    QuoteIntent(
                        header: FrameHeader(type: .quoteIntent, instrument: id), bidPrice: 100, bidSize: 7, askPrice: 0,
                        askSize: 0)))
        }
        feed(
            Frame(
                Trade(
                    header: FrameHeader(type: .trade, instrument: 2), price: 99, size: 50, tradeId: 1, aggressor: .sell)
            ))
        let ledgers = Dictionary(uniqueKeysWithValues: processor.instruments.map { ($0.instrument.id, $0.ledger) })
        XCTAssertEqual(ledgers[2]?.position, 7, "instrument 2's bid filled")
        XCTAssertEqual(ledgers[1]?.position, 0, "instrument 1 traded nothing")
        feed(
            Frame(
                BookTop(
                    header: FrameHeader(type: .bookTop, instrument: 1), bidPrice: 99, bidSize: 5, askPrice: 100,
                    askSize: 5)))
        let after = Dictionary(uniqueKeysWithValues: processor.instruments.map { ($0.instrument.id, $0.ledger) })
        XCTAssertEqual(after[1]?.position, 7, "the ask came down to instrument 1's bid")
        XCTAssertEqual(after[2]?.position, 7)
        let fills = processor.output.frames.filter {
            $0.header.messageType == .executionReport && $0.as(ExecutionReport.self).report == .fill
        }
        XCTAssertEqual(fills.map(\.header.instrument), [2, 1])
        // An intent whose prices span all of 64 bits (a strategy's, unchecked on the wire): its
        // spread does not trap.
        feed(
            Frame(
                QuoteIntent(
                    header: FrameHeader(type: .quoteIntent, instrument: 2), bidPrice: Int64.min, bidSize: 0,
                    askPrice: Int64.max, askSize: 0)))
    }
}

extension ExecProcessorTests {
    /// The market is quiet after an order is sent: the first trade after the order reached the
    /// venue meets it, although that trade is also the first frame exec sees after the arrival.
    func testAnOrderThatArrivedDuringAQuietMarketMeetsTheNextTrade() throws {
        let options = try ExecOptions(["--entry-latency-ms", "5"])
        let processor = ExecProcessor(options: options, output: Recorded(), venues: defaultVenues(options))
        func feed(_ frame: Frame, at time: Int64) {
            var frame = frame
            frame.header.receiveTimeNs = time
            withUnsafePointer(to: frame) { processor.handle($0) }
        }
        let instrument = try Instrument(
            id: 1, symbol: "AAAUSDT", tickMantissa: 1, tickDecimals: 2, lotMantissa: 1,
            lotDecimals: 3, priceDisplayDecimals: 2, sizeDisplayDecimals: 3)
        feed(
            Frame(InstrumentDefinition(instrument, header: FrameHeader(type: .instrumentDefinition, instrument: 1))),
            at: 1_000)
        feed(
            Frame(
                BookTop(
                    header: FrameHeader(type: .bookTop, instrument: 1), bidPrice: 100, bidSize: 5, askPrice: 101,
                    askSize: 5)),
            at: 2_000)
        // A bid one tick behind the best, at an empty level: nothing ahead of it once it is there.
        feed(
            Frame(
                QuoteIntent(
                    header: FrameHeader(type: .quoteIntent, instrument: 1), bidPrice: 99, bidSize: 7, askPrice: 0,
                    askSize: 0)),
            at: 3_000)
        // It arrives 5 ms later; the next frame is a sell sweeping to 98, 100 ms on.
        feed(
            Frame(
                Trade(
                    header: FrameHeader(type: .trade, instrument: 1), price: 98, size: 50, tradeId: 1, aggressor: .sell)
            ),
            at: 100_003_000)
        XCTAssertEqual(
            processor.instruments.first?.ledger.position, 7, "the trade went through the bid resting since 5 ms")
        let reports = processor.output.frames.filter { $0.header.messageType == .executionReport }.map {
            $0.as(ExecutionReport.self).report
        }
        XCTAssertEqual(reports, [.ack, .fill], "acknowledged first, then filled")
    }
}

extension ExecProcessorTests {
    /// Market time follows the wall clock through a quiet input only where it is the wall
    /// clock's: a live or synthetic market. A replay's stays at its data's, however long exec
    /// waits, so a stage held up on a loaded machine cannot change the journal.
    func testQuietInputMovesMarketTimeOnALiveMarketOnly() throws {
        for (label, start, moves) in [
            ("live", SystemClock.realtimeNanoseconds(), true),
            ("replay of 2024-08-08", Int64(1_723_161_254_206_652_067), false)
        ] {
            let options = try ExecOptions([])
            let processor = ExecProcessor(options: options, output: Recorded(), venues: defaultVenues(options))
            var frame = Frame(
                BookTop(
                    header: FrameHeader(type: .bookTop, instrument: 1), bidPrice: 100, bidSize: 5, askPrice: 101,
                    askSize: 5))
            frame.header.receiveTimeNs = start
            withUnsafePointer(to: frame) { processor.handle($0) }
            processor.inputArrived(atWallNs: SystemClock.monotonicNanoseconds())
            usleep(20_000)
            processor.idle(quietNs: 10_000_000)
            XCTAssertEqual(processor.now > start, moves, label)
            if moves { XCTAssertGreaterThanOrEqual(processor.now - start, 20_000_000, label) }
        }
    }
}

typealias DefaultPaperVenues = PaperVenues<ConstantLatency, ProportionalQueue, NotionalFees>

/// The paper venues `exec` makes for `options` without model flags: a constant latency, the
/// proportional queue, maker and taker rates.
func defaultVenues(_ options: ExecOptions) -> DefaultPaperVenues {
    PaperVenues(
        latency: ConstantLatency(latencyNs: options.entryLatencyNs), marketDataLatencyNs: options.marketDataLatencyNs,
        queue: ProportionalQueue(), fees: options.fees)
}

extension ExecProcessorTests {
    struct Collected: ExecOutput {
        var frames: [Frame] = []
        var problems: [String] = []
        mutating func record(_ frame: Frame) { frames.append(frame) }
        mutating func report(_ problem: String) { problems.append(problem) }
    }

    /// exec's core with `arguments`, AAAUSDT (ticks of 0.01, lots of 0.001) defined as instrument 1
    /// and a top of 100 / `ask`, `size` lots each; and how to hand it a frame, 1 µs after the last.
    static func oneInstrument(_ arguments: [String], ask: Int64, size: Int64) throws -> (
        ExecProcessor<Collected, DefaultPaperVenues>, (Frame) -> Void
    ) {
        let options = try ExecOptions(arguments)
        let processor = ExecProcessor(options: options, output: Collected(), venues: defaultVenues(options))
        var receive: Int64 = 1_000
        let feed = { (frame: Frame) in
            var frame = frame
            receive += 1_000
            frame.header.receiveTimeNs = receive
            withUnsafePointer(to: frame) { processor.handle($0) }
        }
        let instrument = try Instrument(
            id: 1, symbol: "AAAUSDT", tickMantissa: 1, tickDecimals: 2, lotMantissa: 1, lotDecimals: 3,
            priceDisplayDecimals: 2, sizeDisplayDecimals: 3)
        feed(Frame(InstrumentDefinition(instrument, header: FrameHeader(type: .instrumentDefinition, instrument: 1))))
        feed(
            Frame(
                BookTop(
                    header: FrameHeader(type: .bookTop, instrument: 1), bidPrice: 100, bidSize: size, askPrice: ask,
                    askSize: size)))
        return (processor, feed)
    }

    /// A ladder arrives as a quote-intent message of several frames: exec works it once its last
    /// frame is in; one it cannot work is one line, counted, and the orders stay.
    func testALadderMessageBecomesAnOrderPerLevelAndABadOneIsRefused() throws {
        let (processor, feed) = try Self.oneInstrument(["--entry-latency-ms", "0"], ask: 110, size: 5)
        func send(_ ladder: QuoteLadder) {
            for index in 0..<ladder.frameCount {
                feed(Frame(ladder.frame(index, header: FrameHeader(type: .quoteIntent, instrument: 1))))
            }
        }
        func newOrders() -> [Int64] {
            processor.output.frames.filter { $0.header.messageType == .orderCommand }.map { $0.as(OrderCommand.self) }
                .filter { $0.command == .new }.map(\.price)
        }
        var ladder = QuoteLadder()
        for level in 0..<Int64(3) { ladder.addBid(price: 100 - level, size: 1) }
        ladder.addAsk(price: 110, size: 1)
        send(ladder)
        XCTAssertEqual(newOrders(), [100, 99, 98, 110], "three bids and an ask, once the third frame was in")
        XCTAssertEqual(processor.output.problems, [])

        // Bids out of order (99 above 100 is not below it): refused, nothing sent.
        var bad = QuoteLadder()
        bad.addBid(price: 100, size: 1)
        bad.addBid(price: 101, size: 1)
        send(bad)
        send(bad)
        XCTAssertEqual(newOrders().count, 4)
        XCTAssertEqual(processor.output.problems.count, 1, "said once")
        XCTAssertTrue(
            processor.output.problems[0].hasPrefix(
                "exec: AAAUSDT: a quote ladder refused (bid level 1 at 101 ticks is not below level 0 at 100)"),
            processor.output.problems[0])
        XCTAssertTrue(processor.instruments[0].laddersRefused == 2)
        XCTAssertTrue(ExecSummary.line(processor.instruments[0]).hasSuffix(", 2 quote ladders refused"))
        // 17 frames: past the most a ladder holds.
        for index in 0..<17 {
            var frame = QuoteIntent(
                header: FrameHeader(type: .quoteIntent, instrument: 1), bidPrice: 90 - Int64(index), bidSize: 1,
                askPrice: 0, askSize: 0)
            if index < 16 { frame.header.flags.remove(.endOfMessage) }
            feed(Frame(frame))
        }
        XCTAssertEqual(newOrders().count, 4)
        XCTAssertTrue(processor.instruments[0].laddersRefused == 3)
        // And the next good one is worked again: a bid at 97 where 98 was, the rest cancelled.
        var next = QuoteLadder()
        next.addBid(price: 98, size: 1)
        next.addBid(price: 97, size: 1)
        send(next)
        let commands = processor.output.frames.filter { $0.header.messageType == .orderCommand }.map {
            $0.as(OrderCommand.self)
        }
        XCTAssertEqual(
            commands.suffix(3).map { "\($0.command) \($0.origClientOrderId) \($0.price)" },
            ["replace 1 97", "cancel 2 0", "cancel 4 0"],
            "98 stays; 100 moves to 97; 99 and the ask go")
    }

    /// A strategy's order that takes: sent as an immediate-or-cancel order of exec's own, sized
    /// to the position limit, filled at the touch by the paper venue; a malformed one refused.
    func testAStrategysOrderTakesWithinThePositionLimit() throws {
        let (processor, feed) = try Self.oneInstrument(
            ["--entry-latency-ms", "0", "--max-position", "0.005"], ask: 101, size: 50)
        let header = FrameHeader(type: .orderIntent, instrument: 1)
        // 8 lots wanted, 5 allowed by the limit (0.005 of lots of 0.001).
        feed(Frame(OrderIntent.market(header: header, side: .buy, size: 8)))
        let commands = processor.output.frames.filter { $0.header.messageType == .orderCommand }.map {
            $0.as(OrderCommand.self)
        }
        XCTAssertEqual(commands.map(\.orderType), [.market])
        XCTAssertEqual(commands.map(\.timeInForce), [.immediateOrCancel])
        XCTAssertEqual(commands.map(\.size), [5])
        XCTAssertEqual(processor.instruments[0].ledger.position, 5, "filled at the ask")
        // Full: a further buy has no room, said with the limit.
        feed(Frame(OrderIntent.limit(header: header, side: .buy, price: 101, size: 1)))
        XCTAssertTrue(
            processor.output.problems.contains {
                $0.contains("a buy of 1 lots: no room within the position limit of 5")
            },
            "\(processor.output.problems)")
        // A limit sell through the bid takes 3 lots there and is done.
        feed(Frame(OrderIntent.limit(header: header, side: .sell, price: 99, size: 3)))
        XCTAssertEqual(processor.instruments[0].ledger.position, 2)
        // A malformed one: one line naming what.
        var bad = OrderIntent.market(header: header, side: .sell, size: 1)
        bad.price = 5
        feed(Frame(bad))
        XCTAssertTrue(
            processor.output.problems.last!.hasSuffix(
                "a strategy's order refused: a market order with price 5 (0 expected)"), processor.output.problems.last!
        )
    }
}
