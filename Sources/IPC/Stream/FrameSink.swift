import Glibc

/// A tool's frame output, a ring it creates or its standard output, behind one interface.
///
/// `write` stages a frame; `flush` makes everything staged visible (publishes on a ring, one
/// `write(2)` on a pipe). Tools flush at the end of each venue message or duty cycle; a busy
/// duty cycle may defer waking the ring's sleeping readers to when it idles. A full ring
/// publishes what it has, wakes its readers and waits for space: gating consumers hold the
/// writer back.
public struct FrameSink {
    @usableFromInline var ring: RingProducer?
    @usableFromInline let pipe: FrameStreamWriter?
    public let endpoint: Endpoint

    /// Creates the ring `shm:NAME` (0600, exclusive) or writes a frame stream to stdout.
    public init(_ endpoint: Endpoint, capacity: Int = 1 << 16) throws(SinkError) {
        self.endpoint = endpoint
        switch endpoint {
        case .ring(let name):
            do { ring = try RingProducer.create(name, capacity: capacity) } catch { throw .segment(error) }
            pipe = nil
        case .standardStream:
            ring = nil
            do { pipe = try FrameStreamWriter(fd: 1, subject: "stdout") } catch { throw .system(error) }
        }
    }

    /// Writes a frame stream to an open file descriptor (a capture file, a test's pipe).
    public init(fd: Int32, subject: String) throws(SinkError) {
        endpoint = .standardStream
        ring = nil
        do { pipe = try FrameStreamWriter(fd: fd, subject: subject) } catch { throw .system(error) }
    }

    public enum SinkError: Error, CustomStringConvertible {
        case segment(SegmentError)
        case system(SystemError)
        case stopped

        public var description: String {
            switch self {
            case .segment(let error): return "\(error)"
            case .system(let error): return "\(error)"
            case .stopped: return "stopped while waiting for a slow consumer"
            }
        }
    }

    /// Stages a frame. On a full ring it publishes, then waits with `idle` until a slot frees;
    /// `stop` lets a shutdown interrupt the wait.
    @inlinable
    public mutating func write(_ frame: Frame, idle: IdleStrategy.Mode, stop: () -> Bool = { false }) throws(SinkError)
    {
        if ring != nil {
            if ring!.offer(frame) == .full {
                ring!.publish()
                guard ring!.awaitSpace(idle: idle, stop: stop) else { throw .stopped }
                _ = ring!.offer(frame)
            }
            return
        }
        do { try pipe!.write(frame) } catch { throw .system(error) }
    }

    /// Makes every staged frame visible to readers. `deferringWake`: readers asleep on a ring
    /// sleep on until a batch has gone out (`RingProducer.publishDeferringWake()`), for a duty
    /// cycle that calls `wakeDeferred()` before it idles.
    @inlinable
    public mutating func flush(deferringWake: Bool = false) throws(SinkError) {
        if ring != nil {
            if deferringWake { ring!.publishDeferringWake() } else { ring!.publish() }
            return
        }
        do { try pipe!.flush() } catch { throw .system(error) }
    }

    /// Wakes readers asleep on the ring that `flush(deferringWake: true)` left asleep.
    @inlinable
    public mutating func wakeDeferred() {
        if ring != nil { ring!.wakeDeferred() }
    }

    /// Wakes readers asleep on the ring ahead of the frames a stage just woken will write
    /// (`RingProducer.wakeAhead()`).
    @inlinable
    public mutating func wakeAhead() {
        if ring != nil { ring!.wakeAhead() }
    }

    /// For a ring: waits until `count` consumers (gating or lossy) have attached, so none misses
    /// the start of the stream (instrument definitions, the snapshot). Returns false on timeout
    /// or stop.
    public func awaitReaders(_ count: Int, timeoutNs: Int64, stop: () -> Bool) -> Bool {
        guard let ring, count > 0 else { return true }
        let deadline = SystemClock.monotonicNanoseconds() + timeoutNs
        while RingSnapshot(ring.segment).consumers.count < count {
            if stop() || SystemClock.monotonicNanoseconds() > deadline { return false }
            ring.heartbeat(now: SystemClock.monotonicNanoseconds())
            usleep(1_000)
        }
        return true
    }

    /// What waiting for a stage's readers came to.
    public enum ReaderWait: Equatable {
        case attached
        /// SIGINT or SIGTERM while waiting: a clean stop.
        case stopped
        /// Nobody came within the minute: the one-line reason, naming the tool and the ring.
        case timedOut(String)
    }

    /// How every stage starts its output: waits up to a minute for `count` readers, keeping the
    /// session heartbeat going (waiting counts as alive for the watchdog); if they do not come
    /// the ring is closed (it goes), and the result says why.
    public mutating func awaitReadersOrClose(_ count: Int, membership: SessionMembership?, tool: String) -> ReaderWait {
        let attached = awaitReaders(count, timeoutNs: 60_000_000_000) {
            membership?.heartbeat(now: SystemClock.monotonicNanoseconds())
            return SignalCounters.shutdownRequested
        }
        if attached { return .attached }
        try? close() // nobody came: the ring goes
        return SignalCounters.shutdownRequested
            ? .stopped : .timedOut("\(tool): no reader attached to \(endpoint) within 60 s")
    }

    /// Tells a ring's consumers the producer is alive (a pipe needs nothing).
    public func heartbeat(now: Int64) {
        ring?.heartbeat(now: now)
    }

    /// Flushes and marks the end of the stream. A ring's name is removed: attached consumers
    /// drain what is left and see the end; nobody new can attach.
    public mutating func close() throws(SinkError) {
        if ring != nil {
            ring!.close()
            do { try ring!.unlink() } catch { throw .system(error) }
            return
        }
        do { try pipe!.flush() } catch { throw .system(error) }
    }
}
