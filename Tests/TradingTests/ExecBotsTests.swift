import IPC
import XCTest

@testable import ExecCore

/// Several bots in one exec: an account each on the shared venue (orders, position, limits),
/// their client order ids apart, and no order sent that would trade with another bot's.
final class ExecBotsTests: XCTestCase {
    typealias Collected = ExecProcessorTests.Collected

    /// Two bots (inputs), AAAUSDT at 100 / 101, lots of 0.001; bot 1 limited to 5 lots.
    func twoBots() throws -> (ExecProcessor<Collected, DefaultPaperVenues>, (Frame) -> Void) {
        try ExecProcessorTests.oneInstrument(
            [
                "--in", "shm:bot0", "--in", "shm:bot1", "--market", "shm:md", "--entry-latency-ms", "0",
                "--max-position", "0.01", "--bot-max-position", "1=0.005"
            ], ask: 101, size: 5)
    }

    func quote(bot: UInt16, bid: Int64, _ bidSize: Int64, ask: Int64, _ askSize: Int64) -> Frame {
        Frame(
            QuoteIntent(
                header: FrameHeader(type: .quoteIntent, instrument: 1, bot: bot), bidPrice: bid, bidSize: bidSize,
                askPrice: ask, askSize: askSize))
    }

    func commands(_ processor: ExecProcessor<Collected, DefaultPaperVenues>) -> [OrderCommand] {
        processor.output.frames.filter { $0.header.messageType == .orderCommand }.map { $0.as(OrderCommand.self) }
    }

    func testEachBotHasItsOwnAccountAndLimits() throws {
        let (processor, feed) = try twoBots()
        feed(quote(bot: 0, bid: 100, 7, ask: 0, 0))
        feed(quote(bot: 1, bid: 100, 7, ask: 0, 0))
        let sent = commands(processor)
        XCTAssertEqual(sent.map(\.header.bot), [0, 1], "each command carries its bot")
        XCTAssertEqual(sent.map(\.size), [7, 5], "bot 1's own limit of 5 lots")
        XCTAssertEqual(sent.map(\.clientOrderId), [1, 2], "bot 0's ids are odd, bot 1's even")
        feed(
            Frame(
                Trade(
                    header: FrameHeader(type: .trade, instrument: 1), price: 99, size: 50, tradeId: 1, aggressor: .sell)
            ))
        let positions = processor.instruments.map { ($0.manager.bot, $0.ledger.position) }
        XCTAssertEqual(positions.map(\.0), [0, 1])
        XCTAssertEqual(positions.map(\.1), [7, 5], "each fill booked to its own bot")
        let fills = processor.output.frames.filter { $0.header.messageType == .executionReport }.map {
            $0.as(ExecutionReport.self)
        }.filter { $0.report == .fill }
        XCTAssertEqual(fills.map(\.header.bot), [0, 1])
        let snapshots = processor.output.frames.filter { $0.header.messageType == .positionSnapshot }
        XCTAssertEqual(Set(snapshots.map(\.header.bot)), [0, 1], "a position snapshot per bot")
        XCTAssertEqual(processor.results.map(\.bot), [0, 1])
        XCTAssertTrue(
            processor.results[1].summary.hasPrefix("exec: AAAUSDT bot 1: 1 fills"), processor.results[1].summary)
        // The next ids keep apart: bot 0's 3, bot 1's 4.
        feed(quote(bot: 1, bid: 0, 0, ask: 105, 2))
        feed(quote(bot: 0, bid: 0, 0, ask: 106, 2))
        XCTAssertEqual(commands(processor).suffix(2).map(\.clientOrderId), [4, 3])
    }

