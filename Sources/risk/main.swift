// risk: limits, watchdog and kill switch for a session; `risk status SESSION`, `risk flatten SESSION`.
// See RiskOptions.usage.
import Glibc
import IPC

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "status" {
    guard arguments.count == 2 else { ToolStart.fail("risk: status needs a SESSION\n\(RiskOptions.usage)", ExitCode.usage) }
    do {
        print(SessionStatus.render(try SessionName(arguments[1])), terminator: "")
        exit(ExitCode.success)
    } catch {
        ToolStart.fail("risk: \(error)", ExitCode.usage)
    }
}

if arguments.first == "flatten" {
    guard arguments.count == 2 else { ToolStart.fail("risk: flatten needs a SESSION\n\(RiskOptions.usage)", ExitCode.usage) }
    do {
        exit(SessionFlatten.run(try SessionName(arguments[1]), deadlineMs: 2_000))
    } catch {
        ToolStart.fail("risk: \(error)", ExitCode.usage)
    }
}

let options = ToolStart.options(tool: "risk", usage: RiskOptions.usage) { (arguments) throws(InvalidArgument) in
    try RiskOptions(arguments)
}
SignalFlags.install([SIGUSR1])
let membership: SessionMembership
do {
    membership = try SessionMembership(options.session, role: .risk, detail: "limits, watchdog")
} catch {
    ToolStart.fail("risk: \(error)", ExitCode.system)
}
func lossy(_ endpoint: Endpoint?) -> FrameSource? {
    guard let endpoint else { return nil }
    do {
        return try FrameSource(endpoint, tool: "risk", idle: .yield, mode: .lossy)
    } catch {
        ToolStart.fail("risk: \(error)", ExitCode.system)
    }
}
let stage = RiskStage(options: options, membership: membership, exec: lossy(options.execOutput), market: lossy(options.market))
exit(stage.run())
