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
        errors = DataCollector(stderr.fileHandleForReading)
    }

    /// Drained from the start, so a child that logs a lot never blocks on a full pipe.
    private var errors: DataCollector!

    public var pid: Int32 { process.processIdentifier }

    /// This child's stdout, to become the next child's stdin. Once handed on, `finish` reports
    /// no output for this child.
    public var stdoutHandle: FileHandle {
        handedOn = true
        return stdout.fileHandleForReading
    }
    private var handedOn = false

    /// Waits for the exit, at most `timeout` seconds (then kills it and fails the test).
    public func finish(timeout: Double = 120, file: StaticString = #filePath, line: UInt = #line) -> (status: Int32, out: String, err: String) {
        let deadline = Date().addingTimeInterval(timeout)
        // Read the pipes while waiting, so a chatty child never blocks on a full pipe.
        let outData = handedOn ? nil : DataCollector(stdout.fileHandleForReading)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            XCTFail("child \(process.executableURL!.lastPathComponent) \(process.arguments ?? []) timed out", file: file, line: line)
        }
        process.waitUntilExit()
        return (process.terminationStatus, outData?.text() ?? "", errors.text())
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

/// `first | second`, both built products, with their exit statuses and outputs.
public struct PipelineResult {
    public var firstStatus: Int32
    public var secondStatus: Int32
    public var output: String
    public var firstErrors: String
    public var secondErrors: String
}

public func runPipeline(_ first: String, _ firstArguments: [String], _ second: String, _ secondArguments: [String],
                        timeout: Double = 120) throws -> PipelineResult {
    let producer = try ChildProcess(first, firstArguments)
    let consumer = try ChildProcess(second, secondArguments, stdin: producer.stdoutHandle)
    let consumerResult = consumer.finish(timeout: timeout)
    let producerResult = producer.finish(timeout: timeout)
    return PipelineResult(firstStatus: producerResult.status, secondStatus: consumerResult.status,
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
