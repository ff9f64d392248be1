import IPC
import Network
import XCTest

@testable import FeedCore

/// Decimal strings become integer ticks and lots exactly, or fail saying why; never rounded.
final class DecimalScaleTests: XCTestCase {
    func count(_ text: String, _ scale: DecimalScale) throws -> Int64 {
        var bytes = Array(text.utf8)
        return try bytes.withUnsafeMutableBufferPointer { buffer in
            try scale.count(UnsafeBufferPointer(buffer), 0..<buffer.count)
        }
    }

    func failure(_ text: String, _ scale: DecimalScale) -> DecimalScale.Failure? {
        do {
            _ = try count(text, scale)
            return nil
        } catch {
            return error as? DecimalScale.Failure
        }
    }

    let cent = DecimalScale(mantissa: 1, decimals: 2)

    func testExactConversion() throws {
        XCTAssertEqual(try count("61737.63000000", cent), 6_173_763)
        XCTAssertEqual(try count("0.01", cent), 1)
        XCTAssertEqual(try count("7", cent), 700)
        XCTAssertEqual(try count("0.00000000", DecimalScale(mantissa: 1, decimals: 8)), 0)
        XCTAssertEqual(try count("25.42618900", DecimalScale(mantissa: 1, decimals: 8)), 2_542_618_900)
        XCTAssertEqual(try count("7.6150", DecimalScale(mantissa: 5, decimals: 3)), 1_523)
        XCTAssertEqual(try count("9999999999999999.99", cent), FrameLayout.maxQuantity)
        XCTAssertEqual(
            failure("10000000000000000.00", cent), .tooLarge, "10^18 ticks: past the largest a frame carries")
        XCTAssertEqual(failure("92233720368547758.07", cent), .tooLarge)
    }

    func testNothingIsRounded() {
        XCTAssertEqual(failure("61737.635", cent), .finerThanIncrement)
        XCTAssertEqual(failure("0.001", cent), .finerThanIncrement)
        XCTAssertEqual(failure("7.6140", DecimalScale(mantissa: 5, decimals: 3)), .notAMultiple)
    }

    func testAdversarialTextIsRejected() {
        for text in ["", ".", "1.", ".5", "1..2", "-1", "+1", "1e5", "NaN", "nan", "Infinity", "0x10", " 1", "1 ", "١"]
        {
            XCTAssertEqual(failure(text, cent), .notADecimal, "'\(text)'")
        }
        XCTAssertEqual(failure("92233720368547758.08", cent), .tooLarge)
        XCTAssertEqual(failure(String(repeating: "9", count: 400), cent), .tooLarge)
        XCTAssertEqual(failure("1." + String(repeating: "0", count: 10_000) + "1", cent), .finerThanIncrement)
    }

    func testIncrementsParseWithTheirWrittenPrecision() {
        XCTAssertEqual(DecimalScale.parse("0.01000000")?.scale, DecimalScale(mantissa: 1, decimals: 2))
        XCTAssertEqual(DecimalScale.parse("0.01000000")?.written, 8)
        XCTAssertEqual(DecimalScale.parse("0.5")?.scale, DecimalScale(mantissa: 5, decimals: 1))
        XCTAssertEqual(DecimalScale.parse("10")?.scale, DecimalScale(mantissa: 10, decimals: 0))
        XCTAssertNil(DecimalScale.parse("0"))
        XCTAssertNil(DecimalScale.parse("-0.01"))
        XCTAssertNil(DecimalScale.parse("1e-2"))
    }
}
