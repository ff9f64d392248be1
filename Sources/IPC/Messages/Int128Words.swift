/// A 128-bit amount as the two 64-bit words a frame stores it in, low first.
public enum Int128Words {
    @inlinable
    public static func split(_ value: Int128) -> (low: UInt64, high: Int64) {
        (UInt64(truncatingIfNeeded: value), Int64(truncatingIfNeeded: value >> 64))
    }

    @inlinable
    public static func join(_ low: UInt64, _ high: Int64) -> Int128 {
        Int128(high) << 64 | Int128(low)
    }
}
