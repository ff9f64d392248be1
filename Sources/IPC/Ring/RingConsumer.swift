import Glibc
import Synchronization

/// One reader of a one-to-many ring, with its own cursor in the segment's consumer table.
///
/// - `.gating`: the producer never overwrites a frame this consumer has not read (back-pressure).
///   Frames are handed to the handler in place, without a copy.
/// - `.lossy`: a monitor that may fall behind. It never holds the producer back; it counts the
///   frames it missed in `drops` and never hands out a torn frame: each frame is copied, then
///   the slot's sequence is read again, and a copy the producer may have overwritten meanwhile
///   is discarded and counted as a drop (the seqlock pattern).
///
/// Either kind polls the sequence word of the slot it wants next (see `RingDescriptor`).
public struct RingConsumer: @unchecked Sendable {
    public enum Mode: String, Sendable { case gating, lossy }

    public let segment: RingSegment
    public let mode: Mode
    /// This consumer's record in the segment's consumer table.
    public let recordIndex: Int
    /// The next frame to read.
    @usableFromInline var nextPosition: UInt64
    /// Frames a lossy consumer missed.
    @usableFromInline var dropCount: UInt64 = 0
    /// A lossy consumer's private copy of the frame being handed out.
    @usableFromInline var copy = Frame(header: FrameHeader(type: .control))
    /// How many slots ahead of the read a gating consumer prefetches.
    @usableFromInline static let prefetchDistance: UInt64 = 8

    /// Attaches to ring `name`, starting at the next frame the producer writes.
    ///
    /// `blocking` consumers may sleep on the ring's futex (`IdleStrategy.Mode.block`); the
    /// producer then checks for sleepers after each publish, which costs it a fence.
    public static func attach(
        _ name: SegmentName, mode: Mode, blocking: Bool = false, readyTimeoutMs: Int = 2_000
    ) throws(SegmentError) -> RingConsumer {
        let segment = try RingSegment.attach(name, readyTimeoutMs: readyTimeoutMs)
        let state: RingDescriptor.ConsumerState = mode == .gating ? .gating : .lossy
        for index in 0..<segment.maxConsumers {
            var expected = RingDescriptor.ConsumerState.free.rawValue
            guard
                segment.consumerState(index).pointee.compareExchange(
                    expected: expected, desired: RingDescriptor.ConsumerState.claiming.rawValue,
                    ordering: .acquiringAndReleasing
                ).exchanged
            else { continue }
            expected = 0
            segment.consumerPid(index).pointee.store(getpid(), ordering: .relaxed)
            segment.consumerDrops(index).pointee.store(0, ordering: .relaxed)
            segment.consumerHeartbeat(index).pointee.store(SystemClock.monotonicNanoseconds(), ordering: .relaxed)
            segment.consumerBlocking(index).pointee.store(blocking ? 1 : 0, ordering: .relaxed)
            if blocking { segment.blockingConsumers.pointee.add(1, ordering: .sequentiallyConsistent) }
            // Register at the last published position, then become visible to the producer.
            let first = segment.publishPosition.pointee.load(ordering: .acquiring)
            segment.consumerPosition(index).pointee.store(first, ordering: .releasing)
            segment.consumerState(index).pointee.store(state.rawValue, ordering: .releasing)
            // Sequentially consistent fence (store-load): pairs with the producer's fence in
            // refreshLimit. Either the producer's next scan sees this record, or the load below
            // sees every frame it published before a scan that missed us; starting there, no
            // frame we read can be overwritten before the producer's following scan.
            atomicMemoryFence(ordering: .sequentiallyConsistent)
            let start = segment.publishPosition.pointee.load(ordering: .acquiring)
            segment.consumerPosition(index).pointee.store(start, ordering: .releasing)
            return RingConsumer(segment: segment, mode: mode, recordIndex: index, nextPosition: start)
        }
        throw SegmentError.noFreeConsumerRecord(name, maxConsumers: segment.maxConsumers)
    }

    init(segment: RingSegment, mode: Mode, recordIndex: Int, nextPosition: UInt64) {
        self.segment = segment
        self.mode = mode
        self.recordIndex = recordIndex
        self.nextPosition = nextPosition
    }

    /// Hands up to `limit` frames to `handler`, oldest first, and returns how many.
    /// 0 means nothing new (or, for a lossy consumer, only frames it had to drop).
    @inlinable
    public mutating func read(limit: Int, _ handler: (UnsafePointer<Frame>) -> Void) -> Int {
        mode == .gating ? readGating(limit: limit, handler) : readLossy(limit: limit, handler)
    }

    @inlinable
    mutating func readGating(limit: Int, _ handler: (UnsafePointer<Frame>) -> Void) -> Int {
        readGating(limit: limit, while: { _ in true }, handler)
    }

