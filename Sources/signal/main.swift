// signal: strategies that turn book tops and trades into quote intents. See SignalOptions.usage.
import Glibc
import IPC

let options = ToolStart.options(tool: "signal", usage: SignalOptions.usage) { (arguments) throws(InvalidArgument) in
    try SignalOptions(arguments)
}

let source: FrameSource
do {
    source = try FrameSource(options.input, idle: options.idle)
} catch {
    ToolStart.fail("signal: \(error)", ExitCode.system)
}
var sink: FrameSink?
if case .frames(let endpoint) = options.output {
    do { sink = try FrameSink(endpoint) } catch { ToolStart.fail("signal: \(error)", ExitCode.system) }
}
var membership: SessionMembership?
if let session = options.session {
    do { membership = try SessionMembership(session, role: .signal, detail: options.strategy.rawValue) } catch { ToolStart.fail("signal: \(error)", ExitCode.system) }
}
let result = SignalStage(options: options, source: source, sink: sink, membership: membership).run()
if let message = result.message { StandardError.line(message) }
exit(result.code)
