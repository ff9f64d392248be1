import IPC
import XCTest

@testable import ExecCore

/// The report's Sharpe ratio against a curve worked out by hand.
final class JournalReportTests: XCTestCase {
    func testSharpeFromOneSecondPnLChanges() throws {
        let second: Int64 = 1_000_000_000
        let curve = [
            JournalReport.Point(timeNs: 0, value: 0), .init(timeNs: second, value: 1),
            .init(timeNs: 2 * second, value: 3)
        ]
        // Read at 0, 1, 2, 3 s: 0, 1, 3, 3 → changes 1, 2, 0: mean 1, sample deviation 1.
        let sharpe = try XCTUnwrap(JournalReport().sharpe(curve))
        XCTAssertEqual(sharpe, (365.0 * 86_400).squareRoot(), accuracy: 1e-9)
        XCTAssertNil(
            JournalReport().sharpe([.init(timeNs: 0, value: 5), .init(timeNs: 3 * second, value: 5)]), "flat: no ratio")
        XCTAssertNil(JournalReport().sharpe([]))
        // Shown only from a day of PnL; a 2 s run says why not, and its PnL per hour: 3 in 2 s.
        XCTAssertEqual(JournalReport().sharpeText(curve), "n/a: 0.001 h of PnL, shown from 24 h (see PnL per hour)")
        XCTAssertEqual(try XCTUnwrap(JournalReport().perHour(curve)), 5_400, accuracy: 1e-9)
        let day = JournalReport.sharpeMinimumNs
        let long = [
            JournalReport.Point(timeNs: 0, value: 0), .init(timeNs: day / 2, value: 1), .init(timeNs: day, value: 3)
        ]
        XCTAssertNotEqual(JournalReport().sharpeText(long).prefix(3), "n/a")
        XCTAssertNil(JournalReport().perHour([.init(timeNs: 5, value: 1)]))
    }

    /// The charts' time axis in UTC, and the units read off the symbol.
    func testUTCTimesAndAssetNames() {
        XCTAssertEqual(UTCTime(ns: 1_723_161_254_206_652_067).text.date, "2024-08-08")
        XCTAssertEqual(UTCTime(ns: 1_723_161_254_206_652_067).text.time, "23:54:14")
        XCTAssertEqual(UTCTime(ns: 0).text.date, "1970-01-01")
        XCTAssertEqual(UTCTime(ns: 951_782_400_000_000_000).text.date, "2000-02-29", "a leap day")
        XCTAssertEqual(UTCTime(ns: -1).text.date, "1969-12-31")
        XCTAssertEqual(UTCTime(ns: -1).text.time, "23:59:59")
        XCTAssertEqual(AssetNames(symbol: "BTCUSDT"), AssetNames(base: "BTC", quote: "USDT"))
        XCTAssertEqual(AssetNames(symbol: "ETHBTC").quote, "BTC")
        XCTAssertEqual(AssetNames(symbol: "SYNFDUSD").quote, "FDUSD")
        XCTAssertEqual(AssetNames(symbol: "USDT").pair.quote, "quote currency", "no base left")
    }

    /// Our orders' distance from the mid when placed: the mid 10000.00, bids at 9999.00 (1 bp)
    /// and 9998.00 (2 bp), an ask at 10002.00 (2 bp), a market order not counted.
    func testOurOrdersDistanceFromTheMidInBasisPoints() throws {
        let instrument = try Instrument(
            id: 1, symbol: "BTCUSDT", tickMantissa: 1, tickDecimals: 2, lotMantissa: 1, lotDecimals: 5,
            priceDisplayDecimals: 8, sizeDisplayDecimals: 8)
        var report = JournalReport()
        let header = FrameHeader(type: .bookTop, instrument: 1, receiveTimeNs: 1)
        report.add(Frame(InstrumentDefinition(instrument, header: header)), record: 1)
        report.add(
            Frame(BookTop(header: header, bidPrice: 999_900, bidSize: 1, askPrice: 1_000_100, askSize: 1)), record: 2)
        for (side, price, type) in [
            (Side.buy, Int64(999_900), OrderCommand.OrderType.postOnly), (.buy, 999_800, .postOnly),
            (.sell, 1_000_200, .postOnly), (.sell, 0, .market)
        ] {
            let order = OrderCommand(
                header: header, command: .new, side: side, orderType: type, timeInForce: .goodTillCancel,
                clientOrderId: 1, price: price, size: 1)
            report.add(Frame(order), record: 3)
        }
        let run = try XCTUnwrap(report.runs[1])
        XCTAssertEqual(report.distances(run), "1.50 / 2.00")
        XCTAssertEqual(JournalReport().distances(JournalReport.InstrumentRun()), "n/a / n/a")
    }
}
