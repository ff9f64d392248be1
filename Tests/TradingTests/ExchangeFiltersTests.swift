import BinanceAPI
import Foundation
import IPC
import TestSupport
import XCTest

/// The venue's filters (BINANCE.md G.4) from the exchangeInfo answer recorded in
/// ../shared/data/cryptofeed/BINANCE.0, in BTCUSDT's ticks (0.01) and lots (10^-8), and what
/// they refuse.
final class ExchangeFiltersTests: XCTestCase {
    static func recordedRules() throws -> [SymbolRules] {
        let path = try sharedDataDirectory() + "/cryptofeed/BINANCE.0"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let line = try XCTUnwrap(text.split(separator: "\n").first { $0.contains("/exchangeInfo -> ") })
        let json = Array(line[line.firstIndex(of: "{")!...].utf8)
        return try json.withUnsafeBufferPointer { try SymbolRules.read($0, 0..<$0.count) }
    }

    static let btcusdt = try! Instrument(
        id: 1, symbol: "BTCUSDT", tickMantissa: 1, tickDecimals: 2, lotMantissa: 1, lotDecimals: 8,
        priceDisplayDecimals: 8, sizeDisplayDecimals: 8)

    func testTheRecordedBTCUSDTRulesInTicksAndLots() throws {
        let rules = try XCTUnwrap(Self.recordedRules().first { $0.symbol == "BTCUSDT" })
        XCTAssertEqual(rules.status, "TRADING")
        XCTAssertEqual(rules.baseAsset, "BTC")
        XCTAssertEqual(rules.quoteAsset, "USDT")
        let filters = try ExchangeFilters(rules, instrument: Self.btcusdt)
        let price = filters.priceBounds
        let size = filters.sizeBounds
        XCTAssertEqual([price.minimum, price.maximum, price.step], [1, 100_000_000, 1])
        XCTAssertEqual([size.minimum, size.maximum, size.step], [1_000, 900_000_000_000, 1_000])
        // MIN_NOTIONAL 10 USDT in ticks × lots of 0.01 × 10^-8.
        XCTAssertEqual(filters.minNotional, 100_000_000_000)
        XCTAssertNil(filters.maxNotional)
        // PERCENT_PRICE (the recording predates PERCENT_PRICE_BY_SIDE): 5 and 0.2 for both sides.
        let percent = try XCTUnwrap(filters.percentMillionths)
        XCTAssertEqual(
            [percent.bidUp, percent.bidDown, percent.askUp, percent.askDown], [5_000_000, 200_000, 5_000_000, 200_000])
        XCTAssertEqual(filters.maxNumOrders, 200)
        XCTAssertTrue(filters.allowsPostOnly)
        XCTAssertTrue(filters.allowsMarket)
    }

    /// An order size from exec's position room (10^-8 lots) goes out on the venue's step of
    /// 0.00001, down: never past the room, never refused for the step.
    func testASizeIsRoundedDownToTheVenuesStep() throws {
        let rules = try XCTUnwrap(Self.recordedRules().first { $0.symbol == "BTCUSDT" })
        let filters = try ExchangeFilters(rules, instrument: Self.btcusdt)
        XCTAssertEqual(filters.sizeRoundedDown(123_456, market: false), 123_000)
        XCTAssertEqual(filters.sizeRoundedDown(123_000, market: false), 123_000)
        XCTAssertEqual(filters.sizeRoundedDown(999, market: false), 0)
        XCTAssertEqual(filters.sizeRoundedDown(Int64.max, market: false), Int64.max - Int64.max % 1_000)
        XCTAssertNil(
            filters.refusal(
                side: .buy, market: false, price: 5_999_000, size: filters.sizeRoundedDown(1_234_567, market: false),
                reference: 6_000_000, openOrders: 0))
    }

