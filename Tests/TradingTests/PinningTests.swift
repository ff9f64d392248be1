import Foundation
import Glibc
import TestSupport
import XCTest

/// `--cpu N`, which every tool takes (ToolStart): a CPU that does not exist is a usage error
/// naming it, in each tool; a valid one pins the running process, as the kernel reports it.
final class PinningTests: XCTestCase {
    func testEveryToolRejectsACPUThatDoesNotExist() throws {
        let cpus = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        for tool in ["feed", "book", "signal", "exec", "risk"] {
            for bad in ["\(cpus)", "-1", "one"] {
                let result = try ChildProcess(tool, ["--cpu", bad, "--check-options"]).finish()
                XCTAssertEqual(result.status, 100, "\(tool) --cpu \(bad)")
                XCTAssertTrue(
                    result.err.hasPrefix("\(tool): --cpu '\(bad)': expected an integer in 0...\(cpus - 1)"),
                    "\(tool) --cpu \(bad): \(result.err)")
            }
        }
    }

    func testAPinnedToolRunsOnThatCPUOnly() throws {
        let last = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) - 1
        let input = Pipe()
        // signal waits on its (empty) standard input: pinned by then.
        let signal = try ChildProcess("signal", ["--cpu", "\(last)"], stdin: input.fileHandleForReading)
        var allowed = ""
        for _ in 0..<200 {
            let status = (try? String(contentsOfFile: "/proc/\(signal.pid)/status", encoding: .utf8)) ?? ""
            allowed =
                status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") }
                .map { $0.split(separator: "\t").last.map(String.init) ?? "" } ?? ""
            if allowed == "\(last)" { break }
            usleep(10_000)
        }
        XCTAssertEqual(allowed, "\(last)")
        try input.fileHandleForWriting.close()
        _ = signal.finish()
    }
}
