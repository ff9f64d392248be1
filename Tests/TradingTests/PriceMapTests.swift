@testable import exec
import XCTest

/// The paper venue's price map against a Dictionary: seeded random sets, removals and
/// increments over a few hundred prices (so entries collide, wrap around the table's end, and
/// the table grows), compared entry by entry as it goes.
final class PriceMapTests: XCTestCase {
    func testAgreesWithADictionary() {
        let map = PriceMap(capacity: 4)
        var reference: [Int64: Int64] = [:]
        var random: UInt64 = 42
        func next() -> UInt64 {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return random >> 24
        }
        for step in 0..<50_000 {
            // Prices near one another, as a book's are, and a few far away and negative.
            let price = next() % 10 == 0 ? Int64(bitPattern: next() << 24) : 6_000_000 + Int64(next() % 300)
            switch next() % 4 {
            case 0:
                XCTAssertEqual(map.removeValue(at: price), reference.removeValue(forKey: price) ?? 0, "step \(step)")
            case 1:
                map[price] += 7
                reference[price, default: 0] += 7
            default:
                let size = next() % 3 == 0 ? 0 : Int64(next() % 1_000) + 1
                map[price] = size
                reference[price] = size == 0 ? nil : size
            }
            XCTAssertEqual(map.count, reference.count, "step \(step)")
            if step % 500 == 0 {
                for (key, value) in reference where map[key] != value {
                    return XCTFail("step \(step): \(key) holds \(map[key]), expected \(value)")
                }
                for price in Int64(6_000_300)..<6_000_350 where map[price] != 0 {
                    return XCTFail("step \(step): \(price) was never set, yet holds \(map[price])")
                }
            }
        }
        XCTAssertGreaterThan(reference.count, 100, "the table grew well past its first capacity")
        map.removeAll()
        XCTAssertEqual(map.count, 0)
        XCTAssertEqual(map[6_000_001], 0)
    }
}
