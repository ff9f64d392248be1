import Glibc
import IPC

/// `risk flatten SESSION`: what `kill -USR1 <risk pid>` does, for a session whose risk process
/// is gone (run.sh uses it when a failure took risk down with it): trading halts, exec is asked
/// to close every order and position, and the answer is waited for.
enum SessionFlatten {
    /// Exit 0 once exec confirms, 1 if it has not within `deadlineMs` (or no exec runs).
    static func run(_ session: SessionName, deadlineMs: Int) -> Int32 {
        let block: ControlBlock
        do {
            block = try ControlBlock.attach(session.controlBlock, readyTimeoutMs: 100)
        } catch {
            StandardError.line("risk: flatten: \(error)")
            return ExitCode.failure
        }
        guard
            let exec = block.runningProcess(.exec)
        else {
            StandardError.line("risk: flatten: no exec runs in session \(session): nothing can close what is open")
            return ExitCode.failure
        }
        block.halt(reason: "flatten requested (risk flatten, pid \(getpid()))")
        block.requestFlatten()
        let requested = block.flattenRequests
        let deadline = SystemClock.monotonicNanoseconds() + Int64(deadlineMs) * 1_000_000
        while SystemClock.monotonicNanoseconds() < deadline {
            if block.flattensDone >= requested {
                StandardError.line("risk: flat: exec pid \(exec.pid) confirmed")
                return ExitCode.success
            }
            usleep(5_000)
        }
        StandardError.line("risk: flatten: exec pid \(exec.pid) did not confirm within \(deadlineMs) ms")
        return ExitCode.failure
    }
}
