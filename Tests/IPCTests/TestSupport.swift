import Foundation
import Glibc
import IPC
import XCTest

/// A segment name unique to this test process, removed again by `removeSegment`.
func uniqueSegmentName(_ label: String, file: StaticString = #filePath, line: UInt = #line) -> SegmentName {
    TestNames.counter += 1
    return try! SegmentName("tptest.\(getpid()).\(TestNames.counter).\(label)")
}

enum TestNames {
    nonisolated(unsafe) static var counter = 0
}

/// Tests write to pipes whose readers may have gone: EPIPE must be an error, not a signal.
let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

func removeSegment(_ name: SegmentName) {
    _ = try? SharedMemoryMapping.unlink(name)
}

/// The directory holding the built products (RingPeer, the tools) next to the test bundle.
func productsDirectory() -> URL {
    let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var directory = executable.deletingLastPathComponent()
    // The test binary sits in <products>/<package>PackageTests.xctest on Linux.
    if directory.lastPathComponent.hasSuffix(".xctest") { directory = directory.deletingLastPathComponent() }
    return directory
}

/// A child process with its stdout and stderr captured.
final class ChildProcess {
    let process = Process()
    let stdout = Pipe()
    let stderr = Pipe()

    init(_ executable: String, _ arguments: [String], stdin: FileHandle? = nil) throws {
        process.executableURL = productsDirectory().appendingPathComponent(executable)
        if executable.hasPrefix("/") { process.executableURL = URL(fileURLWithPath: executable) }
        process.arguments = arguments
        process.standardOutput = stdout
        process.standardError = stderr
        if let stdin { process.standardInput = stdin }
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// Waits for the exit, at most `timeout` seconds (then kills it and fails the test).
    func finish(timeout: Double = 120, file: StaticString = #filePath, line: UInt = #line) -> (status: Int32, out: String, err: String) {
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

    func text() -> String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}
