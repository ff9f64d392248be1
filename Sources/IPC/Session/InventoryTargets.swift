import Synchronization

/// A live exec's inventory target per instrument: the base asset's balance (10^-18 of the asset)
/// at which its position is zero. On spot the position is the balance less it; risk's own
/// flatten, run when exec is dead or stuck, reads it to learn what to sell or buy back from the
/// balance the venue shows then. Layout: `ControlBlockDescriptor` (inventory target entry).
///
/// One writer (the session's exec), any readers: a sequence lock. The writer makes the sequence
/// odd, stores the two halves, makes it even; a reader that saw an odd sequence, or a different
/// one after reading, reads again. The halves are atomic words, so no read tears a word.
extension ControlBlock {
    private func inventoryTargetEntry(_ instrument: UInt32) -> UnsafeMutableRawPointer? {
        guard instrument >= 1, instrument <= UInt32(ControlBlockDescriptor.maxInstruments) else { return nil }
        return base + ControlBlockDescriptor.inventoryTargetsOffset + Int(instrument - 1)
            * ControlBlockDescriptor.inventoryTargetEntrySize
    }

    /// exec: `attoUnits` is `instrument`'s inventory target from now on. An id outside 1...64
    /// has no entry and is ignored.
    public func publishInventoryTarget(instrument: UInt32, attoUnits: Int128) {
        guard let entry = inventoryTargetEntry(instrument) else { return }
        let sequence = sharedUInt32(entry, 0)
        let next = sequence.pointee.load(ordering: .relaxed) | 1
        sequence.pointee.store(next, ordering: .relaxed)
        // Release fence: a reader that sees either half's new value sees the odd sequence too.
        atomicMemoryFence(ordering: .releasing)
        let bits = UInt128(bitPattern: attoUnits)
        sharedUInt64(entry, 8).pointee.store(UInt64(truncatingIfNeeded: bits), ordering: .relaxed)
        sharedUInt64(entry, 16).pointee.store(UInt64(truncatingIfNeeded: bits >> 64), ordering: .relaxed)
        // Release: the halves are visible to whoever acquires the even sequence.
        sequence.pointee.store(next &+ 1, ordering: .releasing)
    }

    /// `instrument`'s inventory target as exec last published it; nil if it never did (or died
    /// while writing it: the sequence stays odd).
    public func inventoryTarget(instrument: UInt32) -> Int128? {
        guard let entry = inventoryTargetEntry(instrument) else { return nil }
        let sequence = sharedUInt32(entry, 0)
        for _ in 0..<100_000 {
            // Acquire: pairs with the writer's final release store.
            let before = sequence.pointee.load(ordering: .acquiring)
            if before == 0 { return nil }
            if before & 1 == 1 { continue }
            let low = sharedUInt64(entry, 8).pointee.load(ordering: .relaxed)
            let high = sharedUInt64(entry, 16).pointee.load(ordering: .relaxed)
            // Acquire fence: the halves are read before the sequence is read again.
            atomicMemoryFence(ordering: .acquiring)
            if sequence.pointee.load(ordering: .relaxed) == before {
                return Int128(bitPattern: UInt128(high) << 64 | UInt128(low))
            }
        }
        return nil
    }
}
