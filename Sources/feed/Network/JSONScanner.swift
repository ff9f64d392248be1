/// A forward-only JSON reader over one message's bytes, specialised for the venue payloads:
/// it never builds a tree or a String on the hot path. Numbers and strings are read where the
/// caller expects them; everything else can be skipped, with nesting bounded.
///
/// Errors carry the byte offset and what was expected, for one-line reports.
@frozen
public struct JSONScanner {
    public let bytes: UnsafeBufferPointer<UInt8>
    public var offset = 0
    public static let maxDepth = 32

    @inlinable
    public init(_ bytes: UnsafeBufferPointer<UInt8>, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    public struct Failure: Error, Equatable {
        public let offset: Int
        public let message: String

        @inlinable
        public init(offset: Int, message: String) {
            self.offset = offset
            self.message = message
        }
    }

    /// A failure here (at the end, if a skipped escape ran past it).
    @inlinable
    public func failure(_ message: String) -> Failure { Failure(offset: min(offset, bytes.count), message: message) }

    @inlinable
    public var atEnd: Bool { offset >= bytes.count }

    @inlinable
    public mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0A, 0x0D: offset += 1
            default: return
            }
        }
    }

    /// The next non-blank byte, not consumed; nil at the end.
    @inlinable
    public mutating func peek() -> UInt8? {
        skipWhitespace()
        return offset < bytes.count ? bytes[offset] : nil
    }

    @inlinable @inline(__always)
    public mutating func expect(_ byte: UInt8) throws(Failure) {
        // The common case first: the byte is right there, no whitespace before it.
        if offset < bytes.count && bytes[offset] == byte {
            offset += 1
            return
        }
        guard peek() == byte else {
            throw failure("expected '\(Character(UnicodeScalar(byte)))'" + found())
        }
        offset += 1
    }

    /// Consumes `byte` if it is next.
    @inlinable @inline(__always)
    public mutating func consume(_ byte: UInt8) -> Bool {
        if offset < bytes.count && bytes[offset] == byte {
            offset += 1
            return true
        }
        guard peek() == byte else { return false }
        offset += 1
        return true
    }

    @usableFromInline
    func found() -> String {
        guard offset < bytes.count else { return ", found the end of the message" }
        let byte = bytes[offset]
        return byte >= 0x20 && byte < 0x7F ? ", found '\(Character(UnicodeScalar(byte)))'" : ", found byte \(byte)"
    }

    /// A string's raw bytes between its quotes. Escapes are rejected: no field this reader
    /// takes a value from may contain one (keys, symbols, decimal strings).
    @inlinable
    public mutating func string() throws(Failure) -> Range<Int> {
        try expect(0x22)
        let start = offset
        // Eight bytes at a time: the lowest flagged byte is the first quote, backslash or
        // control byte (flags above it may be false, from the borrow; the lowest never is).
        if let base = bytes.baseAddress {
            while bytes.count - offset >= 8 {
                let word = UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self)
                let ones: UInt64 = 0x0101_0101_0101_0101
                let highs: UInt64 = 0x8080_8080_8080_8080
                let quote = word ^ (ones &* 0x22)
                let backslash = word ^ (ones &* 0x5C)
                let quotes = (quote &- ones) & ~quote & highs
                // Quotes, backslashes, control bytes, and bytes of multi-byte UTF-8 (checked below).
                let special =
                    quotes | ((((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word)) & highs)
                    | (word & highs)
                if special == 0 {
                    offset += 8
                    continue
                }
                // The first special byte is the closing quote if its flag is also a quote's.
                guard special & (0 &- special) & quotes != 0 else { break } // reported below
                offset += (special.trailingZeroBitCount >> 3) + 1
                return start..<(offset - 1)
            }
        }
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == 0x22 {
                offset += 1
                return start..<(offset - 1)
            }
            if byte == 0x5C { throw failure("unexpected escape in a string") }
            if byte < 0x20 { throw failure("control byte \(byte) in a string") }
            if byte >= 0x80 {
                guard let length = JSONScanner.utf8SequenceLength(bytes, at: offset) else {
                    throw failure("invalid UTF-8 in a string")
                }
                offset += length
                continue
            }
            offset += 1
        }
        throw failure("unterminated string")
    }

    /// The length of the well-formed UTF-8 sequence at `index` (a lead byte >= 0x80), or nil:
    /// no overlong forms, surrogates or code points past U+10FFFF (RFC 3629).
    @inlinable
    public static func utf8SequenceLength(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int? {
        let lead = bytes[index]
        let length: Int
        let low: UInt8
        let high: UInt8 // the allowed range of the second byte
        switch lead {
        case 0xC2...0xDF: (length, low, high) = (2, 0x80, 0xBF)
        case 0xE0: (length, low, high) = (3, 0xA0, 0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (length, low, high) = (3, 0x80, 0xBF)
        case 0xED: (length, low, high) = (3, 0x80, 0x9F)
        case 0xF0: (length, low, high) = (4, 0x90, 0xBF)
        case 0xF1...0xF3: (length, low, high) = (4, 0x80, 0xBF)
        case 0xF4: (length, low, high) = (4, 0x80, 0x8F)
        default: return nil
        }
        guard index + length <= bytes.count, (low...high).contains(bytes[index + 1]) else { return nil }
        for next in (index + 2)..<(index + length) where bytes[next] & 0xC0 != 0x80 { return nil }
        return length
    }

    /// Compares a range of the message with an ASCII literal.
    @inlinable
    public func equals(_ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let pointer = literal.utf8Start
        for index in 0..<range.count where bytes[range.lowerBound + index] != pointer[index] { return false }
        return true
    }

    /// An unsigned integer (no sign, fraction or exponent), checked for overflow.
    @inlinable
    public mutating func unsigned() throws(Failure) -> UInt64 {
        skipWhitespace()
        let start = offset
        var value: UInt64 = 0
        while offset < bytes.count {
            let digit = bytes[offset] &- 0x30
            guard digit < 10 else { break }
            // 19 digits always fit 64 bits; only the 20th can overflow.
            if offset - start < 19 {
                value = value &* 10 &+ UInt64(digit)
            } else {
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(UInt64(digit))
                guard !overflow1 && !overflow2 else {
                    offset = start
                    throw failure("integer too large for 64 bits")
                }
                value = sum
            }
            offset += 1
        }
        guard offset > start else { throw failure("expected an unsigned integer" + found()) }
        if offset < bytes.count, bytes[offset] == 0x2E || bytes[offset] == 0x65 || bytes[offset] == 0x45 {
            throw failure("expected an integer, found a fraction or exponent")
        }
        return value
    }

    /// A signed integer (an error code; -1 for "none"), checked for overflow.
    @inlinable
    public mutating func signed() throws(Failure) -> Int64 {
        skipWhitespace()
        let start = offset
        let negative = consume(0x2D)
        let magnitude = try unsigned()
        guard magnitude <= UInt64(Int64.max) else {
            offset = start
            throw failure("integer too large for 64 bits")
        }
        return negative ? -Int64(magnitude) : Int64(magnitude)
    }

    @inlinable
    public mutating func bool() throws(Failure) -> Bool {
        skipWhitespace()
        if matchLiteral("true") { return true }
        if matchLiteral("false") { return false }
        throw failure("expected true or false" + found())
    }

    @inlinable
    mutating func matchLiteral(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard offset + count <= bytes.count else { return false }
        let pointer = literal.utf8Start
        for index in 0..<count where bytes[offset + index] != pointer[index] { return false }
        offset += count
        return true
    }

    /// Skips one value of any kind, arrays and objects at most `maxDepth` deep.
    @inlinable
    public mutating func skipValue(depth: Int = 0) throws(Failure) {
        guard depth < JSONScanner.maxDepth else { throw failure("nesting deeper than \(JSONScanner.maxDepth)") }
        guard let byte = peek() else { throw failure("expected a value, found the end of the message") }
        switch byte {
        case 0x22:
            // A skipped string is still checked: no raw control byte, well-formed UTF-8.
            offset += 1
            while offset < bytes.count {
                let current = bytes[offset]
                if current == 0x5C {
                    offset += 2
                    continue
                }
                if current < 0x20 { throw failure("control byte \(current) in a string") }
                if current >= 0x80 {
                    guard let length = JSONScanner.utf8SequenceLength(bytes, at: offset) else {
                        throw failure("invalid UTF-8 in a string")
                    }
                    offset += length
                    continue
                }
                offset += 1
                if current == 0x22 { return }
            }
            throw failure("unterminated string")
        case 0x7B, 0x5B:
            // A skipped array or object is only scanned for its end (strings, nesting, the depth
            // limit): its contents are not used, and everything that is used is read strictly.
            var nesting = 0
            while offset < bytes.count {
                let current = bytes[offset]
                offset += 1
                switch current {
                case 0x22:
                    while offset < bytes.count && bytes[offset] != 0x22 {
                        offset += bytes[offset] == 0x5C ? 2 : 1
                    }
                    guard offset < bytes.count else { throw failure("unterminated string") }
                    offset += 1
                case 0x7B, 0x5B:
                    nesting += 1
                    guard depth + nesting <= JSONScanner.maxDepth else {
                        throw failure("nesting deeper than \(JSONScanner.maxDepth)")
                    }
                case 0x7D, 0x5D:
                    nesting -= 1
                    if nesting == 0 { return }
                default:
                    break
                }
            }
            throw failure("unterminated \(byte == 0x7B ? "object" : "array")")
        case 0x74, 0x66:
            _ = try bool()
        case 0x6E:
            guard matchLiteral("null") else { throw failure("expected a value" + found()) }
        case 0x2D, 0x30...0x39:
            offset += 1
            while offset < bytes.count {
                switch bytes[offset] {
                case 0x30...0x39, 0x2E, 0x65, 0x45, 0x2B, 0x2D: offset += 1
                default: return
                }
            }
        default:
            throw failure("expected a value" + found())
        }
    }

    /// Iterates the keys of an object: `body` is called with each key's range, positioned at its
    /// value, and must consume the value (or call `skipValue`).
    @inlinable
    public mutating func object(_ body: (inout JSONScanner, Range<Int>) throws(Failure) -> Void) throws(Failure) {
        try expect(0x7B)
        if consume(0x7D) { return }
        repeat {
            let key = try string()
            try expect(0x3A)
            try body(&self, key)
        } while consume(0x2C)
        try expect(0x7D)
    }

    /// Iterates the elements of an array; `body` must consume each element.
    @inlinable
    public mutating func array(_ body: (inout JSONScanner) throws(Failure) -> Void) throws(Failure) {
        try expect(0x5B)
        if consume(0x5D) { return }
        repeat {
            try body(&self)
        } while consume(0x2C)
        try expect(0x5D)
    }
}
