import Foundation

/// Runs a command that leaves a server behind (`tmux new-session -d`, `pg_ctl start`) and waits
/// for the command alone. Through bash, which first closes every descriptor past stderr: a child
/// started by Foundation's Process inherits more than its standard streams, and a server holding
/// a test's pipe open would keep `ChildProcess.finish` waiting forever. The command's output goes
/// to `log`. Returns its exit status.
public func startDaemon(_ arguments: [String], log: String) throws -> Int32 {
    let script =
        #"for fd in /proc/self/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done; "#
        + #"log=$1; shift; exec "$@" </dev/null >>"$log" 2>&1"#
    return try ChildProcess("/bin/bash", ["-c", script, "bash", log] + arguments).finish(timeout: 60).status
}
