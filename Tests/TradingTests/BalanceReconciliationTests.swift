import BinanceAPI
import XCTest

@testable import ExecCore

/// The base asset's balance against exec's fills, on hand-worked amounts (10^-18 of the asset).
final class BalanceReconciliationTests: XCTestCase {
    let one: Int128 = 1_000_000_000_000_000_000
    let second: Int64 = 1_000_000_000

    func testFillsAndBaseFeesExplainTheBalanceAndTheirEventsCrossingIsNoDifference() {
        var account = BalanceReconciliation()
        // A fill heard before the start balance, older than its last update: in it already.
        account.filled(one, baseFee: one / 1_000, timeMs: 900)
        account.balanceRead(5 * one, updateMs: 1_000)
        XCTAssertEqual(account.unexplained, 0)
        XCTAssertEqual(account.filledBefore, one)
        // Bought 2 (a fee of 0.002 of it); the balance event after the fill's: 5 + 2 - 0.002.
        account.filled(2 * one, baseFee: 2 * one / 1_000, timeMs: 1_100)
        XCTAssertEqual(account.unexplained, -2 * one + 2 * one / 1_000)
        XCTAssertNil(account.newDifference(nowNs: 0))
        account.balanceRead(7 * one - 2 * one / 1_000, updateMs: 1_100)
        XCTAssertEqual(account.unexplained, 0)
        XCTAssertNil(account.newDifference(nowNs: 2 * second), "crossed for a moment: nothing to say")
        // Sold 1, its balance event first: the same.
        account.balanceRead(6 * one - 2 * one / 1_000, updateMs: 1_200)
        XCTAssertNil(account.newDifference(nowNs: 3 * second))
        account.filled(-one, baseFee: 0, timeMs: 1_200)
        XCTAssertNil(account.newDifference(nowNs: 5 * second))
        XCTAssertEqual(account.filled, one)
        XCTAssertEqual(account.baseFees, 2 * one / 1_000)
    }

    func testAFillNewerThanTheStartBalanceHeardBeforeItCounts() {
        var account = BalanceReconciliation()
        account.filled(one, baseFee: 0, timeMs: 2_000)
        account.balanceRead(3 * one, updateMs: 1_500)
        XCTAssertEqual(account.filled, one)
        account.balanceRead(4 * one, updateMs: 2_000)
        XCTAssertEqual(account.unexplained, 0)
    }

    func testADepositIsSaidOnceItHoldsAndTheAgreementAgainWhenItIsGone() {
        var account = BalanceReconciliation()
        account.balanceRead(one, updateMs: 1)
        account.balanceRead(one + one / 2, updateMs: 2)
        XCTAssertNil(account.newDifference(nowNs: 10))
        XCTAssertNil(account.newDifference(nowNs: 10 + second - 1))
        XCTAssertEqual(account.newDifference(nowNs: 10 + second), one / 2)
        XCTAssertNil(account.newDifference(nowNs: 10 + 3 * second), "said once")
        // A fill's events crossing moves it for a moment: seen, it starts the second over.
        account.filled(one, baseFee: 0, timeMs: 3)
        XCTAssertNil(account.newDifference(nowNs: 20 * second))
        account.balanceRead(2 * one + one / 2, updateMs: 3)
        XCTAssertNil(account.newDifference(nowNs: 22 * second))
        // Withdrawn: agreeing again, said as 0 once that has held a second.
        account.balanceRead(2 * one, updateMs: 4)
        XCTAssertNil(account.newDifference(nowNs: 30 * second))
        XCTAssertEqual(account.newDifference(nowNs: 31 * second), 0)
    }

    func testADifferenceThatChangesIsSaidOnlyOnceItStaysTheSameForASecond() {
        var account = BalanceReconciliation()
        account.balanceRead(one, updateMs: 1)
        account.balanceRead(2 * one, updateMs: 2)
        XCTAssertNil(account.newDifference(nowNs: 0))
        account.balanceRead(3 * one, updateMs: 3)
        XCTAssertNil(account.newDifference(nowNs: second), "2 then 3: started over")
        XCTAssertNil(account.newDifference(nowNs: 2 * second - 1))
        XCTAssertEqual(account.newDifference(nowNs: 2 * second), 2 * one)
    }

    func testThePositionFollowsTheAccountInWholeLotsOnceItHolds() {
        let lot = one / 100_000 // 0.00001
        var account = BalanceReconciliation()
        account.carried = 2 * one // the journal carried 2 on
        account.balanceRead(10 * one, updateMs: 1_000)
        // Bought 1 paying 0.001 of it: the account holds 0.999 more; the fills say 1.
        account.filled(one, baseFee: one / 1_000, timeMs: 1_100)
        account.balanceRead(11 * one - one / 1_000, updateMs: 1_100)
        XCTAssertNil(account.adjustmentDue(lot: lot, nowNs: 3), "new")
        XCTAssertNil(account.adjustmentDue(lot: lot, nowNs: 3 + second - 1), "not yet a second")
        XCTAssertEqual(account.adjustmentDue(lot: lot, nowNs: 3 + second), -100) // 0.001 = 100 lots
        account.adjust(-100, lot: lot)
        XCTAssertNil(account.adjustmentDue(lot: lot, nowNs: 10 * second))
        // Less than a lot is left out.
        account.balanceRead(11 * one - one / 1_000 - one / 1_000_000, updateMs: 1_200)
        XCTAssertNil(account.adjustmentDue(lot: lot, nowNs: 11 * second))
        XCTAssertNil(account.adjustmentDue(lot: lot, nowNs: 13 * second))
        // A fill's events crossing: what is due for a moment is not adjusted.
        account.filled(-one, baseFee: 0, timeMs: 1_300)
        XCTAssertNil(account.adjustmentDue(lot: lot, nowNs: 14 * second))
        account.balanceRead(10 * one - one / 1_000 - one / 1_000_000, updateMs: 1_300)
        XCTAssertNil(account.adjustmentDue(lot: lot, nowNs: 16 * second))
    }

    func testATargetMakesThePositionTheBalanceLessIt() {
        let lot = one / 100_000
        var account = BalanceReconciliation()
        account.target = 4 * one
        account.carried = one
        account.balanceRead(5 * one + one / 2, updateMs: 1)
        // The account's position is 1.5, exec's 1: 0.5 to add.
        XCTAssertNil(account.adjustmentDue(lot: lot, nowNs: 0))
        XCTAssertEqual(account.adjustmentDue(lot: lot, nowNs: second), 50_000)
    }

    func testAmountsAreWrittenWithTheirSignAndAtLeastEightDecimals() {
        XCTAssertEqual(AccountBalance.text(attoUnits: one / 2), "+0.50000000")
        XCTAssertEqual(AccountBalance.text(attoUnits: -3 * one - 1), "-3.000000000000000001")
        XCTAssertEqual(AccountBalance.text(attoUnits: 0), "+0.00000000")
        // 10^20 units, the most an amount read may hold, at 10^-18: inside Int128.
        XCTAssertEqual(
            AccountBalance.text(attoUnits: 100_000_000_000_000_000_000 * one), "+100000000000000000000.00000000")
    }
}
