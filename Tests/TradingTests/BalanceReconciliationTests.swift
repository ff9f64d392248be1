import XCTest

@testable import ExecCore

/// The base asset's balance against exec's fills, on hand-worked amounts (10^-18 of the asset).
final class BalanceReconciliationTests: XCTestCase {
    let one: Int128 = 1_000_000_000_000_000_000
    let second: Int64 = 1_000_000_000

    func testFillsAndBaseFeesExplainTheBalanceAndTheirEventsCrossingIsNoDifference() {
        var account = BalanceReconciliation()
        // A fill heard before the start balance, older than its last update: in it already.
        account.filled(one, baseFee: one / 1_000, timeMs: 900, nowNs: 0)
        account.balanceRead(5 * one, updateMs: 1_000, nowNs: 0)
        XCTAssertEqual(account.unexplained, 0)
        // Bought 2 (fee 0.002 of it), then the balance: 5 + 2 - 0.002.
        account.filled(2 * one, baseFee: 2 * one / 1_000, timeMs: 1_100, nowNs: 1)
        XCTAssertEqual(account.unexplained, -2 * one + 2 * one / 1_000) // the balance event not in yet
        account.balanceRead(7 * one - 2 * one / 1_000, updateMs: 1_100, nowNs: 2)
        XCTAssertEqual(account.unexplained, 0)
        // The balance before the sale's own event: a difference for a moment, never said.
        account.balanceRead(6 * one - 2 * one / 1_000, updateMs: 1_200, nowNs: 3)
        XCTAssertNil(account.newDifference(nowNs: 4))
        account.filled(-one, baseFee: 0, timeMs: 1_200, nowNs: 5)
        XCTAssertNil(account.newDifference(nowNs: 3 + 2 * second))
        XCTAssertEqual(account.filled, one)
        XCTAssertEqual(account.baseFees, 2 * one / 1_000)
    }

    func testAFillNewerThanTheStartBalanceHeardBeforeItCounts() {
        var account = BalanceReconciliation()
        account.filled(one, baseFee: 0, timeMs: 2_000, nowNs: 0)
        account.balanceRead(3 * one, updateMs: 1_500, nowNs: 0)
        XCTAssertEqual(account.filled, one)
        account.balanceRead(4 * one, updateMs: 2_000, nowNs: 1)
        XCTAssertEqual(account.unexplained, 0)
    }

    func testADepositIsSaidOnceItHoldsAndTheAgreementAgainWhenItIsGone() {
        var account = BalanceReconciliation()
        account.balanceRead(one, updateMs: 1, nowNs: 0)
        account.balanceRead(one + one / 2, updateMs: 2, nowNs: 10)
        XCTAssertNil(account.newDifference(nowNs: 10 + second - 1))
        XCTAssertEqual(account.newDifference(nowNs: 10 + second), one / 2)
        XCTAssertNil(account.newDifference(nowNs: 10 + 3 * second), "said once")
        // A fill between two readings changes it for a moment; a second later it is the same.
        account.filled(one, baseFee: 0, timeMs: 3, nowNs: 20 * second)
        account.balanceRead(2 * one + one / 2, updateMs: 3, nowNs: 20 * second + 1)
        XCTAssertNil(account.newDifference(nowNs: 22 * second))
        // Withdrawn: agreeing again, said as 0.
        account.balanceRead(2 * one, updateMs: 4, nowNs: 30 * second)
        XCTAssertEqual(account.newDifference(nowNs: 31 * second), 0)
    }

    func testADifferenceThatChangesIsSaidOnlyOnceItStaysTheSame() {
        var account = BalanceReconciliation()
        account.balanceRead(one, updateMs: 1, nowNs: 0)
        account.balanceRead(2 * one, updateMs: 2, nowNs: 0)
        account.balanceRead(3 * one, updateMs: 3, nowNs: 1)
        XCTAssertNil(account.newDifference(nowNs: second), "2 then 3: not yet the same for a second")
        XCTAssertEqual(account.newDifference(nowNs: 2 * second), 2 * one)
    }

    func testAmountsAreWrittenWithTheirSignAndAtLeastEightDecimals() {
        XCTAssertEqual(BalanceReconciliation.text(one / 2), "+0.50000000")
        XCTAssertEqual(BalanceReconciliation.text(-3 * one - 1), "-3.000000000000000001")
        XCTAssertEqual(BalanceReconciliation.text(0), "+0.00000000")
        // 10^20 units, the most an amount read may hold, at 10^-18: inside Int128.
        XCTAssertEqual(BalanceReconciliation.text(100_000_000_000_000_000_000 * one), "+100000000000000000000.00000000")
    }
}
