import Foundation
import Glibc
import IPC

// Round trip of one frame through two pipes: ping writes a frame to pong's stdin (one write),
// pong reads it and writes it back on its stdout (one write), ping reads it.
//
//   ping  --- pipe (pong's stdin) --->  pong
//         <-- pipe (pong's stdout) ---

enum PipePingPong {
    static func ping(samples: Int, warmup: Int) throws -> LatencySamples {
        let child = try Child(["pipe-pong"])
        pin(0)
        let writer = try FrameStreamWriter(
            fd: child.input.fileHandleForWriting.fileDescriptor, subject: "pong stdin", batchFrames: 1)
        let reader = FrameStreamReader(fd: child.output.fileHandleForReading.fileDescriptor, subject: "pong stdout")
        var latencies = LatencySamples(capacity: samples)
        var header = FrameHeader(type: .trade)
        for round in 0..<(samples + warmup) {
            header.sequence = UInt64(round)
            let trade = Trade(header: header, price: 1, size: 1, tradeId: UInt64(round), aggressor: .buy)
            let start = SystemClock.monotonicNanoseconds()
            try writer.write(trade)
            guard case .frames = try reader.read(limit: 1, { _ in }) else {
                throw BenchmarkError("pong closed its stdout")
            }
            if round >= warmup { latencies.record(SystemClock.monotonicNanoseconds() - start) }
        }
        try child.input.fileHandleForWriting.close()
        child.process.waitUntilExit()
        return latencies
    }

    static func pong() throws {
        pin(1)
        let reader = FrameStreamReader(fd: 0, subject: "stdin")
        let writer = try FrameStreamWriter(fd: 1, subject: "stdout", batchFrames: 1)
        var pending = Frame(header: FrameHeader(type: .control))
        while case .frames = try reader.read(limit: 1, { pending = $0.pointee }) {
            try writer.write(pending)
        }
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
