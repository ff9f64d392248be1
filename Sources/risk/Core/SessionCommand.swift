import Glibc
import IPC

/// `risk status SESSION` (the session's processes, rings and gauges), `risk flatten SESSION`
/// (what kill -USR1 to risk does, without a risk process) and `risk resume SESSION` (the halt
/// lifted by the session's risk, once its cause is gone).
public enum SessionCommand {
    /// Runs the command `arguments` name and exits; returns if they name none.
    public static func runIfNamed(_ arguments: [String]) {
        guard let command = arguments.first, ["status", "flatten", "resume"].contains(command) else { return }
        guard arguments.count == 2 else {
            ToolStart.fail("risk: \(command) needs a SESSION\n\(RiskOptions.usage)", ExitCode.usage)
        }
        let session: SessionName
        do { session = try SessionName(arguments[1]) } catch { ToolStart.fail("risk: \(error)", ExitCode.usage) }
        if command == "status" {
            print(SessionStatus.render(session), terminator: "")
            exit(ExitCode.success)
        }
        if command == "resume" { exit(SessionResume.run(session, deadlineMs: 3_000)) }
        exit(SessionFlatten.run(session, deadlineMs: 2_000))
    }
}
