import Glibc
import Synchronization

/// A mapped ring segment with its header validated: the shared part of producer and consumer.
///
/// Holds the mapping (so the memory outlives every copy of this value) and the addresses of
/// the fields the hot paths touch, computed once from `RingDescriptor`.
public struct RingSegment: @unchecked Sendable {
    public let mapping: SharedMemoryMapping
    @usableFromInline let base: UnsafeMutableRawPointer
    @usableFromInline let slots: UnsafeMutableRawPointer
    public let capacity: UInt64
    @usableFromInline let mask: UInt64
    public let maxConsumers: Int

    init(mapping: SharedMemoryMapping, capacity: UInt64, maxConsumers: Int) {
        self.mapping = mapping
        self.base = mapping.base
        self.slots = mapping.base + RingDescriptor.slotsOffset(maxConsumers: maxConsumers)
        self.capacity = capacity
        self.mask = capacity - 1
        self.maxConsumers = maxConsumers
    }

    public var name: SegmentName { mapping.name }

    // MARK: Field addresses

    @inlinable var publishPosition: UnsafeMutablePointer<Atomic<UInt64>> {
        sharedUInt64(base, RingDescriptor.publishPositionOffset)
    }
    @inlinable var publishFutex: UnsafeMutablePointer<UInt32> { futexWord(base, RingDescriptor.publishPositionOffset) }
    @inlinable var blockingConsumers: UnsafeMutablePointer<Atomic<UInt32>> {
        sharedUInt32(base, RingDescriptor.blockingConsumersOffset)
    }
    @inlinable var dataWaiters: UnsafeMutablePointer<Atomic<UInt32>> {
        sharedUInt32(base, RingDescriptor.dataWaitersOffset)
    }
    @inlinable var producerHeartbeat: UnsafeMutablePointer<Atomic<Int64>> {
        sharedInt64(base, RingDescriptor.producerHeartbeatOffset)
    }
    @inlinable var endOfStream: UnsafeMutablePointer<Atomic<UInt64>> {
        sharedUInt64(base, RingDescriptor.endOfStreamOffset)
    }
    @inlinable var producerWaiting: UnsafeMutablePointer<Atomic<UInt32>> {
        sharedUInt32(base, RingDescriptor.producerWaitingOffset)
    }
    @inlinable var consumerProgress: UnsafeMutablePointer<Atomic<UInt32>> {
        sharedUInt32(base, RingDescriptor.consumerProgressOffset)
    }
    @inlinable var consumerProgressFutex: UnsafeMutablePointer<UInt32> {
        futexWord(base, RingDescriptor.consumerProgressOffset)
    }

    @inlinable
    func consumerRecord(_ index: Int) -> UnsafeMutableRawPointer {
        base + RingDescriptor.consumersOffset + index * RingDescriptor.consumerRecordSize
    }
    @inlinable func consumerState(_ index: Int) -> UnsafeMutablePointer<Atomic<UInt32>> {
        sharedUInt32(consumerRecord(index), RingDescriptor.consumerStateOffset)
    }
    @inlinable func consumerPid(_ index: Int) -> UnsafeMutablePointer<Atomic<Int32>> {
        sharedInt32(consumerRecord(index), RingDescriptor.consumerPidOffset)
    }
    @inlinable func consumerPosition(_ index: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
        sharedUInt64(consumerRecord(index), RingDescriptor.consumerPositionOffset)
    }
    @inlinable func consumerDrops(_ index: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
        sharedUInt64(consumerRecord(index), RingDescriptor.consumerDropsOffset)
    }
    @inlinable func consumerHeartbeat(_ index: Int) -> UnsafeMutablePointer<Atomic<Int64>> {
        sharedInt64(consumerRecord(index), RingDescriptor.consumerHeartbeatOffset)
    }
    @inlinable func consumerBlocking(_ index: Int) -> UnsafeMutablePointer<Atomic<UInt32>> {
        sharedUInt32(consumerRecord(index), RingDescriptor.consumerBlockingOffset)
    }

    /// The sequence word of the slot holding frame `position`: the slot's publication flag.
    @inlinable
    func slotSequence(_ position: UInt64) -> UnsafeMutablePointer<Atomic<UInt64>> {
        sharedUInt64(UnsafeMutableRawPointer(slot(position)), RingDescriptor.slotSequenceOffset)
    }

    /// The slot holding frame `position`.
    @inlinable
    func slot(_ position: UInt64) -> UnsafeMutablePointer<Frame> {
        (slots + Int(truncatingIfNeeded: position & mask) &* FrameLayout.frameSize)
            .assumingMemoryBound(to: Frame.self)
    }