    /// A gating consumer's read that stops at the first frame `admits` refuses, leaving it unread:
    /// for a reader that merges this ring with another (exec: the market, admitted as far as
    /// signal's output allows). Up to `limit` frames; returns how many were handed out.
    @inlinable
    public mutating func read(
        limit: Int, while admits: (UnsafePointer<Frame>) -> Bool, _ handler: (UnsafePointer<Frame>) -> Void
    ) -> Int {
        precondition(mode == .gating, "read(limit:while:) needs a gating consumer: a lossy one copies before it looks")
        return readGating(limit: limit, while: admits, handler)
    }

    @inlinable
    mutating func readGating(
        limit: Int, while admits: (UnsafePointer<Frame>) -> Bool, _ handler: (UnsafePointer<Frame>) -> Void
    ) -> Int {
        var position = nextPosition
        var count = 0
        // Relaxed: only for prefetching; each slot's own sequence says whether it is published.
        let published = segment.publishPosition.pointee.load(ordering: .relaxed)
        while count < limit {
            // Acquire: pairs with the release store of the slot's sequence in publish(); the
            // frame's bytes are visible. A gating consumer's slot is never rewritten under it.
            guard segment.slotSequence(position).pointee.load(ordering: .acquiring) == position else { break }
            // A published slot a few frames on starts on its way from the producer's core; one
            // not yet published is left alone (fetching it would take it from under the writer).
            let ahead = position &+ RingConsumer.prefetchDistance
            if ahead < published { CPU.prefetchForRead(segment.slot(ahead)) }
            let frame = UnsafePointer(segment.slot(position))
            guard admits(frame) else { break }
            handler(frame)
            position &+= 1
            count &+= 1
        }
        if count == 0 { return 0 }
        nextPosition = position
        // Release: our reads of the slots happen-before the producer reuses them.
        segment.consumerPosition(recordIndex).pointee.store(position, ordering: .releasing)
        if segment.producerWaiting.pointee.load(ordering: .relaxed) != 0 && freesAQuarter(position) { wakeProducer() }
        return count
    }

    /// True once a quarter of the ring is free behind `position`: only then is a producer asleep
    /// on a full ring woken. Woken for every read, it wrote a frame or two and slept again, a
    /// futex call on each side per read. A
    /// producer that sleeps on regardless wakes by its 1 ms timeout and writes what fits.
    @inlinable
    func freesAQuarter(_ position: UInt64) -> Bool {
        // Relaxed: a hint; a gating consumer is never more than a ring behind what is published.
        let published = segment.publishPosition.pointee.load(ordering: .relaxed)
        return position &+ segment.capacity &- published >= segment.capacity / 4
    }

    @inlinable
    mutating func readLossy(limit: Int, _ handler: (UnsafePointer<Frame>) -> Void) -> Int {
        var handled = 0
        while handled < limit {
            let sequence = segment.slotSequence(nextPosition)
            // Acquire: pairs with publish()'s release store, as for a gating consumer.
            let before = sequence.pointee.load(ordering: .acquiring)
            if before != nextPosition {
                // An older frame, or the marker of a write in progress: nothing new yet, unless
                // the producer is a whole ring ahead. A newer frame: we were lapped.
                let lapped = before != RingDescriptor.writingMarker && before > nextPosition
                if lapped || publishedLap() {
                    skipOverwritten()
                    continue
                }
                break
            }
            copy = segment.slot(nextPosition).pointee
            // Acquire fence (load-load): the copy completes before the sequence is read again.
            atomicMemoryFence(ordering: .acquiring)
            if sequence.pointee.load(ordering: .relaxed) != before {
                skipOverwritten() // rewritten while we copied: the copy may be torn
                continue
            }
            withUnsafePointer(to: &copy) { handler($0) }
            nextPosition &+= 1
            handled += 1
        }
        segment.consumerPosition(recordIndex).pointee.store(nextPosition, ordering: .releasing)
        return handled
    }

    /// True when the producer has published a whole ring past our position, so our slot holds a
    /// newer frame or is being written with one (a producer killed mid-write leaves the marker
    /// there for good: the frames after ours are still intact and must not wait on it).
    @usableFromInline
    func publishedLap() -> Bool {
        let published = segment.publishPosition.pointee.load(ordering: .acquiring)
        return published > nextPosition && published - nextPosition >= segment.capacity
    }

    /// Moves a lapped lossy consumer past the frames it lost, to the oldest one that may still
    /// be intact, and counts them as drops.
    @usableFromInline
    mutating func skipOverwritten() {
        let published = segment.publishPosition.pointee.load(ordering: .acquiring)
        let oldest = published > segment.capacity ? published - segment.capacity : 0
        let target = max(oldest, nextPosition &+ 1)
        dropCount &+= target &- nextPosition
        nextPosition = target
        segment.consumerDrops(recordIndex).pointee.store(dropCount, ordering: .relaxed)
    }

    @usableFromInline
    func wakeProducer() {
        segment.consumerProgress.pointee.add(1, ordering: .relaxed)
        Futex.wakeAll(segment.consumerProgressFutex)
    }

