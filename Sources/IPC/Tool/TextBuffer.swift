/// Text written into a fixed buffer, without allocation after `init`: a venue request, a JSON
/// line for an external strategy. When more would not fit, the buffer stops taking bytes and
/// says so (`overflowed`); the writer checks once at the end.
///
/// ```text
///   bytes: [ written ......................... | free ....... ]
///            0                            count          capacity
/// ```
public struct TextBuffer: ~Copyable {
    public let capacity: Int
    public let bytes: UnsafeMutablePointer<UInt8>
    public private(set) var count = 0
    /// Something did not fit: what is written is incomplete.
    public private(set) var overflowed = false

    public init(capacity: Int) {
        self.capacity = capacity
        bytes = .allocate(capacity: capacity)
    }

    deinit { bytes.deallocate() }

    /// What was written from `start` on.
    public func written(from start: Int = 0) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: bytes + start, count: count - start)
    }

    public mutating func reset() {
        count = 0
        overflowed = false
    }

    public mutating func append(_ data: UnsafeRawBufferPointer) {
        guard count + data.count <= capacity else {
            overflowed = true
            return
        }
        if let base = data.baseAddress {
            UnsafeMutableRawPointer(bytes + count).copyMemory(from: base, byteCount: data.count)
        }
        count += data.count
    }

    public mutating func append(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    public mutating func append(_ byte: UInt8) {
        guard count < capacity else {
            overflowed = true
            return
        }
        bytes[count] = byte
        count += 1
    }

    /// `count` bytes written in place by `write`, if they fit.
    public mutating func append(count: Int, _ write: (UnsafeMutablePointer<UInt8>) -> Void) {
        guard self.count + count <= capacity else {
            overflowed = true
            return
        }
        write(bytes + self.count)
        self.count += count
    }

    /// Marks what is written incomplete: a value that could not be written.
    public mutating func markIncomplete() { overflowed = true }

    /// An integer, with a minus sign when negative.
    public mutating func appendInteger(_ value: Int64) { appendDecimal(Int128(value), decimals: 0) }

    /// `value × 10^-decimals` written exactly with `decimals` places: a price in ticks times
    /// the tick's mantissa at the tick's decimals is the price ("6123401" at 2: "61234.01").
    public mutating func appendDecimal(_ value: Int128, decimals: Int) {
        if value < 0 { append(0x2D) }
        appendDigits(value.magnitude, decimals: decimals)
    }

    /// `magnitude`'s digits with a point before the last `decimals` of them (at least one
    /// digit before the point: 5 at 2 places is "0.05").
    public mutating func appendDigits(_ magnitude: UInt128, decimals: Int) {
        var digits: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0) // 40 bytes: 39 digits
        withUnsafeMutableBytes(of: &digits) { scratch in
            var rest = magnitude
            var written = 0
            repeat {
                scratch[written] = UInt8(0x30 + rest % 10)
                rest /= 10
                written += 1
            } while rest > 0 || written <= decimals
            var index = written - 1
            while index >= 0 {
                if index == decimals - 1 { append(0x2E) }
                append(scratch[index])
                index -= 1
            }
        }
    }
}
