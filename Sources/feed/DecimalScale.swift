/// Turns a venue's decimal string into an exact integer count of increments (ticks or lots),
/// never through a floating-point number: "61737.63000000" with a 0.01 tick is 6173763.
///
/// The increment is `mantissa × 10^-decimals`. A value with a non-zero digit beyond `decimals`,
/// or not a multiple of `mantissa`, is an error, as are signs, exponents, NaN and overlong
/// numbers: nothing is rounded silently.
struct DecimalScale: Equatable {
    let mantissa: Int64
    let decimals: Int

    enum Failure: Error, Equatable, CustomStringConvertible {
        case notADecimal
        case tooLarge
        case finerThanIncrement
        case notAMultiple

        var description: String {
            switch self {
            case .notADecimal: return "is not a plain decimal number"
            case .tooLarge: return "is too large"
            case .finerThanIncrement: return "has more decimals than the increment allows"
            case .notAMultiple: return "is not a multiple of the increment"
            }
        }
    }

    /// The count of increments in `bytes[range]`.
    func count(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws(Failure) -> Int64 {
        var value: Int64 = 0
        var fractionDigits = 0
        var seenPoint = false
        var digits = 0
        guard !range.isEmpty else { throw .notADecimal }
        for index in range {
            let byte = bytes[index]
            if byte == 0x2E {
                guard !seenPoint, digits > 0 else { throw .notADecimal }
                seenPoint = true
                continue
            }
            guard byte >= 0x30 && byte <= 0x39 else { throw .notADecimal }
            digits += 1
            let digit = Int64(byte - 0x30)
            if seenPoint {
                fractionDigits += 1
                if fractionDigits > decimals {
                    guard digit == 0 else { throw .finerThanIncrement }
                    continue
                }
            }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(digit)
            guard !overflow1 && !overflow2 else { throw .tooLarge }
            value = sum
        }
        guard bytes[range.upperBound - 1] != 0x2E else { throw .notADecimal }
        // Scale to exactly `decimals` fraction digits.
        for _ in min(fractionDigits, decimals)..<decimals {
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow else { throw .tooLarge }
            value = times
        }
        guard value % mantissa == 0 else { throw .notAMultiple }
        return value / mantissa
    }

    /// Parses an increment written as a decimal ("0.01000000" → mantissa 1, decimals 2), and
    /// how many decimals it was written with (8 here): the venue's display precision.
    static func parse(_ text: String) -> (scale: DecimalScale, written: Int)? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty,
              parts.allSatisfy({ $0.allSatisfy { $0 >= "0" && $0 <= "9" } }) else { return nil }
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= 18 else { return nil }
        let significant = String(fraction.reversed().drop(while: { $0 == "0" }).reversed())
        // "0.50" → mantissa 5, decimals 1; "10" → mantissa 10, decimals 0.
        guard let mantissa = Int64(String(parts[0]) + significant), mantissa > 0 else { return nil }
        return (DecimalScale(mantissa: mantissa, decimals: significant.count), fraction.count)
    }
}
