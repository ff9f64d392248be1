import CMallocCounter
import Glibc
import IPC

// Round trip through two rings, one per direction, each process the producer of one and the
// gating consumer of the other, with the chosen idle strategy on both sides.
//
//   ping (cpu 0)  --- ring ".ping" --->  pong (cpu 1)
//                 <--- ring ".pong" ---
//
// In block mode ping waits `gapNs` between round trips, long enough for pong to finish spinning
// and fall asleep on the futex: each round trip then pays one cross-process futex wake-up (pong's),
// while ping, which has just written, is still spinning when the answer comes.
//
// One way: ping stamps each frame (`eventTimeNs`, CLOCK_MONOTONIC, one clock for every process)
// as it writes it and pong subtracts that from its clock when it reads the frame: in block mode,
// the hand-off to a reader asleep on the futex, which is what each hop of a paced pipeline pays.

enum RingPingPong {
    struct Result {
        var latencies: LatencySamples
        /// ping -> pong, measured by pong.
        var oneWayP50: Int64
        var oneWayP99: Int64
        var allocations: UInt64
        var frames: UInt64
    }

    static func ping(mode: IdleStrategy.Mode, samples: Int, warmup: Int, gapNs: Int64) throws -> Result {
        let outName = try SegmentName("ipcbench.\(getpid()).\(mode).ping")
        let inName = try SegmentName("ipcbench.\(getpid()).\(mode).pong")
        var out = try RingProducer.create(outName, capacity: 1024)
        defer { try? out.unlink() }
        let child = try Child(["ring-pong", outName.value, inName.value, mode.rawValue, "\(warmup)"])
        var input = attachWhenCreated(inName, blocking: mode == .block)
        awaitConsumers(out, count: 1)
        pin(0)
        var idle = IdleStrategy(mode)
        var latencies = LatencySamples(capacity: samples)
        var allocations: UInt64 = 0
        var header = FrameHeader(type: .control)
        for round in 0..<(samples + warmup) {
            if gapNs > 0 {
                let until = SystemClock.monotonicNanoseconds() + gapNs
                while SystemClock.monotonicNanoseconds() < until { usleep(50) }
            }
            let before = malloc_counter_thread_allocations()
            header.sequence = UInt64(round)
            let start = SystemClock.monotonicNanoseconds()
            header.eventTimeNs = start
            _ = out.write(Frame(header: header))
            idle.reset()
            while input.read(limit: 1, { _ in }) == 0 { idle.idle(on: input) }
            let end = SystemClock.monotonicNanoseconds()
            if round >= warmup {
                latencies.record(end - start)
                allocations += malloc_counter_thread_allocations() - before
            }
        }
        out.close()
        let pong = child.report()
        input.detach()
        return Result(
            latencies: latencies, oneWayP50: pong["oneway_p50"] ?? 0, oneWayP99: pong["oneway_p99"] ?? 0,
            allocations: allocations + UInt64(pong["allocations"] ?? 0), frames: UInt64(samples) * 2)
    }

    static func pong(_ arguments: [String]) throws {
        let inName = try SegmentName(arguments[0])
        let outName = try SegmentName(arguments[1])
        let mode = try IdleStrategy.mode(parsing: arguments[2])
        var out = try RingProducer.create(outName, capacity: 1024)
        defer { try? out.unlink() }
        var input = try RingConsumer.attach(inName, mode: .gating, blocking: mode == .block)
        awaitConsumers(out, count: 1)
        pin(1)
        var idle = IdleStrategy(mode)
        var echoed: UInt64 = 0
        var allocations: UInt64 = 0
        // The frames ping does not count either.
        guard arguments.count == 4, let warmup = UInt64(arguments[3]) else {
            throw BenchmarkError("usage: ring-pong IN OUT MODE WARMUP")
        }
        var oneWay = LatencySamples(capacity: 1_100_000)
        while true {
            let before = malloc_counter_thread_allocations()
            let handled = input.read(limit: 16) { frame in
                let now = SystemClock.monotonicNanoseconds()
                if echoed >= warmup { oneWay.record(now - frame.pointee.header.eventTimeNs) }
                _ = out.write(frame.pointee)
            }
            if handled > 0 {
                if echoed >= warmup { allocations += malloc_counter_thread_allocations() - before }
                echoed += UInt64(handled)
                idle.reset()
                continue
            }
            if input.isAtEndOfStream { break }
            idle.idle(on: input)
        }
        input.detach()
        let summary = oneWay.summary()
        print("echoed=\(echoed) allocations=\(allocations) oneway_p50=\(summary.p50) oneway_p99=\(summary.p99)")
    }
}
