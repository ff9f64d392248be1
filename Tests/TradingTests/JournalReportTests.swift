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
    }
}