    /// `--max-total-position`: a bot's room is what the others' positions and working orders
    /// leave of the limit over them all.
    func testTheBotsTogetherStayWithinTheTotalLimit() throws {
        let (processor, feed) = try ExecProcessorTests.oneInstrument(
            [
                "--in", "shm:bot0", "--in", "shm:bot1", "--market", "shm:md", "--entry-latency-ms", "0",
                "--max-position", "0.01", "--max-total-position", "0.012"
            ], ask: 101, size: 5)
        feed(quote(bot: 0, bid: 100, 8, ask: 0, 0))
        feed(quote(bot: 1, bid: 99, 7, ask: 0, 0))
        XCTAssertEqual(commands(processor).map(\.size), [8, 4], "12 lots in all: bot 0's 8 working leave bot 1 4")
        feed(
            Frame(
                Trade(
                    header: FrameHeader(type: .trade, instrument: 1), price: 99, size: 50, tradeId: 1, aggressor: .sell)
            ))
        XCTAssertEqual(processor.instruments.map(\.ledger.position), [8, 4])
        // Full together: bot 1's next buy has no room, its sells all of it (its own limit and the
        // total's other side).
        feed(
            Frame(
                OrderIntent.market(header: FrameHeader(type: .orderIntent, instrument: 1, bot: 1), side: .buy, size: 1))
        )
        XCTAssertTrue(
            processor.output.problems.last?.contains("or the bots' total of 12 (the others' position 8)") ?? false,
            "\(processor.output.problems)")
        feed(quote(bot: 1, bid: 0, 0, ask: 102, 30))
        XCTAssertEqual(commands(processor).last?.size, 14, "down to -10, its own limit")
    }

    func testNoOrderIsSentThatWouldTradeWithAnotherBot() throws {
        let (processor, feed) = try twoBots()
        feed(quote(bot: 1, bid: 100, 2, ask: 103, 2))
        // Bot 0's ask at 100 would sell to bot 1's bid, its bid at 103 buy from bot 1's ask.
        feed(quote(bot: 0, bid: 103, 1, ask: 100, 1))
        XCTAssertEqual(commands(processor).filter { $0.header.bot == 0 }, [], "both held back")
        XCTAssertEqual(processor.instruments[0].manager.selfTradesPrevented, 2)
        // Inside bot 1's quotes it quotes.
        feed(quote(bot: 0, bid: 101, 1, ask: 102, 1))
        XCTAssertEqual(commands(processor).filter { $0.header.bot == 0 }.map(\.price), [101, 102])
        // A market buy would first meet the book's ask (101): not bot 1's at 103, sent; a limit
        // buy at 103 would reach it, held back.
        feed(Frame(OrderIntent.market(header: FrameHeader(type: .orderIntent, instrument: 1), side: .buy, size: 1)))
        feed(
            Frame(
                OrderIntent.limit(
                    header: FrameHeader(type: .orderIntent, instrument: 1), side: .buy, price: 103, size: 1)))
        XCTAssertEqual(
            commands(processor).filter { $0.header.bot == 0 }.map(\.orderType), [.postOnly, .postOnly, .market])
        XCTAssertEqual(processor.instruments[0].manager.selfTradesPrevented, 3)
        XCTAssertTrue(
            processor.instruments[0].ledger.position == 1 && processor.instruments[1].ledger.position == 0,
            "the market buy took the book's ask, not bot 1's")
        XCTAssertTrue(
            ExecSummary.line(processor.instruments[0], bots: 2).hasSuffix(
                "3 orders held back from trading with another bot"))
    }

    func testAnIntentOfABotWithoutAnAccountIsRefused() throws {
        let (processor, feed) = try twoBots()
        feed(quote(bot: 2, bid: 100, 1, ask: 0, 0))
        feed(quote(bot: 2, bid: 100, 1, ask: 0, 0))
        XCTAssertEqual(commands(processor), [])
        XCTAssertEqual(processor.foreignIntents, 2)
        XCTAssertEqual(
            processor.output.problems,
            [
                "exec: an intent of bot 2 refused: this exec keeps 2 accounts (bots 0 ... 1); such intents are "
                    + "counted at the end"
            ])
    }

    func testTheBotFlagsAreChecked() {
        for (arguments, problem) in [
            (["--in", "shm:a", "--in", "shm:b"], "--in is repeated (one signal per bot) only with --market"),
            (["--in", "shm:a", "--market", "shm:m", "--bot-max-position", "1=1"], "--bot-max-position '1=1'"),
            (["--in", "shm:a", "--market", "shm:m", "--bot-max-position", "0=x"], "--bot-max-position '0=x'")
        ] {
            XCTAssertThrowsError(try ExecOptions(arguments)) {
                XCTAssertTrue("\($0)".contains(problem), "\($0)")
            }
        }
        // Several bots on a live account: accepted (each order then asks for EXPIRE_TAKER).
        let live = try? ExecOptions([
            "--in", "shm:a", "--in", "shm:b", "--market", "shm:m", "--venue", "binance-spot", "--venue-journal", "v"
        ])
        XCTAssertEqual(live?.bots, 2)
    }
}
