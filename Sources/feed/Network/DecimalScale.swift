import IPC

/// Turns a venue's decimal string into an exact integer count of increments (ticks or lots),
/// never through a floating-point number: "61737.63000000" with a 0.01 tick is 6173763.
///
/// The increment is `mantissa × 10^-decimals`. A value with a non-zero digit beyond `decimals`,
/// or not a multiple of `mantissa`, is an error, as are signs, exponents, NaN and counts over
/// `FrameLayout.maxQuantity` (10^18 - 1): nothing is rounded silently. `decimals` is at most 18.
@frozen
public struct DecimalScale: Equatable, Sendable {
    public let mantissa: Int64
    public let decimals: Int

    /// The increment `mantissa × 10^-decimals`; `decimals` at most 18.
    @inlinable
    public init(mantissa: Int64, decimals: Int) {
        self.mantissa = mantissa
        self.decimals = decimals
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case notADecimal
        case tooLarge
        case finerThanIncrement
        case notAMultiple

        public var description: String {
            switch self {
            case .notADecimal: return "is not a plain decimal number"
            case .tooLarge: return "is too large"
            case .finerThanIncrement: return "has more decimals than the increment allows"
            case .notAMultiple: return "is not a multiple of the increment"
            }
        }
    }

    /// 10^exponent, exponent in 0...18.
    @inlinable @inline(__always)
    public static func powerOfTen(_ exponent: Int) -> Int64 {
        var value: Int64 = 1
        for _ in 0..<exponent { value &*= 10 }
        return value
    }

    /// The count of increments in `bytes[range]`: the integer digits, then at most `decimals`
    /// fraction digits, then a tail that must be zeros (checked eight at a time). With at most
    /// 18 digits kept nothing can overflow, and the count is below 10^18, so the loops carry no
    /// overflow checks.
    @inlinable
    public func count(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws(Failure) -> Int64 {
        guard !range.isEmpty, let base = bytes.baseAddress else { throw .notADecimal }
        var index = range.lowerBound
        let end = range.upperBound
        var value: Int64 = 0
        while index < end {
            let digit = base[index] &- 0x30
            guard digit < 10 else { break }
            value = value &* 10 &+ Int64(digit)
            index += 1
        }
        let integerDigits = index - range.lowerBound
        guard integerDigits > 0 else { throw .notADecimal }
        var kept = 0
        if index < end {
            guard base[index] == 0x2E, index + 1 < end else { throw .notADecimal }
            index += 1
            kept = min(end - index, decimals)
            for offset in 0..<kept {
                let digit = base[index + offset] &- 0x30
                guard digit < 10 else { throw .notADecimal }
                value = value &* 10 &+ Int64(digit)
            }
            index += kept
            // The tail beyond the increment's decimals: zeros only, checked eight bytes at a
            // time; the last few through a mask when eight bytes can be read from the message.
            while end - index >= 8 {
                let eight = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                if eight != 0x3030_3030_3030_3030 { break }
                index += 8
            }
            if index < end && end - index < 8 && bytes.count - index >= 8 {
                let eight = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                let mask: UInt64 = (1 << UInt64((end - index) * 8)) &- 1
                if (eight ^ 0x3030_3030_3030_3030) & mask == 0 { index = end }
            }
            while index < end {
                let digit = base[index] &- 0x30
                guard digit < 10 else { throw .notADecimal }
                guard digit == 0 else { throw .finerThanIncrement }
                index += 1
            }
        }
        // Digits kept: integerDigits + kept; leading zeros do not count towards overflow.
        if integerDigits + decimals > 18 {
            return try checkedCount(base, range)
        }
        if kept < decimals { value = value &* DecimalScale.powerOfTen(decimals - kept) }
        if mantissa == 1 { return value }
        guard value % mantissa == 0 else { throw .notAMultiple }
        return value / mantissa
    }

    /// The same for numbers that may not fit: every step checked for overflow.
    @usableFromInline
    func checkedCount(_ base: UnsafePointer<UInt8>, _ range: Range<Int>) throws(Failure) -> Int64 {
        var value: Int64 = 0
        var fractionDigits = 0
        var seenPoint = false
        for index in range {
            let byte = base[index]
            if byte == 0x2E {
                seenPoint = true
                continue
            }
            if seenPoint {
                if fractionDigits == decimals { continue }
                fractionDigits += 1
            }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int64(byte &- 0x30))
            guard !overflow1 && !overflow2 else { throw .tooLarge }
            value = sum
        }
        let (scaled, overflow) = value.multipliedReportingOverflow(
            by: DecimalScale.powerOfTen(decimals - fractionDigits))
        guard !overflow else { throw .tooLarge }
        guard scaled % mantissa == 0 else { throw .notAMultiple }
        guard scaled / mantissa <= FrameLayout.maxQuantity else { throw .tooLarge }
        return scaled / mantissa
    }

    /// The count of increments in `text` (a flag's value), or why not.
    public func count(_ text: String) throws(Failure) -> Int64 {
        var bytes = Array(text.utf8)
        if bytes.isEmpty { bytes = [0] }
        let count = bytes.count
        return try bytes.withUnsafeBufferPointer { (buffer) throws(Failure) -> Int64 in
            try self.count(buffer, 0..<count)
        }
    }

    /// Parses an increment written as a decimal ("0.01000000" → mantissa 1, decimals 2), and
    /// how many decimals it was written with (8 here): the venue's display precision.
    public static func parse(_ text: String) -> (scale: DecimalScale, written: Int)? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty,
            parts.allSatisfy({ $0.allSatisfy { $0 >= "0" && $0 <= "9" } })
        else { return nil }
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= 18 else { return nil }
        let significant = String(fraction.reversed().drop(while: { $0 == "0" }).reversed())
        // "0.50" → mantissa 5, decimals 1; "10" → mantissa 10, decimals 0.
        guard let mantissa = Int64(String(parts[0]) + significant), mantissa > 0 else { return nil }
        return (DecimalScale(mantissa: mantissa, decimals: significant.count), fraction.count)
    }
}
