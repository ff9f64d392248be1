// book: local L2 books from feed's frames. See BookOptions.usage.
import Glibc
import IPC

let options = ToolStart.options(tool: "book", usage: BookOptions.usage) { (arguments) throws(InvalidArgument) in
    try BookOptions(arguments)
}

func fail(_ message: String, _ code: Int32) -> Never { ToolStart.fail(message, code) }

let source: FrameSource
do {
    source = try FrameSource(options.input, tool: "book", idle: options.idle, mode: options.lossy ? .lossy : .gating)
} catch {
    fail("book: \(error)", ExitCode.system)
}
var sink: FrameSink?
if case .frames(let endpoint) = options.output {
    do { sink = try FrameSink(endpoint) } catch { fail("book: \(error)", ExitCode.system) }
}
var membership: SessionMembership?
if let session = options.session {
    do { membership = try SessionMembership(session, role: .book, detail: "\(options.output)") } catch { fail("book: \(error)", ExitCode.system) }
}
var dashboard: Dashboard?
if options.output == .dashboard, let membership {
    var exec: FrameSource?
    if let endpoint = options.execOutput {
        do { exec = try FrameSource(endpoint, tool: "book", idle: .yield, mode: .lossy, waitNs: 60_000_000_000) } catch { fail("book: \(error)", ExitCode.system) }
    }
    dashboard = Dashboard(membership: membership, exec: exec, logDirectory: options.logDirectory)
}
let result = BookStage(options: options, source: source, sink: sink, membership: membership, dashboard: dashboard).run()
if let message = result.message { StandardError.line(message) }
exit(result.code)
