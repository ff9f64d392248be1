import IPC
import XCTest

final class FixedDecimalTests: XCTestCase {
    func testFixedDecimalsWithoutBinaryNoiseOrExponents() {
        XCTAssertEqual(FixedDecimal.text(0.1 + 0.2, decimals: 4), "0.3000")
        XCTAssertEqual(FixedDecimal.text(1e-7, decimals: 8), "0.00000010")
        XCTAssertEqual(FixedDecimal.text(-2.5, decimals: 2), "-2.50")
        XCTAssertEqual(FixedDecimal.text(-0.001, decimals: 2), "0.00", "no negative zero")
        XCTAssertEqual(FixedDecimal.text(1234.5678, decimals: 2), "1234.57")
        XCTAssertEqual(FixedDecimal.text(.nan, decimals: 2), "null")
        XCTAssertEqual(FixedDecimal.text(.infinity, decimals: 2), "null")
    }

    func testNoDecimalsIsAWholeNumber() {
        // The dashboard prints latencies of 100 µs and more this way (it crashed once on it).
        XCTAssertEqual(FixedDecimal.text(123.4, decimals: 0), "123")
        XCTAssertEqual(FixedDecimal.text(999.5, decimals: 0), "1000")
        XCTAssertEqual(FixedDecimal.text(-7.6, decimals: 0), "-8")
        XCTAssertEqual(FixedDecimal.text(0, decimals: 0), "0")
        XCTAssertEqual(FixedDecimal.text(5, decimals: -3), "5", "fewer than none is none")
    }
}
