import Glibc
import Synchronization

/// The single writer of a one-to-many ring in shared memory.
///
/// Publishing is two steps, as in the Disruptor: `offer(_:)` copies a frame into the next slot,
/// `publish()` makes every offered frame visible, oldest first. `write(_:)` does both for one
/// frame. A full ring is a value (`.full`), never an error: gating consumers hold the producer
/// back; lossy consumers never do.
///
/// The ring owns `FrameHeader.sequence`: each frame gets its ring position there, which is how
/// consumers see it published (see `RingDescriptor`). Steady state touches no lock, no
/// allocation and no system call: the gating limit is cached and refreshed only when the
/// producer reaches it; a futex wake happens only while a blocking consumer sleeps, and a busy
/// producer can defer it over a batch (`publishDeferringWake()`).
public struct RingProducer: @unchecked Sendable {
    public let segment: RingSegment
    /// The position the next offered frame gets.
    @usableFromInline var nextPosition: UInt64 = 0
    /// Frames below this position are visible to consumers.
    @usableFromInline var publishedPosition: UInt64 = 0
    /// Frames below this position may be written without looking at the consumers again.
    @usableFromInline var cachedLimit: UInt64 = 0
    /// Frames below this position were published when sleeping consumers were last woken.
    @usableFromInline var wokenPosition: UInt64 = 0
    /// Gating consumers found dead and released, for the operator.
    public private(set) var releasedConsumerPids: [Int32] = []

    /// Creates the ring segment `name` with `capacity` 64-byte slots (a power of two).
    public static func create(_ name: SegmentName, capacity: Int, maxConsumers: Int = 8) throws(SegmentError)
        -> RingProducer
    {
        RingProducer(segment: try RingSegment.create(name, capacity: capacity, maxConsumers: maxConsumers))
    }

    init(segment: RingSegment) {
        self.segment = segment
    }

    /// How many slots ahead of the write `offer` prefetches: each slot's cache line was last
    /// read by consumers on other cores, and a store that waits for it stalls the producer.
    @usableFromInline static let prefetchDistance: UInt64 = 8

    public enum WriteResult: Equatable, Sendable { case ok, full }

    /// Copies `frame` into the next slot, invisible to consumers until `publish()`, or returns
    /// `.full` when the slowest gating consumer is a whole ring behind.
    @inlinable
    public mutating func offer(_ frame: Frame) -> WriteResult {
        if nextPosition >= cachedLimit {
            refreshLimit()
            if nextPosition >= cachedLimit { return .full }
        }
        let sequence = segment.slotSequence(nextPosition)
        // Seqlock open, for lossy readers still copying this slot's previous frame: the marker
        // goes out before any byte of the new frame.
        sequence.pointee.store(RingDescriptor.writingMarker, ordering: .relaxed)
        // Release fence (store-store): the marker above is ordered before the frame's stores.
        atomicMemoryFence(ordering: .releasing)
        var copy = frame
        copy.header.sequence = RingDescriptor.writingMarker
        segment.slot(nextPosition).pointee = copy
        nextPosition &+= 1
        // The slot a few frames on, if its readers are done with it, starts on its way here.
        let ahead = nextPosition &+ RingProducer.prefetchDistance
        if ahead < cachedLimit { CPU.prefetchForWrite(segment.slot(ahead)) }
        return .ok
    }

    /// Makes every offered frame visible, and wakes consumers asleep on the ring if any.
    @inlinable
    public mutating func publish() {
        makeVisible()
        wakeDeferred()
    }

    /// Makes every offered frame visible, but wakes consumers asleep on the ring only once
    /// `deferredWakeFrames` frames have gone out since they were last woken: for a producer
    /// that publishes in a loop, whose sleeping readers can wait for a batch. It must call
    /// `wakeDeferred()` before it idles or sleeps, or a reader sleeps on to its timeout.
    ///
    /// In the five-process pipeline on two cores, a reader woken for every publish read a few
    /// frames and slept again, a futex call and a wake-up each time. A paced or live producer
    /// idles after each message, so its readers wake at once.
    @inlinable
    public mutating func publishDeferringWake() {
        makeVisible()
        if publishedPosition &- wokenPosition >= RingProducer.deferredWakeFrames { wakeDeferred() }
    }

    /// Wakes consumers asleep on the ring if frames went out since they were last woken.
    @inlinable
    public mutating func wakeDeferred() {
        if publishedPosition != wokenPosition { wakeAhead() }
    }

    /// Wakes consumers asleep on the ring, even before there is anything new for them: a stage
    /// woken with work calls it before it starts, so that its readers' wake-up overlaps that
    /// work (a reader finding nothing yet polls and sleeps again, and a CPU that halted moments
    /// ago wakes faster than one long asleep).
    @inlinable
    public mutating func wakeAhead() {
        wokenPosition = publishedPosition
        if segment.blockingConsumers.pointee.load(ordering: .relaxed) != 0 {
            wakeSleepingConsumers()
        }
    }

    /// How far `publishDeferringWake()` lets a busy producer run ahead of a sleeping reader.
    public static let deferredWakeFrames: UInt64 = 1_024

