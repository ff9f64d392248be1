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
}
