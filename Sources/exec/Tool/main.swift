// exec: orders from quote intents on the paper venue, journaled. See ExecOptions.usage and
// docs/exec.md.
//
//   exec [options]        the order manager and the paper venue over signal's output
//   exec journal FILE [--orders|--fills]   a journal as CSV (stdout), its damage (stderr)
//   exec report FILE      the run's report from its journal: HTML with SVG charts (stdout)
import ExecCore
import IPC

JournalCommand.runIfNamed(Array(CommandLine.arguments.dropFirst()))
let options = ToolStart.options(
    tool: "exec", usage: ExecOptions.usage, { (arguments) throws(InvalidArgument) in try ExecOptions(arguments) },
    prepare: { $0.readKeys() })
ExecTool.run(options)
