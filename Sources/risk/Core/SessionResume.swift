import Glibc
import IPC

/// `risk resume SESSION`: asks the session's risk process to lift the halt in force. risk lifts
/// it only once its cause is gone (a limit back within bounds, a flatten confirmed) and says why
/// not otherwise; exec then trades again on the strategy's next quotes.
enum SessionResume {
    /// Exit 0 once trading resumed (or was not halted), 1 if risk refused or did not answer
    /// within `deadlineMs`, or no risk runs to ask.
    static func run(_ session: SessionName, deadlineMs: Int) -> Int32 {
        let block: ControlBlock
        do {
            block = try ControlBlock.attach(session.controlBlock, readyTimeoutMs: 100)
        } catch {
            StandardError.line("risk: resume: \(error)")
            return ExitCode.failure
        }
        guard let halt = block.haltReason else {
            StandardError.line("risk: resume: session \(session) is trading: no halt to lift")
            return ExitCode.success
        }
        guard
            let risk = block.runningProcess(.risk)
        else {
            StandardError.line(
                "risk: resume: no risk runs in session \(session) to check its limits: the halt (\(halt)) stays")
            return ExitCode.failure
        }
        let request = block.requestResume()
        let deadline = SystemClock.monotonicNanoseconds() + Int64(deadlineMs) * 1_000_000
        while SystemClock.monotonicNanoseconds() < deadline {
            if block.resumesAnswered &- request < UInt32.max / 2 {
                if let refusal = block.resumeRefusal {
                    StandardError.line("risk: resume refused by risk pid \(risk.pid): \(refusal)")
                    return ExitCode.failure
                }
                StandardError.line("risk: resumed: the halt (\(halt)) lifted by risk pid \(risk.pid)")
                return ExitCode.success
            }
            usleep(5_000)
        }
        StandardError.line("risk: resume: risk pid \(risk.pid) did not answer within \(deadlineMs) ms")
        return ExitCode.failure
    }
}
