// risk: limits, watchdog and kill switch for a session; `risk status SESSION`, `risk flatten
// SESSION`. See RiskOptions.usage and docs/risk.md.
import IPC
import RiskCore

SessionCommand.runIfNamed(Array(CommandLine.arguments.dropFirst()))
let options = ToolStart.options(
    tool: "risk", usage: RiskOptions.usage, { (arguments) throws(InvalidArgument) in try RiskOptions(arguments) },
    prepare: { $0.readKeys() })
RiskAgent.run(options)