    func testWhatTheFiltersRefuse() throws {
        let rules = try XCTUnwrap(Self.recordedRules().first { $0.symbol == "BTCUSDT" })
        let filters = try ExchangeFilters(rules, instrument: Self.btcusdt)
        let mid: Int64 = 6_000_000 // 60,000.00
        func refusal(
            _ side: Side = .buy, market: Bool = false, price: Int64 = 5_999_000, size: Int64 = 100_000,
            open: Int = 0
        ) -> String? {
            filters.refusal(side: side, market: market, price: price, size: size, reference: mid, openOrders: open)
        }
        XCTAssertNil(refusal())
        XCTAssertEqual(refusal(size: 100_500), "LOT_SIZE: quantity not a multiple of 0.00001000")
        XCTAssertEqual(refusal(size: 0), "LOT_SIZE: quantity below the minimum 0.00001000")
        XCTAssertEqual(refusal(size: 900_000_001_000), "LOT_SIZE: quantity above the maximum 9000.00000000")
        // 0.00001 BTC at 59,990 is 0.60 USDT: under the 10 USDT minimum.
        XCTAssertEqual(refusal(size: 1_000), "NOTIONAL: below the minimum of 10.00000000 USDT")
        XCTAssertEqual(refusal(market: true, size: 1_000), "NOTIONAL: below the minimum of 10.00000000 USDT")
        XCTAssertNil(refusal(market: true, price: 0))
        XCTAssertEqual(refusal(price: 100_000_001), "PRICE_FILTER: price above the maximum 1000000.00000000")
        XCTAssertNotNil(refusal(price: mid * 5 + 1)?.hasPrefix("PERCENT_PRICE_BY_SIDE"))
        XCTAssertNil(refusal(.sell, price: mid * 5))
        XCTAssertNotNil(refusal(.sell, price: mid / 5 - 1)?.hasPrefix("PERCENT_PRICE_BY_SIDE"))
        XCTAssertEqual(refusal(open: 200), "MAX_NUM_ORDERS: 200 open, the venue allows 200")
        var halted = rules
        halted.status = "BREAK"
        XCTAssertEqual(
            try ExchangeFilters(halted, instrument: Self.btcusdt).refusal(
                side: .buy, market: false, price: mid, size: 100_000, reference: mid, openOrders: 0),
            "BTCUSDT is BREAK at the venue, not TRADING")
    }

    /// A symbol at the extremes: a tick and a lot of 10^-8 and a maximum notional of 9 × 10^6,
    /// 9 × 10^22 ticks × lots, past 64 bits; a venue tick finer than the market's is refused.
    func testExtremeUnitsAndAFinerVenueTick() throws {
        var rules = try XCTUnwrap(Self.recordedRules().first { $0.symbol == "BTCUSDT" })
        rules.notional = .init(
            minimum: "5.00000000", applyMinimumToMarket: true, maximum: "9000000.00000000", applyMaximumToMarket: true)
        let fine = try Instrument(
            id: 2, symbol: "TINY", tickMantissa: 1, tickDecimals: 8, lotMantissa: 1, lotDecimals: 8,
            priceDisplayDecimals: 8, sizeDisplayDecimals: 8)
        let filters = try ExchangeFilters(rules, instrument: fine)
        XCTAssertEqual(filters.maxNotional, Int128(9_000_000) * 10_000_000_000_000_000)
        XCTAssertEqual(
            filters.refusal(
                side: .buy, market: true, price: 0, size: 900_000_000_000, reference: 100_000_000_000_000,
                openOrders: 0),
            "NOTIONAL: above the maximum of 9000000.00000000 USDT")
        let coarse = try Instrument(
            id: 3, symbol: "BTCUSDT", tickMantissa: 1, tickDecimals: 1, lotMantissa: 1, lotDecimals: 8,
            priceDisplayDecimals: 8, sizeDisplayDecimals: 8)
        XCTAssertThrowsError(try ExchangeFilters(rules, instrument: coarse)) { error in
            XCTAssertEqual(
                "\(error)", "BTCUSDT PRICE_FILTER step 0.01000000 is finer than the market's increment")
        }
    }
}
