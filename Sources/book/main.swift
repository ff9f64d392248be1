// book: local L2 books from feed's frames. See BookOptions.usage.
import Glibc
import IPC

func fail(_ message: String, _ code: Int32) -> Never {
    StandardError.line(message)
    exit(code)
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") {
    print(BookOptions.usage)
    exit(ExitCode.success)
}
SignalFlags.install([SIGINT, SIGTERM])

let options: BookOptions
do {
    options = try BookOptions(arguments)
} catch {
    fail("book: \(error)\n\(BookOptions.usage)", ExitCode.usage)
}

let source: FrameSource
do {
    source = try FrameSource(options.input, idle: options.idle)
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
let result = BookStage(options: options, source: source, sink: sink, membership: membership).run()
if let message = result.message { StandardError.line(message) }
exit(result.code)
