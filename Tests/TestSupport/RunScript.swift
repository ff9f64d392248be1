import Foundation
import Glibc

/// The repository's `./run.sh` as the tests start it: on this build's tools (`TICKPIPE_BIN`),
/// each session's files under `runs/` removed afterwards.
public enum RunScript {
    /// The repository: Tests/TestSupport/RunScript.swift, three levels up.
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// `./run.sh arguments`, started (`environment` added to this build's `TICKPIPE_BIN`).
    public static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> ChildProcess {
        try ChildProcess(
            root.appendingPathComponent("run.sh").path, arguments,
            environment: ["TICKPIPE_BIN": productsDirectory().path].merging(environment) { $1 })
    }

    /// Removes `runs/SESSION` and the session's lock.
    public static func cleanUp(_ session: String) {
        try? FileManager.default.removeItem(at: root.appendingPathComponent("runs/\(session)"))
        unlink(root.appendingPathComponent("runs/.\(session).lock").path)
    }
}
