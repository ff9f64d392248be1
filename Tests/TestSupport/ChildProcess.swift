import Foundation
import Glibc
import XCTest

/// The directory holding the built products (RingPeer, the tools) next to the test bundle.
public func productsDirectory() -> URL {
    let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var directory = executable.deletingLastPathComponent()
    // The test binary sits in <products>/<package>PackageTests.xctest on Linux.
    if directory.lastPathComponent.hasSuffix(".xctest") { directory = directory.deletingLastPathComponent() }
    return directory
}

/// A child process (a built product such as RingPeer or a tool, or an absolute path) with its
/// stdout and stderr captured.
public final class ChildProcess {
    public let process = Process()
    let stdout = Pipe()
    let stderr = Pipe()

    public init(_ executable: String, _ arguments: [String], stdin: FileHandle? = nil) throws {
        process.executableURL = productsDirectory().appendingPathComponent(executable)
        if executable.hasPrefix("/") { process.executableURL = URL(fileURLWithPath: executable) }
        process.arguments = arguments
        process.standardOutput = stdout
        process.standardError = stderr
        if let stdin { process.standardInput = stdin }
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }

    /// Waits for the exit, at most `timeout` seconds (then kills it and fails the test).
    public func finish(timeout: Double = 120, file: StaticString = #filePath, line: UInt = #line) -> (status: Int32, out: String, err: String) {
        let deadline = Date().addingTimeInterval(timeout)
        // Read the pipes while waiting, so a chatty child never blocks on a full pipe.
        let outData = DataCollector(stdout.fileHandleForReading)
        let errData = DataCollector(stderr.fileHandleForReading)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            XCTFail("child \(process.executableURL!.lastPathComponent) \(process.arguments ?? []) timed out", file: file, line: line)
        }
        process.waitUntilExit()
        return (process.terminationStatus, outData.text(), errData.text())
    }
}

/// Drains a pipe on a background thread.
final class DataCollector: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    public func text() -> String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}
