import Glibc

/// A command started through `/bin/sh -c`, its standard input and output on pipes to this
/// process, its standard error this process's own. It runs in a process group of its own, so a
/// Ctrl-C at the terminal reaches this process, which ends the child by closing its input.
///
/// ```text
///   this process ── input (its stdin) ──►  /bin/sh -c COMMAND
///                ◄── output (its stdout) ──
/// ```
public struct CommandProcess: Sendable {
    public let pid: pid_t
    /// The child's standard input: what this process writes.
    public let input: FileDescriptor
    /// The child's standard output: what this process reads.
    public let output: FileDescriptor

    /// How a child ended.
    public enum Ending: Equatable, Sendable, CustomStringConvertible {
        case exited(Int32)
        case killed(Int32)

        public var description: String {
            switch self {
            case .exited(let status): "exited with status \(status)"
            case .killed(let signal): "was killed by signal \(signal)"
            }
        }
    }

    /// Starts `command` (a shell command line), `subject` naming it in errors. From then on
    /// SIGPIPE is ignored in this process (the tools ignore it anyway): writing to a child that
    /// has gone is an `EPIPE` error to report, not the death of this process.
    public static func start(_ command: String, subject: String) throws(SystemError) -> CommandProcess {
        Glibc.signal(SIGPIPE, SIG_IGN)
        let toChild = try pipe(subject)
        let fromChild: (Int32, Int32)
        do { fromChild = try pipe(subject) } catch {
            close(toChild.0)
            close(toChild.1)
            throw error
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 onto 0 and 1 clears close-on-exec there; every other pipe end closes at exec.
        posix_spawn_file_actions_adddup2(&actions, toChild.0, 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild.1, 1)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let words: [String] = ["/bin/sh", "-c", command]
        let arguments: [UnsafeMutablePointer<CChar>?] = words.map { (word: String) in strdup(word) }
        defer { arguments.forEach { free($0) } }
        var pid: pid_t = 0
        let result = (arguments + [nil]).withUnsafeBufferPointer { argv in
            posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv.baseAddress!, environ)
        }
        close(toChild.0)
        close(fromChild.1)
        guard result == 0 else {
            close(toChild.1)
            close(fromChild.0)
            throw SystemError(call: "posix_spawn", subject: subject, errno: result)
        }
        return CommandProcess(
            pid: pid, input: FileDescriptor(rawValue: toChild.1, subject: subject),
            output: FileDescriptor(rawValue: fromChild.0, subject: subject))
    }

    /// `pipe(2)`, both ends close-on-exec (set before any spawn: the tools start children from
    /// one thread): the read end, the write end.
    private static func pipe(_ subject: String) throws(SystemError) -> (Int32, Int32) {
        var ends: [Int32] = [-1, -1]
        _ = try retryingInterrupts("pipe", subject) { Glibc.pipe(&ends) }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return (ends[0], ends[1])
    }

    /// How the child ended, if it has (reaped then); nil while it runs.
    public func ending() -> Ending? {
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        return CommandProcess.ending(status)
    }

    /// Closes both pipes, waits up to `graceMs` for the child to end, then kills its process
    /// group and reaps it: how it ended.
    public func finish(graceMs: Int) -> Ending {
        try? input.close()
        try? output.close()
        var waitedMs = 0
        while waitedMs < graceMs {
            if let ending = ending() { return ending }
            usleep(10_000)
            waitedMs += 10
        }
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return CommandProcess.ending(status)
    }

    private static func ending(_ status: Int32) -> Ending {
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import.
        status & 0x7F == 0 ? .exited((status >> 8) & 0xFF) : .killed(status & 0x7F)
    }
}
