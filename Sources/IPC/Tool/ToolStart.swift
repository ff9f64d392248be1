import Glibc

/// How every tool's `main` begins and ends: `--help` prints the usage, SIGINT and SIGTERM are
/// counted for the duty cycle, the options are parsed (a bad one is one line, the usage, exit
/// 100; `--check-options` stops there with 0 when they are valid, so a script can check every
/// command line before it starts anything), and a failure is one line on stderr and its
/// documented exit code.
///
/// One option every tool takes is handled here: `--cpu N` pins the process to CPU N
/// (`sched_setaffinity`) before it starts work, as the ipc benchmark pins its two sides.
public enum ToolStart {
    /// What every tool's usage ends with.
    public static let commonUsage = """
          --cpu N        pin this process to CPU N (0 to the number of CPUs - 1); unpinned by default
        """

    /// The options, parsed by `parse` from the command line, then completed by `prepare` (keys
    /// read from the environment): what it finds wrong beyond the command line (a missing key)
    /// is one line, no usage, exit 100, with or without `--check-options`.
    public static func options<Options>(
        tool: String, usage: String, _ parse: ([String]) throws(InvalidArgument) -> Options,
        prepare: (inout Options) -> String? = { _ in nil }
    ) -> Options {
        let usage = usage + "\n" + commonUsage
        var arguments = Array(CommandLine.arguments.dropFirst())
        let checkOnly = arguments.contains("--check-options")
        arguments.removeAll { $0 == "--check-options" }
        if arguments.contains("--help") || arguments.contains("-h") {
            print(usage)
            exit(ExitCode.success)
        }
        SignalCounters.install([SIGINT, SIGTERM])
        do {
            let cpu = try takeCPU(&arguments, tool: tool)
            var options = try parse(arguments)
            if let problem = prepare(&options) { fail(problem, ExitCode.usage) }
            if checkOnly { exit(ExitCode.success) }
            if let cpu {
                do { try CPU.pin(to: cpu) } catch { fail("\(tool): --cpu \(cpu): \(error)", ExitCode.system) }
            }
            return options
        } catch {
            if error.isBadInput { fail("\(tool): \(error)", ExitCode.failure) }
            fail("\(tool): \(error)\n\(usage)", ExitCode.usage)
        }
    }

    /// Removes `--cpu N` from the arguments and checks N against the CPUs online.
    static func takeCPU(_ arguments: inout [String], tool: String) throws(InvalidArgument) -> Int? {
        var common = CommandLineArguments(tool: tool, arguments)
        let cpu = try common.integer("--cpu", in: 0...(CPU.onlineCount - 1))
        arguments = common.remaining
        return cpu
    }

    public static func fail(_ message: String, _ code: Int32) -> Never {
        StandardError.line(message)
        exit(code)
    }
}

extension ToolStart {
    /// A stage's main after its options: opens the agent `open` makes (a failure is its line and
    /// exit code), runs it on an `AgentRunner` with `idle`, and exits with its stop.
    @inlinable
    public static func run<A: Agent>(idle: IdleStrategy.Mode, _ open: () throws(AgentStop) -> A) -> Never {
        var agent: A
        do { agent = try open() } catch { fail(error.message ?? "", error.code) }
        let stop = AgentRunner(idle: idle).run(&agent)
        if let message = stop.message { StandardError.line(message) }
        exit(stop.code)
    }
}
