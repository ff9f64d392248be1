import Foundation
import Glibc
import IPC

/// This benchmark's own executable started again in another role, as a separate process.
final class Child {
    let process = Process()
    let input = Pipe()
    let output = Pipe()

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        try process.run()
    }

    /// Waits for the child and returns its `key=value` report line as a dictionary.
    func report() -> [String: Int64] {
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            StandardError.line("ipc-bench: child \(process.arguments ?? []) exited with \(process.terminationStatus)")
            exit(1)
        }
        var fields: [String: Int64] = [:]
        for part in String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let pair = part.split(separator: "=")
            if pair.count == 2, let value = Int64(pair[1]) { fields[String(pair[0])] = value }
        }
        return fields
    }
}

/// Attaches to a ring the other process is creating, retrying until it exists.
func attachWhenCreated(_ name: SegmentName, blocking: Bool) -> RingConsumer {
    for _ in 0..<5_000 {
        if let consumer = try? RingConsumer.attach(name, mode: .gating, blocking: blocking) { return consumer }
        usleep(1_000)
    }
    StandardError.line("ipc-bench: ring \(name) did not appear")
    exit(1)
}

/// Waits until `count` gating consumers are attached to the producer's ring.
func awaitConsumers(_ producer: RingProducer, count: Int) {
    while RingSnapshot(producer.segment).consumers.count < count { usleep(1_000) }
}

func pin(_ cpu: Int) {
    guard CPU.onlineCount > cpu else { return }
    do { try CPU.pin(to: cpu) } catch { StandardError.line("ipc-bench: \(error) (continuing unpinned)") }
}
