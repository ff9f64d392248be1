import CMallocCounter
import Glibc
import IPC

// Streaming throughput: one process writes frames as fast as the transport takes them, the other
// reads them; frames per second are measured by the reader from its first frame to its last.
//
//   producer (cpu 0)  --- ring, spinning both sides, or a pipe --->  consumer (cpu 1)

enum Streaming {
    struct Result {
        var framesPerSecond: Double
        var allocations: UInt64
        var frames: UInt64
    }

    static func ring(frames: Int) throws -> Result {
        let name = try SegmentName("ipcbench.\(getpid()).stream")
        var producer = try RingProducer.create(name, capacity: 16_384)
        defer { try? producer.unlink() }
        let child = try Child(["ring-consume", name.value, "\(frames)"])
        awaitConsumers(producer, count: 1)
        pin(0)
        var header = FrameHeader(type: .control)
        var allocations: UInt64 = 0
        let warmup = 100_000
        var before = malloc_counter_thread_allocations()
        for index in 0..<frames {
            if index == warmup { before = malloc_counter_thread_allocations() }
            header.sequence = UInt64(index)
            if producer.write(Frame(header: header)) == .full {
                _ = producer.awaitSpace(idle: .spin)
                _ = producer.write(Frame(header: header))
            }
        }
        allocations = malloc_counter_thread_allocations() - before
        producer.close()
        let report = child.report()
        return Result(
            framesPerSecond: Double(frames - 1) * 1e9 / Double(report["ns"]!),
            allocations: allocations + UInt64(report["allocations"]!), frames: UInt64(frames - warmup) * 2)
    }

    static func ringConsume(_ arguments: [String]) throws {
        var consumer = try RingConsumer.attach(try SegmentName(arguments[0]), mode: .gating)
        let frames = UInt64(arguments[1])!
        pin(1)
        var idle = IdleStrategy(.spin)
        var received: UInt64 = 0
        var expected: UInt64 = 0
        var first: Int64 = 0
        var allocations: UInt64 = 0
        var before: UInt64 = 0
        while received < frames {
            let handled = consumer.read(limit: 256) { frame in
                if frame.pointee.header.sequence != expected {
                    fatalError("sequence \(frame.pointee.header.sequence), expected \(expected)")
                }
                expected &+= 1
            }
            if received == 0 && handled > 0 { first = SystemClock.monotonicNanoseconds() }
            if received < 100_000 && received + UInt64(handled) >= 100_000 {
                before = malloc_counter_thread_allocations()
            }
            received += UInt64(handled)
            if handled == 0 { idle.idle(on: consumer) } else { idle.reset() }
        }
        let elapsed = SystemClock.monotonicNanoseconds() - first
        allocations = malloc_counter_thread_allocations() - before
        consumer.detach()
        print("ns=\(elapsed) allocations=\(allocations)")
    }

    static func pipe(frames: Int, batchFrames: Int) throws -> Double {
        let child = try Child(["pipe-consume", "\(frames)"])
        pin(0)
        let writer = try FrameStreamWriter(
            fd: child.input.fileHandleForWriting.fileDescriptor, subject: "consumer stdin",
            batchFrames: batchFrames)
        var header = FrameHeader(type: .control)
        for index in 0..<frames {
            header.sequence = UInt64(index)
            try writer.write(Frame(Control(header: header, command: .heartbeat, senderPid: 0)))
        }
        try writer.flush()
        try child.input.fileHandleForWriting.close()
        let report = child.report()
        return Double(frames - 1) * 1e9 / Double(report["ns"]!)
    }

    static func pipeConsume(_ arguments: [String]) throws {
        let frames = UInt64(arguments[0])!
        pin(1)
        let reader = FrameStreamReader(fd: 0, subject: "stdin")
        var received: UInt64 = 0
        var first: Int64 = 0
        while case .frames(let count) = try reader.read(limit: 1024, { _ in }) {
            if received == 0 { first = SystemClock.monotonicNanoseconds() }
            received += UInt64(count)
        }
        guard received == frames else { throw BenchmarkError("received \(received) of \(frames) frames") }
        print("ns=\(SystemClock.monotonicNanoseconds() - first)")
    }
}
