import Glibc

/// How every tool's `main` begins and ends: `--help` prints the usage, SIGINT and SIGTERM are
/// counted for the duty cycle, the options are parsed (a bad one is one line, the usage, exit
/// 100; `--check-options` stops there with 0 when they are valid, so a script can check every
/// command line before it starts anything), and a failure is one line on stderr and its
/// documented exit code.
public enum ToolStart {
    /// The options, parsed by `parse` from the command line.
    public static func options<Options>(
        tool: String, usage: String, _ parse: ([String]) throws(InvalidArgument) -> Options
    ) -> Options {
        var arguments = Array(CommandLine.arguments.dropFirst())
        let checkOnly = arguments.contains("--check-options")
        arguments.removeAll { $0 == "--check-options" }
        if arguments.contains("--help") || arguments.contains("-h") {
            print(usage)
            exit(ExitCode.success)
        }
        SignalFlags.install([SIGINT, SIGTERM])
        do {
            let options = try parse(arguments)
            if checkOnly { exit(ExitCode.success) }
            return options
        } catch {
            fail("\(tool): \(error)\n\(usage)", ExitCode.usage)
        }
    }

    public static func fail(_ message: String, _ code: Int32) -> Never {
        StandardError.line(message)
        exit(code)
    }
}
