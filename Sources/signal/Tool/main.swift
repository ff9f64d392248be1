// signal: strategies that turn book tops and trades into quote intents. See SignalOptions.usage
// and docs/signal.md.
import IPC
import SignalCore

let options = ToolStart.options(tool: "signal", usage: SignalOptions.usage) { (arguments) throws(InvalidArgument) in
    try SignalOptions(arguments)
}
SignalAgent.run(options)
