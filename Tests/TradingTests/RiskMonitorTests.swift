import IPC
import XCTest

@testable import RiskCore

/// risk's core with several bots: each bot's position is its own under `--max-position`, the
/// bots' together under `--max-total-position`, and exposure nets their positions.
final class RiskMonitorTests: XCTestCase {
    let instrument = try! Instrument(
        id: 1, symbol: "AAAUSDT", tickMantissa: 1, tickDecimals: 2, lotMantissa: 1, lotDecimals: 3,
        priceDisplayDecimals: 2, sizeDisplayDecimals: 3)

    func monitor(_ arguments: [String]) throws -> RiskMonitor {
        var monitor = try RiskMonitor(options: RiskOptions(["--session", "risktest"] + arguments))
        handle(
            &monitor,
            Frame(InstrumentDefinition(instrument, header: FrameHeader(type: .instrumentDefinition, instrument: 1))))
        handle(
            &monitor,
            Frame(
                BookTop(
                    header: FrameHeader(type: .bookTop, instrument: 1), bidPrice: 9_999, bidSize: 1, askPrice: 10_001,
                    askSize: 1)))
        return monitor
    }

    /// The next frame on exec's ring (its header's sequence is its place there).
    var sequence: UInt64 = 0

    func handle(_ monitor: inout RiskMonitor, _ frame: Frame) {
        var frame = frame
        sequence += 1
        frame.header.sequence = sequence
        withUnsafePointer(to: frame) { monitor.handle($0, nowNs: 1) }
    }

    /// Exec's snapshot of `bot`'s position in lots, both frames.
    func position(_ monitor: inout RiskMonitor, bot: UInt16, _ lots: Int64) {
        let report = PositionReport(
            instrument: 1, bot: bot, timeNs: 1, position: lots, markPrice: 10_000, unrealizedPnl: 0, realizedPnl: 0,
            fees: 0)
        handle(&monitor, Frame(report.frames.0))
        handle(&monitor, Frame(report.frames.1))
    }

    func testEachBotsPositionIsHeldToItsLimitAndTheirsTogetherToTheTotal() throws {
        var risk = try monitor(["--max-position", "1", "--max-total-position", "1.5"])
        position(&risk, bot: 0, 900)
        position(&risk, bot: 1, -900)
        XCTAssertNil(risk.breach(nowNs: 1), "0.9 each, netting to 0")
        XCTAssertEqual(risk.instruments.map(\.bot), [0, 1])
        XCTAssertEqual(risk.exposure, 0, "opposite positions offset")
        position(&risk, bot: 1, 1_100)
        XCTAssertEqual(risk.breach(nowNs: 1), "max position 1.0 AAAUSDT bot 1 breached: position 1.100")
        var together = try monitor(["--max-position", "1", "--max-total-position", "1.5"])
        position(&together, bot: 0, 800)
        position(&together, bot: 1, 800)
        XCTAssertEqual(
            together.breach(nowNs: 1), "max total position 1.5 AAAUSDT breached: 2 bots' position 1.600")
        XCTAssertEqual(together.exposure, 160, accuracy: 1e-9, "1.6 at a mark of 100.00")
        XCTAssertEqual(
            together.report,
            [
                "risk: AAAUSDT bot 0: position 0.800, realized 0 and fees 0 ticks × lots, PnL 0.0 in quote currency",
                "risk: AAAUSDT bot 1: position 0.800, realized 0 and fees 0 ticks × lots, PnL 0.0 in quote currency"
            ])
    }

    /// Sixteen bots each at the largest position a frame carries, long, at the largest price:
    /// their sum passes 64 bits, and neither the total nor the exposure traps.
    func testTheBotsTogetherAtTheExtremesDoNotOverflow() throws {
        var risk = try monitor(["--max-total-position", "1"])
        handle(
            &risk,
            Frame(
                BookTop(
                    header: FrameHeader(type: .bookTop, instrument: 1), bidPrice: FrameLayout.maxQuantity - 2,
                    bidSize: 1, askPrice: FrameLayout.maxQuantity, askSize: 1)))
        for bot in 0..<UInt16(FrameLayout.maxBots) { position(&risk, bot: bot, Int64.max) }
        XCTAssertEqual(risk.totalPosition(1), 16 * Int128(Int64.max))
        XCTAssertEqual(risk.exposure, Double(16 * Int128(Int64.max)) * Double(FrameLayout.maxQuantity - 1) * 1e-5)
        XCTAssertEqual(
            risk.breach(nowNs: 1),
            "max total position 1.0 AAAUSDT breached: 16 bots' position 147573952589676412.912")
    }

    func testOneBotReadsAsBefore() throws {
        var risk = try monitor(["--max-position", "1"])
        position(&risk, bot: 0, 1_200)
        XCTAssertEqual(risk.breach(nowNs: 1), "max position 1.0 AAAUSDT breached: position 1.200")
        XCTAssertEqual(risk.exposure, 120, accuracy: 1e-9)
    }
}
