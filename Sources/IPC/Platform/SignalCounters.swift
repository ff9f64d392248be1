import Glibc
import Synchronization

/// Signals as counters: handlers only bump a counter (async-signal-safe), and a tool's duty
/// cycle reads them at the top of its next cycle and acts there.
public enum SignalCounters {
    /// Signal numbers run from 1 to 64 on Linux (`SIGRTMAX`).
    static let signalSlots = 65
    /// One counter per signal number.
    nonisolated(unsafe) static let counters: UnsafeMutablePointer<Atomic<UInt32>> = {
        let pointer = UnsafeMutablePointer<Atomic<UInt32>>.allocate(capacity: signalSlots)
        for index in 0..<signalSlots { (pointer + index).initialize(to: Atomic<UInt32>(0)) }
        return pointer
    }()

    /// Installs counting handlers for `signals` (e.g. SIGINT, SIGTERM, SIGUSR1) and ignores
    /// SIGPIPE, so a closed pipe is an `EPIPE` error the tool reports, not a silent death.
    public static func install(_ signals: [Int32]) {
        _ = counters
        Glibc.signal(SIGPIPE, SIG_IGN)
        for number in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                SignalCounters.counters[Int(number)].add(1, ordering: .relaxed)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
    }

    /// How many times `signal` has arrived since `install`.
    public static func count(_ signal: Int32) -> UInt32 {
        counters[Int(signal)].load(ordering: .relaxed)
    }

    /// True once SIGINT or SIGTERM has arrived.
    public static var shutdownRequested: Bool { count(SIGINT) + count(SIGTERM) > 0 }
}
