import CPlatform
import XCTest

/// CRC-32C, which seals exec's journal records: the standard check value, and the `crc32`
/// instruction's path against the bitwise loop on every length from 0 to 200 (each tail length
/// after the eight-byte steps, at every alignment the journal's records can have and more).
final class CRC32CTests: XCTestCase {
    func testCheckValueAndBothPathsAgree() {
        let check = Array("123456789".utf8)
        XCTAssertEqual(cplatform_crc32c(check, check.count), 0xE306_9283)
        XCTAssertEqual(cplatform_crc32c_portable(check, check.count), 0xE306_9283)
        XCTAssertEqual(cplatform_crc32c(check, 0), 0)

        var bytes = [UInt8](repeating: 0, count: 208)
        var random: UInt64 = 7
        for index in bytes.indices {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            bytes[index] = UInt8(truncatingIfNeeded: random >> 33)
        }
        bytes.withUnsafeBytes { raw in
            for offset in 0..<8 {
                for length in 0...200 {
                    let start = raw.baseAddress! + offset
                    XCTAssertEqual(
                        cplatform_crc32c(start, length), cplatform_crc32c_portable(start, length),
                        "offset \(offset), length \(length)")
                }
            }
        }
    }
}
