/// Text written into a fixed buffer, without allocation after `init`: a venue request, a JSON
/// line for an external strategy. When more would not fit, the buffer stops taking bytes and
/// says so (`overflowed`); the writer checks once at the end.
///
/// ```text
///   bytes: [ written ......................... | free ....... ]
///            0                            count          capacity
/// ```
/// Inlinable: a venue request is written a field at a time on the order path (sign-bench).
@frozen
public struct TextBuffer: ~Copyable {
    public let capacity: Int
    public let bytes: UnsafeMutablePointer<UInt8>
    @usableFromInline var used = 0
    @usableFromInline var incomplete = false

    /// The bytes written.
    @inlinable public var count: Int { used }
    /// Something did not fit: what is written is incomplete.
    @inlinable public var overflowed: Bool { incomplete }

    public init(capacity: Int) {
        self.capacity = capacity
        bytes = .allocate(capacity: capacity)
    }

    deinit { bytes.deallocate() }

    /// What was written from `start` on.
    @inlinable
    public func written(from start: Int = 0) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: bytes + start, count: used - start)
    }

    @inlinable
    public mutating func reset() {
        used = 0
        incomplete = false
    }

    @inlinable @inline(__always)
    public mutating func append(_ data: UnsafeRawBufferPointer) {
        guard used + data.count <= capacity else {
            incomplete = true
            return
        }
        if let base = data.baseAddress {
            UnsafeMutableRawPointer(bytes + used).copyMemory(from: base, byteCount: data.count)
        }
        used += data.count
    }

    @inlinable @inline(__always)
    public mutating func append(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inlinable @inline(__always)
    public mutating func append(_ byte: UInt8) {
        guard used < capacity else {
            incomplete = true
            return
        }
        bytes[used] = byte
        used += 1
    }

    /// `count` bytes written in place by `write`, if they fit.
    @inlinable
    public mutating func append(count: Int, _ write: (UnsafeMutablePointer<UInt8>) -> Void) {
        guard used + count <= capacity else {
            incomplete = true
            return
        }
        write(bytes + used)
        used += count
    }

    /// Marks what is written incomplete: a value that could not be written.
    @inlinable
    public mutating func markIncomplete() { incomplete = true }

    /// An integer, with a minus sign when negative.
    @inlinable
    public mutating func appendInteger(_ value: Int64) { appendDecimal(Int128(value), decimals: 0) }

    /// `value × 10^-decimals` written exactly with `decimals` places: a price in ticks times
    /// the tick's mantissa at the tick's decimals is the price ("6123401" at 2: "61234.01").
    @inlinable
    public mutating func appendDecimal(_ value: Int128, decimals: Int) {
        if value < 0 { append(0x2D) }
        appendDigits(value.magnitude, decimals: decimals)
    }

    /// `magnitude`'s digits with a point before the last `decimals` of them (at least one
    /// digit before the point: 5 at 2 places is "0.05").
    @inlinable
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
