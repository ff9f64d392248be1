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

    /// Starts the child. Its stdout is drained from the start, so it never blocks on a full pipe,
    /// unless `handsOnStdout` says it will become another child's stdin (`stdoutHandle`).
    /// `environment` is added to this process's own.
    public init(
        _ executable: String, _ arguments: [String], stdin: FileHandle? = nil, handsOnStdout: Bool = false,
        environment: [String: String] = [:]
    ) throws {
        process.executableURL = productsDirectory().appendingPathComponent(executable)
        if executable.hasPrefix("/") { process.executableURL = URL(fileURLWithPath: executable) }
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardOutput = stdout
        process.standardError = stderr
        if let stdin { process.standardInput = stdin }
        try process.run()
        errors = DataCollector(stderr.fileHandleForReading)
        if !handsOnStdout { output = DataCollector(stdout.fileHandleForReading) }
    }

    private var output: DataCollector?

    /// Drained from the start, so a child that logs a lot never blocks on a full pipe.
    private var errors: DataCollector!

    public var pid: Int32 { process.processIdentifier }

    /// What the child has written to stderr so far.
    public var errorsSoFar: String { errors.textSoFar() }

    /// Waits until the child's stdout has not grown for `quietSeconds`, at most `timeout` seconds:
    /// a pipeline that drains at its own pace (slower on a loaded machine) has caught up.
    public func awaitQuietOutput(quietSeconds: Double, timeout: Double) {
        let deadline = Date().addingTimeInterval(timeout)
        var lastCount = -1
        var stillSince = Date()
        while Date() < deadline {
            let count = output?.byteCount ?? 0
            if count != lastCount {
                lastCount = count
                stillSince = Date()
            } else if Date().timeIntervalSince(stillSince) >= quietSeconds {
                return
            }
            usleep(100_000)
        }
    }

    /// This child's stdout, to become the next child's stdin (start it with `handsOnStdout`).
    public var stdoutHandle: FileHandle {
        precondition(output == nil, "start the child with handsOnStdout: true to hand its stdout on")
        return stdout.fileHandleForReading
    }

    /// Waits for the exit, at most `timeout` seconds (then kills it and fails the test).
    public func finish(timeout: Double = 120, file: StaticString = #filePath, line: UInt = #line) -> (
        status: Int32, out: String, err: String
    ) {
        let deadline = Date().addingTimeInterval(timeout)
        // Read the pipes while waiting, so a chatty child never blocks on a full pipe.
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            XCTFail(
                "child \(process.executableURL!.lastPathComponent) \(process.arguments ?? []) timed out", file: file,
                line: line)
        }
        process.waitUntilExit()
        return (process.terminationStatus, output?.text() ?? "", errors.text())
    }
}

/// Drains a pipe on a background thread.
final class DataCollector: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                lock.lock()
                data.append(chunk)
                lock.unlock()
            }
            done.signal()
        }
    }

    var byteCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return data.count
    }

    func textSoFar() -> String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }

    /// Everything, once the pipe has closed (may be asked again: a finished child's text stays).
    public func text() -> String {
        done.wait()
        done.signal()
        return textSoFar()
    }
}

/// `first | second`, both built products, with their exit statuses and outputs.
public struct PipelineResult {
    public var firstStatus: Int32
    public var secondStatus: Int32
    public var output: String
    public var firstErrors: String
    public var secondErrors: String
}

public func runPipeline(
    _ first: String, _ firstArguments: [String], _ second: String, _ secondArguments: [String],
    timeout: Double = 120
) throws -> PipelineResult {
    let producer = try ChildProcess(first, firstArguments, handsOnStdout: true)
    let consumer = try ChildProcess(second, secondArguments, stdin: producer.stdoutHandle)
    let consumerResult = consumer.finish(timeout: timeout)
    let producerResult = producer.finish(timeout: timeout)
    return PipelineResult(
        firstStatus: producerResult.status, secondStatus: consumerResult.status,
        output: consumerResult.out, firstErrors: producerResult.err, secondErrors: consumerResult.err)
}

/// The shared recordings, or a skip saying where they were looked for.
public func sharedDataDirectory(file: StaticString = #filePath) throws -> String {
    // Tests/<target>/<file>.swift -> the package root -> ../shared/data
    var url = URL(fileURLWithPath: "\(file)")
    for _ in 0..<3 { url.deleteLastPathComponent() }
    let path = url.deletingLastPathComponent().appendingPathComponent("shared/data").path
    guard FileManager.default.fileExists(atPath: path + "/SOURCES.md") else {
        throw XCTSkip("the recordings are not at \(path) (../shared/data beside the package)")
    }
    return path
}
