import Glibc
import Synchronization

/// Signals as counters: handlers only bump a counter (async-signal-safe), and a tool's duty
/// cycle reads them at the top of its next cycle and acts there.
public enum SignalFlags {
    /// One counter per signal number (Linux has 64).
    nonisolated(unsafe) static let counters: UnsafeMutablePointer<Atomic<UInt32>> = {
        let pointer = UnsafeMutablePointer<Atomic<UInt32>>.allocate(capacity: 65)
        for index in 0..<65 { (pointer + index).initialize(to: Atomic<UInt32>(0)) }
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
                SignalFlags.counters[Int(number)].add(1, ordering: .relaxed)
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