    @inlinable
    mutating func makeVisible() {
        var position = publishedPosition
        while position < nextPosition {
            // Release: the frame's bytes happen-before a consumer's acquire load of its sequence.
            segment.slotSequence(position).pointee.store(position, ordering: .releasing)
            position &+= 1
        }
        publishedPosition = position
        // Release: for late joiners, sleepers and status; spinning consumers never read it.
        segment.publishPosition.pointee.store(position, ordering: .releasing)
    }

    /// Offers and publishes one frame.
    @inlinable
    public mutating func write(_ frame: Frame) -> WriteResult {
        guard offer(frame) == .ok else { return .full }
        publish()
        return .ok
    }

    @inlinable
    public mutating func write<M: FrameMessage>(_ message: M) -> WriteResult {
        write(Frame(message))
    }

    /// Frames offered so far (the next frame's position).
    @inlinable public var position: UInt64 { nextPosition }

    @usableFromInline
    func wakeSleepingConsumers() {
        // Sequentially consistent fence (store-load): orders the publish store above before the
        // load of `dataWaiters`, pairing with the consumer's seq-cst increment of `dataWaiters`
        // before it sleeps. One of the two sees the other, so no wake-up is lost.
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        if segment.dataWaiters.pointee.load(ordering: .relaxed) != 0 {
            Futex.wakeAll(segment.publishFutex)
        }
    }

    /// Re-reads the gating consumers' positions: the slow path, once per lap at most.
    @usableFromInline
    mutating func refreshLimit() {
        // Sequentially consistent fence (store-load): pairs with the fence a consumer issues
        // after registering, so either we see its record or it sees our positions and starts
        // from a frame we have not yet overwritten (see RingConsumer.attach).
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        var slowest = nextPosition
        for index in 0..<segment.maxConsumers {
            // Acquire: pairs with the consumer's release stores of its state and position.
            guard
                segment.consumerState(index).pointee.load(ordering: .acquiring)
                    == RingDescriptor.ConsumerState.gating.rawValue
            else { continue }
            slowest = min(slowest, segment.consumerPosition(index).pointee.load(ordering: .acquiring))
        }
        cachedLimit = slowest &+ segment.capacity
    }

    /// Waits until at least one slot is free, with the process's idle strategy; in block mode
    /// it sleeps on a futex that gating consumers bump. Every 100 ms it checks that the gating
    /// consumers holding it back are alive and releases the records of dead ones.
    /// Returns false if `stop()` said to give up first.
    public mutating func awaitSpace(idle: IdleStrategy.Mode, stop: () -> Bool = { false }) -> Bool {
        wakeDeferred() // readers left asleep would never free the space
        var strategy = IdleStrategy(idle)
        var nextLivenessCheck = SystemClock.monotonicNanoseconds() + 100_000_000
        while true {
            refreshLimit()
            if nextPosition < cachedLimit { return true }
            if stop() { return false }
            if strategy.shouldSleep {
                let progress = segment.consumerProgress.pointee.load(ordering: .relaxed)
                // Seq-cst: announce the sleep before the final re-check of the consumers.
                segment.producerWaiting.pointee.store(1, ordering: .sequentiallyConsistent)
                refreshLimit()
                if nextPosition >= cachedLimit {
                    // A consumer that advanced without seeing the flag leaves us to this 1 ms timeout.
                    Futex.wait(segment.consumerProgressFutex, expected: progress, timeoutNs: 1_000_000)
                }
                segment.producerWaiting.pointee.store(0, ordering: .relaxed)
            } else {
                strategy.idle()
            }
            let now = SystemClock.monotonicNanoseconds()
            if now >= nextLivenessCheck {
                nextLivenessCheck = now + 100_000_000
                heartbeat(now: now)
                releaseDeadConsumers()
            }
        }
    }

    /// Frees the records of gating consumers whose process is gone, so a crashed reader cannot
    /// stall the pipeline forever; their pids are kept in `releasedConsumerPids`.
    public mutating func releaseDeadConsumers() {
        for index in 0..<segment.maxConsumers {
            let state = segment.consumerState(index).pointee.load(ordering: .acquiring)
            guard
                state == RingDescriptor.ConsumerState.gating.rawValue
                    || state == RingDescriptor.ConsumerState.lossy.rawValue
            else { continue }
            let pid = segment.consumerPid(index).pointee.load(ordering: .relaxed)
            if !ProcessLiveness.isAlive(pid) {
                releasedConsumerPids.append(pid)
                RingConsumer.release(segment, index)
            }
        }
    }

    /// Records that the producer is alive; consumers read it when the ring goes quiet.
    @inlinable
    public func heartbeat(now: Int64) {
        segment.producerHeartbeat.pointee.store(now, ordering: .relaxed)
    }

    /// Marks the end of the stream at the current position: consumers drain what is there, then
    /// see `.endOfStream`.
    public mutating func close() {
        publish()
        // Release: the final position and frames are visible before the end-of-stream mark.
        segment.endOfStream.pointee.store(RingDescriptor.endOfStreamFlag | nextPosition, ordering: .releasing)
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        Futex.wakeAll(segment.publishFutex)
    }

    /// Removes the segment's name (clean shutdown); attached consumers keep their mapping.
    public func unlink() throws(SystemError) {
        try SharedMemoryMapping.unlink(segment.name)
    }
}
