// risk: limits, watchdog and kill switch for a session, and the session's status display.
//
//   risk status SESSION     prints the session's rings (producer position, each consumer's
//                           position, lag and drops) and its registered processes, then exits.
//
// The risk process itself (limits, watchdog, flatten on SIGUSR1) is built with the trading half
// of the pipeline; until then `risk` answers only `status`.
// Exit codes: 0 done, 100 usage.
import Glibc
import IPC

let usage = """
    usage: risk status SESSION
      status   print the session's rings and processes (positions, lag, drops, heartbeats)
    exit codes: 0 done, 100 usage
    """

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "status":
    guard arguments.count == 2 else {
        StandardError.line("risk: status needs a SESSION\n\(usage)")
        exit(ExitCode.usage)
    }
    do {
        print(SessionStatus.render(try SessionName(arguments[1])), terminator: "")
    } catch {
        StandardError.line("risk: \(error)")
        exit(ExitCode.usage)
    }
case "--help", "-h":
    print(usage)
default:
    StandardError.line("risk: the risk process arrives with the trading half of the pipeline; only 'status' is here\n\(usage)")
    exit(ExitCode.usage)
}
