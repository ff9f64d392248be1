import XCTest

@testable import ExecCore

/// The paper venue's level table against a Dictionary: seeded random sets, removals and trades
/// over a few hundred neighbouring prices and some far away (a multiple of the capacity apart,
/// so homes collide, runs wrap around the table's end, and the table grows), compared entry by
/// entry as it goes.
final class PriceLevelsTests: XCTestCase {
    func testAgreesWithADictionary() {
        let table = PriceLevels(capacity: 4)
        var reference: [Int64: PriceLevels.Level] = [:]
        var random: UInt64 = 42
        func next() -> UInt64 {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return random >> 24
        }
        for step in 0..<60_000 {
            let price: Int64 =
                switch next() % 10 {
                case 0: Int64(bitPattern: next() << 24) // anywhere, negative too
                case 1: 6_000_000 + Int64(next() % 8) * 1_024 // the same homes at every capacity up to 1,024
                default: 6_000_000 + Int64(next() % 300)
                }
            var level = table[price]
            XCTAssertEqual(level, reference[price] ?? PriceLevels.Level(), "step \(step): \(price)")
            switch next() % 4 {
            case 0: level = PriceLevels.Level()
            case 1: level.traded += 7
            default:
                let size = next() % 3 == 0 ? 0 : Int64(next() % 1_000) + 1
                if next() % 2 == 0 { level.bid = size } else { level.ask = size }
            }
            table.update(price) { $0 = level }
            reference[price] = level.isEmpty ? nil : level
            XCTAssertEqual(table.count, reference.count, "step \(step)")
            if step % 3_000 == 0 {
                for (price, level) in reference where table[price] != level {
                    return XCTFail("step \(step): \(price) holds \(table[price]), expected \(level)")
                }
                for price in Int64(6_000_300)..<6_000_350 where !table[price].isEmpty {
                    return XCTFail("step \(step): \(price) was never set, yet holds \(table[price])")
                }
            }
        }
        XCTAssertGreaterThan(reference.count, 150, "the table grew well past its first capacity")
        table.removeAll()
        XCTAssertEqual(table.count, 0)
        XCTAssertTrue(table[6_000_001].isEmpty)
    }
}
