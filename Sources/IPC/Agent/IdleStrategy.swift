import Glibc

/// What a process does when a duty cycle found no work, chosen per process with `--idle`.
///
/// | mode  | when idle                                         | hand-off cost | CPU when idle |
/// |-------|---------------------------------------------------|---------------|---------------|
/// | spin  | `pause` and poll again                            | lowest        | one core, 100 % |
/// | yield | spin 100 times, then `sched_yield` per poll       | low           | one core, shared |
/// | block | poll once more, then sleep on the ring's futex    | + a futex wake| none          |
///
/// Spinning is the fast path and needs a core per spinning process; `block` is the default
/// wherever processes outnumber cores, since spinners then steal each other's time slices. That
/// is also why `block` does not spin before it sleeps: in the five-process pipeline on two cores,
/// a stage spinning after it published held the core its woken reader needed. The price: two
/// processes answering each other both sleep every time, so a block round trip pays two wake-ups.
/// What each costs: docs/operations.md and BENCHMARKS.md (ipc).
public struct IdleStrategy: Sendable {
    public enum Mode: String, CaseIterable, Sendable {
        case spin, yield, block
    }

    public let mode: Mode
    @usableFromInline var idleCount = 0
    @usableFromInline static let spinsBeforeYield = 100
    /// How long two stages that take turns poll for each other's answer before they sleep
    /// (`idle(on:maxSleepNs:spinNs:)`): signal and exec merging in market time in a replay; a
    /// futex wake per turn made the pipeline benchmark's run with that loop 14× slower.
    public static let handOffSpinNs: Int64 = 20_000

    public init(_ mode: Mode) { self.mode = mode }

    /// Parses `--idle` values, naming the flag and the choices on error.
    public static func mode(parsing text: String, flag: String = "--idle") throws(InvalidArgument) -> Mode {
        guard let mode = Mode(rawValue: text) else {
            throw InvalidArgument(
                "\(flag) '\(text)': expected one of \(Mode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return mode
    }

    /// Call after a cycle that did work.
    @inlinable public mutating func reset() { idleCount = 0 }

    /// True when a blocking strategy should sleep: the poll before this one found nothing too.
    @inlinable public var shouldSleep: Bool { mode == .block && idleCount > 0 }

    /// Idles once without a ring to sleep on: `block` sleeps 50 µs.
    @inlinable
    public mutating func idle() {
        let sleep = shouldSleep
        idleCount &+= 1
        switch mode {
        case .spin:
            CPU.pause()
        case .yield:
            if idleCount < IdleStrategy.spinsBeforeYield { CPU.pause() } else { sched_yield() }
        case .block:
            if sleep { usleep(50) } else { CPU.pause() }
        }
    }

    /// Idles once, at once, for a stage that nothing wakes and that has no reason to poll again
    /// soon (risk, reading lossy): `block` sleeps `sleepNs` now, `yield` yields, `spin` pauses.
    @inlinable
    public mutating func park(sleepNs: Int64) {
        idleCount &+= 1
        switch mode {
        case .spin: CPU.pause()
        case .yield: sched_yield()
        case .block: usleep(UInt32(sleepNs / 1_000))
        }
    }

    /// Idles once waiting for `consumer`'s ring: `block` sleeps on the ring's futex until the
    /// producer publishes (or `maxSleepNs`, so the caller can run its timers and liveness checks).
    /// `spinNs`: for a reader whose producer is answering it, `block` first polls for that long
    /// (a futex wake costs 20-50 µs here; two processes in lockstep, signal and exec merging in
    /// market time, would pay two on every exchange).
    @inlinable
    public mutating func idle(on consumer: borrowing RingConsumer, maxSleepNs: Int64 = 100_000_000, spinNs: Int64 = 0) {
        if shouldSleep && spinNs > 0 && idleCount == 1 {
            idleCount &+= 1
            let start = SystemClock.monotonicNanoseconds()
            while consumer.lag == 0 && !consumer.isAtEndOfStream
                && SystemClock.monotonicNanoseconds() - start < spinNs
            {
                for _ in 0..<32 { CPU.pause() }
            }
            return
        }
        if shouldSleep {
            consumer.awaitData(timeoutNs: maxSleepNs)
            return
        }
        idle()
    }
}
