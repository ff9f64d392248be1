import Glibc

/// A tool's frame input, a ring or a pipe, behind one interface.
///
/// A struct holding one of the two in place (not an enum with payloads, which would copy the
/// ring consumer out and back on every poll): the hot path branches on a stored optional.
public struct FrameSource {
    @usableFromInline var ring: RingConsumer?
    @usableFromInline let pipe: FrameStreamReader?
    public let endpoint: Endpoint

    /// Attaches to `endpoint`: a ring as a consumer (blocking if the process idles by blocking),
    /// waiting up to `waitNs` for a ring that does not exist yet, so that processes can start in
    /// any order (saying so on standard error every `noticeEveryNs`, as `tool`); or standard input.
    public init(
        _ endpoint: Endpoint, tool: String, idle: IdleStrategy.Mode, mode: RingConsumer.Mode = .gating,
        waitNs: Int64 = 10_000_000_000, noticeEveryNs: Int64 = 2_000_000_000
    ) throws(SegmentError) {
        self.endpoint = endpoint
        switch endpoint {
        case .ring(let name):
            let start = SystemClock.monotonicNanoseconds()
            var nextNotice = start + noticeEveryNs
            while true {
                do {
                    ring = try RingConsumer.attach(name, mode: mode, blocking: idle == .block)
                    break
                } catch .notFound
                    where SystemClock.monotonicNanoseconds() - start < waitNs && !SignalCounters.shutdownRequested
                {
                    let now = SystemClock.monotonicNanoseconds()
                    if now >= nextNotice {
                        nextNotice += noticeEveryNs
                        StandardError.line(
                            "\(tool): waiting for \(endpoint): no such ring yet (its producer makes it); "
                                + "\((now - start) / 1_000_000_000) s of \(waitNs / 1_000_000_000)")
                    }
                    usleep(5_000)
                }
            }
            pipe = nil
        case .standardStream:
            ring = nil
            pipe = FrameStreamReader(fd: 0, subject: "stdin")
        }
    }

    /// Reads a frame stream from an open file descriptor (a capture file, a test's pipe).
    public init(fd: Int32, subject: String) {
        endpoint = .standardStream
        ring = nil
        pipe = FrameStreamReader(fd: fd, subject: subject)
    }

    public enum Poll: Equatable, Sendable {
        case frames(Int)
        case idle
        case endOfStream
    }

    /// Hands up to `limit` frames to `handler`. A ring never waits here (the caller idles with
    /// its strategy); a pipe waits for input at most `pipeTimeoutMs`, so timers still run.
    @inlinable
    public mutating func poll(
        limit: Int, pipeTimeoutMs: Int32 = 100, _ handler: (UnsafePointer<Frame>) -> Void
    ) throws(FrameStreamError) -> Poll {
        if ring != nil {
            let count = ring!.read(limit: limit, handler)
            if count > 0 { return .frames(count) }
            return ring!.isAtEndOfStream ? .endOfStream : .idle
        }
        switch try pipe!.read(limit: limit, timeoutMs: pipeTimeoutMs, handler) {
        case .frames(let count): return .frames(count)
        case .endOfStream: return .endOfStream
        case .nothingYet: return .idle
        }
    }

    /// A ring's read that stops at the first frame `admits` refuses and leaves it unread (see
    /// `RingConsumer.read(limit:while:_:)`): for a reader merging two inputs. Rings only.
    @inlinable
    public mutating func poll(
        limit: Int, while admits: (UnsafePointer<Frame>) -> Bool, _ handler: (UnsafePointer<Frame>) -> Void
    ) -> Poll {
        precondition(ring != nil, "poll(limit:while:_:) reads a ring")
        let count = ring!.read(limit: limit, while: admits, handler)
        if count > 0 { return .frames(count) }
        return ring!.isAtEndOfStream ? .endOfStream : .idle
    }

    /// A ring's frame just before the next one to read (`RingConsumer.precedingFrame`).
    public func precedingFrame() -> Frame? { ring?.precedingFrame() }

    /// Idles once after a poll that found nothing: on a ring, with the strategy (a blocking one
    /// sleeps on the ring's futex); a pipe already waited in `poll`.
    @inlinable
    public func idle(_ strategy: inout IdleStrategy, maxSleepNs: Int64 = 100_000_000, spinNs: Int64 = 0) {
        if let ring { strategy.idle(on: ring, maxSleepNs: maxSleepNs, spinNs: spinNs) }
    }

    /// A ring's producer as seen from here (ask when input has been quiet); a pipe whose writer
    /// went away shows as end of stream instead.
    public func producerHealth(now: Int64, heartbeatTimeoutNs: Int64) -> RingConsumer.ProducerHealth {
        ring?.producerHealth(now: now, heartbeatTimeoutNs: heartbeatTimeoutNs) ?? .alive
    }

    /// Records that this consumer is alive, for `status`.
    public func heartbeat(now: Int64) {
        ring?.heartbeat(now: now)
    }

    /// Gives a ring's consumer record back, and removes a ring whose producer died without
    /// ending its stream (nobody else would).
    public func close() {
        ring?.detach()
        ring?.unlinkIfAbandoned()
    }
}
