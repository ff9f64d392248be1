import XCTest

@testable import FeedCore

/// exchangeInfo as the venue sends it, and as damage or a hostile server could.
final class InstrumentCatalogTests: XCTestCase {
    func body(_ precision: String) -> [UInt8] {
        let head: String = #"{"symbols":[{"symbol":"BTCUSDT","baseAssetPrecision":"#
        let filters: String = #","quotePrecision":8,"filters":[{"filterType":"PRICE_FILTER","tickSize":"0.01000000"},"#
        let lot: String = #"{"filterType":"LOT_SIZE","stepSize":"0.00001000"}]}]}"#
        return Array((head + precision + filters + lot).utf8)
    }

    func testAPrecisionIsACountOfDecimalsUpTo18() throws {
        var catalog = InstrumentCatalog()
        try catalog.add(exchangeInfoBody: body("8"), source: "exchangeInfo")
        XCTAssertEqual(catalog.entries["BTCUSDT"]?.sizeDisplayDecimals, 8)
        // The fuzzer's find (Fuzz/Regressions/exchange-info): a precision past Int.max trapped.
        for precision in ["19", "12297829382473034410"] {
            var catalog = InstrumentCatalog()
            XCTAssertThrowsError(try catalog.add(exchangeInfoBody: body(precision), source: "exchangeInfo")) { error in
                XCTAssertTrue("\(error)".contains("a precision of \(precision) decimals; at most 18"), "\(error)")
            }
        }
    }
}