    public var creatorPid: Int32 { base.load(fromByteOffset: RingDescriptor.creatorPidOffset, as: Int32.self) }
    public var createdTimeNs: Int64 { base.load(fromByteOffset: RingDescriptor.createdTimeOffset, as: Int64.self) }

    // MARK: Creation and attachment

    static let handshake = SegmentHandshake(
        magic: RingDescriptor.magic, layoutVersion: RingDescriptor.layoutVersion,
        layoutVersionOffset: RingDescriptor.layoutVersionOffset, readyOffset: RingDescriptor.readyOffset,
        creatorPidOffset: RingDescriptor.creatorPidOffset, headerLength: RingDescriptor.consumersOffset)

    /// Creates and initialises a ring segment, 0600 and exclusive. An existing segment of the
    /// same name is never reused: its creator is alive (`inUse`) or dead (`staleSegment`).
    static func create(_ name: SegmentName, capacity: Int, maxConsumers: Int) throws(SegmentError) -> RingSegment {
        precondition(
            capacity >= 2 && capacity <= 1 << 26 && capacity & (capacity - 1) == 0,
            "ring capacity \(capacity) must be a power of two in 2...2^26")
        precondition((1...64).contains(maxConsumers), "maxConsumers \(maxConsumers) must be in 1...64")
        let length = RingDescriptor.segmentLength(capacity: capacity, maxConsumers: maxConsumers)
        let mapping = try handshake.create(name, length: length)
        let base = mapping.base
        base.storeBytes(of: UInt32(FrameLayout.frameSize), toByteOffset: RingDescriptor.slotSizeOffset, as: UInt32.self)
        base.storeBytes(of: UInt64(capacity), toByteOffset: RingDescriptor.capacityOffset, as: UInt64.self)
        base.storeBytes(of: UInt32(maxConsumers), toByteOffset: RingDescriptor.maxConsumersOffset, as: UInt32.self)
        base.storeBytes(
            of: SystemClock.realtimeNanoseconds(), toByteOffset: RingDescriptor.createdTimeOffset, as: Int64.self)
        let segment = RingSegment(mapping: mapping, capacity: UInt64(capacity), maxConsumers: maxConsumers)
        for position in 0..<UInt64(capacity) {
            segment.slotSequence(position).pointee.store(RingDescriptor.writingMarker, ordering: .relaxed)
        }
        segment.producerHeartbeat.pointee.store(SystemClock.monotonicNanoseconds(), ordering: .relaxed)
        handshake.markReady(mapping)
        return segment
    }

    /// Opens an existing ring and validates its header: magic, readiness, version, slot size,
    /// capacity against the segment's length, and (unless only inspecting) that its creator is
    /// alive or closed the stream.
    public static func attach(
        _ name: SegmentName, readyTimeoutMs: Int = 2_000, requireLiveCreator: Bool = true
    ) throws(SegmentError) -> RingSegment {
        let mapping = try handshake.attach(name, readyTimeoutMs: readyTimeoutMs)
        let base = mapping.base
        let slotSize = base.load(fromByteOffset: RingDescriptor.slotSizeOffset, as: UInt32.self)
        guard slotSize == UInt32(FrameLayout.frameSize) else {
            throw SegmentError.wrongSlotSize(name, found: slotSize, expected: UInt32(FrameLayout.frameSize))
        }
        let capacity = base.load(fromByteOffset: RingDescriptor.capacityOffset, as: UInt64.self)
        let maxConsumers = base.load(fromByteOffset: RingDescriptor.maxConsumersOffset, as: UInt32.self)
        guard capacity >= 2, capacity <= 1 << 26, capacity & (capacity - 1) == 0,
            (1...64).contains(maxConsumers),
            RingDescriptor.segmentLength(capacity: Int(capacity), maxConsumers: Int(maxConsumers)) <= mapping.length
        else {
            throw SegmentError.badCapacity(name, capacity: capacity, maxConsumers: maxConsumers, length: mapping.length)
        }
        let segment = RingSegment(mapping: mapping, capacity: capacity, maxConsumers: Int(maxConsumers))
        let finished = segment.endOfStream.pointee.load(ordering: .acquiring) & RingDescriptor.endOfStreamFlag != 0
        if requireLiveCreator && !finished && !ProcessLiveness.isAlive(segment.creatorPid) {
            throw SegmentError.staleSegment(name, creatorPid: segment.creatorPid)
        }
        return segment
    }
}
