// signal: strategies that turn book tops and trades into quote intents. See SignalOptions.usage.
import Glibc
import IPC

let options = ToolStart.options(tool: "signal", usage: SignalOptions.usage) { (arguments) throws(InvalidArgument) in
    try SignalOptions(arguments)
}

let source: FrameSource
do {
    source = try FrameSource(options.input, tool: "signal", idle: options.idle)
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
// exec creates its ring after signal's: wait for it (FrameSource waits up to 10 s).
var positions: FrameSource?
if let endpoint = options.positions {
    do { positions = try FrameSource(endpoint, tool: "signal", idle: .yield, mode: .lossy, waitNs: 60_000_000_000) } catch { ToolStart.fail("signal: \(error)", ExitCode.system) }
}
let result = SignalStage(options: options, source: source, sink: sink, membership: membership, positions: positions).run()
if let message = result.message { StandardError.line(message) }
exit(result.code)
