import Glibc

/// What a process does when a duty cycle found no work, chosen per process with `--idle`.
///
/// | mode  | when idle                                         | hand-off cost | CPU when idle |
/// |-------|---------------------------------------------------|---------------|---------------|
/// | spin  | `pause` and poll again                            | lowest        | one core, 100 % |
/// | yield | spin 100 times, then `sched_yield` per poll       | low           | one core, shared |
/// | block | spin up to 50 µs, then sleep on the ring's futex  | + a futex wake| none          |
///
/// Measured on this 2-core VM (see BENCHMARKS.md): a spinning hand-off is well under a
/// microsecond, a futex wake-up across CPUs about 20 µs one way. Spinning is the fast path
/// and needs a core per spinning process; `block` is the default wherever processes
/// outnumber cores, since spinners then steal each other's time slices. Its spin phase is bounded
/// in time, about a futex wake-up's worth: counted in polls (2,000 once), a stage whose poll does
/// more than a ring's kept spinning for a millisecond or more after it published, holding the core
/// its woken reader needed (the pipeline's paced tick-to-order median was 0.4 to 1 ms); with no
/// spin at all, two processes answering each other both sleep every time (a 137 µs round trip
/// instead of 31). BENCHMARKS.md has both.
public struct IdleStrategy: Sendable {
    public enum Mode: String, CaseIterable, Sendable {
        case spin, yield, block
    }

    public let mode: Mode
    @usableFromInline var idleCount = 0
    /// block: when this idle spell began (monotonic ns).
    @usableFromInline var idleSinceNs: Int64 = 0

    @usableFromInline static let spinsBeforeYield = 100
    @usableFromInline static let blockSpinNs: Int64 = 50_000

    public init(_ mode: Mode) { self.mode = mode }

    /// Parses `--idle` values, naming the flag and the choices on error.
    public static func mode(parsing text: String, flag: String = "--idle") throws(InvalidArgument) -> Mode {
        guard let mode = Mode(rawValue: text) else {
            throw InvalidArgument("\(flag) '\(text)': expected one of \(Mode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return mode
    }

    /// Call after a cycle that did work.
    @inlinable public mutating func reset() { idleCount = 0 }

    /// True once a blocking strategy has spun long enough that it should sleep.
    @inlinable public var isPastSpinning: Bool {
        idleCount > 0 && Clock.monotonicNanoseconds() - idleSinceNs >= IdleStrategy.blockSpinNs
    }

    /// Counts one idle poll; a blocking strategy notes when the spell began.
    @inlinable mutating func count() {
        if idleCount == 0 && mode == .block { idleSinceNs = Clock.monotonicNanoseconds() }
        idleCount &+= 1
    }

    /// Idles once without a ring to sleep on: `block` sleeps 50 µs past the spin phase.
    @inlinable
    public mutating func idle() {
        let pastSpinning = mode == .block && isPastSpinning
        count()
        switch mode {
        case .spin:
            CPU.pause()
        case .yield:
            if idleCount < IdleStrategy.spinsBeforeYield { CPU.pause() } else { sched_yield() }
        case .block:
            if pastSpinning { usleep(50) } else { CPU.pause() }
        }
    }

    /// Idles once waiting for `consumer`'s ring: `block` sleeps on the ring's futex until the
    /// producer publishes (or `maxSleepNs`, so the caller can run its timers and liveness checks).
    @inlinable
    public mutating func idle(on consumer: borrowing RingConsumer, maxSleepNs: Int64 = 100_000_000) {
        if mode == .block && isPastSpinning {
            consumer.awaitData(timeoutNs: maxSleepNs)
            return
        }
        idle()
    }
}
