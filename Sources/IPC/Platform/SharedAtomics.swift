import Synchronization

// Every atomic word in shared memory is reached through these helpers, and every memory
// ordering used on them is chosen in the ring and control-block files with a comment
// saying which fence it is and what it pairs with.
//
// `Atomic<T>` from the Synchronization module is laid out as a bare `T`, so a pointer into
// an mmap'ed segment bound to `Atomic<T>` is the same word a C11 `_Atomic` would be, and
// works across processes: x86-64 loads and stores are plain `mov`s, RMWs are `lock`-prefixed.

@inlinable
func sharedUInt64(_ base: UnsafeMutableRawPointer, _ offset: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
    (base + offset).assumingMemoryBound(to: Atomic<UInt64>.self)
}

@inlinable
func sharedInt64(_ base: UnsafeMutableRawPointer, _ offset: Int) -> UnsafeMutablePointer<Atomic<Int64>> {
    (base + offset).assumingMemoryBound(to: Atomic<Int64>.self)
}

@inlinable
func sharedUInt32(_ base: UnsafeMutableRawPointer, _ offset: Int) -> UnsafeMutablePointer<Atomic<UInt32>> {
    (base + offset).assumingMemoryBound(to: Atomic<UInt32>.self)
}

@inlinable
func sharedInt32(_ base: UnsafeMutableRawPointer, _ offset: Int) -> UnsafeMutablePointer<Atomic<Int32>> {
    (base + offset).assumingMemoryBound(to: Atomic<Int32>.self)
}

/// The raw 32-bit word a futex sleeps on. For a 64-bit position it is the low half, which on
/// little-endian machines (x86-64, aarch64 Linux) sits at the word's own address.
@inlinable
func futexWord(_ base: UnsafeMutableRawPointer, _ offset: Int) -> UnsafeMutablePointer<UInt32> {
    (base + offset).assumingMemoryBound(to: UInt32.self)
}