    /// A copy of the frame just before `position`, if the ring still holds it (its slot's sequence
    /// says so before and after the copy, as a lossy read checks): asked right after attaching, the
    /// newest frame published before this reader came, for one that must know where its producer
    /// stands (signal: exec's clock, from a progress frame written before signal attached).
    public func precedingFrame() -> Frame? {
        guard nextPosition > 0 else { return nil }
        let position = nextPosition - 1
        let sequence = segment.slotSequence(position)
        guard sequence.pointee.load(ordering: .acquiring) == position else { return nil }
        let frame = segment.slot(position).pointee
        atomicMemoryFence(ordering: .acquiring)
        guard sequence.pointee.load(ordering: .relaxed) == position else { return nil }
        return frame
    }

    /// The next position to read; frames before it have been handled or dropped.
    @inlinable public var position: UInt64 { nextPosition }
    /// Frames a lossy consumer missed because the producer lapped it.
    @inlinable public var drops: UInt64 { dropCount }

    /// Frames published and not yet read. (A consumer can be a few frames past
    /// `publishPosition`, which the producer stores after the frames' own sequence words.)
    @inlinable
    public var lag: UInt64 {
        let published = segment.publishPosition.pointee.load(ordering: .acquiring)
        return published > nextPosition ? published - nextPosition : 0
    }

    /// True once the producer has closed the stream and this consumer has read all of it.
    /// Two loads, no system call: cheap enough to ask on every idle cycle.
    @inlinable
    public var isAtEndOfStream: Bool {
        let end = segment.endOfStream.pointee.load(ordering: .acquiring)
        return end & RingDescriptor.endOfStreamFlag != 0 && nextPosition >= end & ~RingDescriptor.endOfStreamFlag
    }

    /// Sleeps until the producer publishes past our position, the stream ends or `timeoutNs`
    /// passes. Needs `blocking: true` at attach, or no producer will wake us before the timeout.
    public func awaitData(timeoutNs: Int64) {
        let expected = UInt32(truncatingIfNeeded: nextPosition)
        // Seq-cst increment (store-load): pairs with the producer's fence after publishing.
        segment.dataWaiters.pointee.add(1, ordering: .sequentiallyConsistent)
        if segment.publishPosition.pointee.load(ordering: .sequentiallyConsistent) == nextPosition
            && segment.endOfStream.pointee.load(ordering: .relaxed) == 0
        {
            Futex.wait(segment.publishFutex, expected: expected, timeoutNs: timeoutNs)
        }
        segment.dataWaiters.pointee.subtract(1, ordering: .relaxed)
    }

    /// Records that this consumer is alive (for `status`).
    public func heartbeat(now: Int64) {
        segment.consumerHeartbeat(recordIndex).pointee.store(now, ordering: .relaxed)
    }

    /// How the producer looks from here; asked when the ring has been quiet for a while.
    public enum ProducerHealth: Equatable, Sendable {
        /// Publishing, or quiet with a fresh heartbeat.
        case alive
        /// The producer closed the stream and this consumer has read all of it.
        case endOfStream
        /// The producer's process is gone without closing the stream.
        case dead(pid: Int32)
        /// The producer's process exists but its heartbeat is older than the timeout.
        case silent(pid: Int32, forNs: Int64)
    }

    /// Asks the kernel about the producer's process: call it when the ring has been quiet for a
    /// while, not on every idle cycle.
    public func producerHealth(now: Int64, heartbeatTimeoutNs: Int64) -> ProducerHealth {
        if isAtEndOfStream { return .endOfStream }
        let closed = segment.endOfStream.pointee.load(ordering: .acquiring) & RingDescriptor.endOfStreamFlag != 0
        if closed || lag > 0 { return .alive }
        let pid = segment.creatorPid
        if !ProcessLiveness.isAlive(pid) { return .dead(pid: pid) }
        let silence = now - segment.producerHeartbeat.pointee.load(ordering: .relaxed)
        return silence > heartbeatTimeoutNs ? .silent(pid: pid, forNs: silence) : .alive
    }

    /// Removes the ring's name if its producer died without ending the stream: no process is
    /// left to remove it (a consumer leaving such a ring calls this). True if it did.
    @discardableResult
    public func unlinkIfAbandoned() -> Bool {
        let closed = segment.endOfStream.pointee.load(ordering: .acquiring) & RingDescriptor.endOfStreamFlag != 0
        guard !closed, !ProcessLiveness.isAlive(segment.creatorPid) else { return false }
        return (try? SharedMemoryMapping.unlink(segment.name)) != nil
    }

    /// Gives the consumer record back; the producer stops gating on it.
    public func detach() {
        RingConsumer.release(segment, recordIndex)
    }

    static func release(_ segment: RingSegment, _ index: Int) {
        if segment.consumerBlocking(index).pointee.exchange(0, ordering: .relaxed) != 0 {
            segment.blockingConsumers.pointee.subtract(1, ordering: .relaxed)
        }
        // Release: the producer's next scan no longer gates on this record.
        segment.consumerState(index).pointee.store(RingDescriptor.ConsumerState.free.rawValue, ordering: .releasing)
    }
}
