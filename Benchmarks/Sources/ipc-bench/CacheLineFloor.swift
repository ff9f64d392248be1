import Glibc
import IPC
import Synchronization

// The hardware floor: two processes bounce one cache line through shared memory with plain
// atomics, no ring. A round trip is two cache-line transfers, the least any shared-memory
// hand-off can cost on this machine.
//
//   ping (cpu 0)                         pong (cpu 1)
//   word := 2i+1   ------ line ------>   sees 2i+1
//   sees 2i+2      <----- line -------   word := 2i+2

enum CacheLineFloor {
    static func word(_ mapping: SharedMemoryMapping) -> UnsafeMutablePointer<Atomic<UInt64>> {
        mapping.base.assumingMemoryBound(to: Atomic<UInt64>.self)
    }

    static func ping(samples: Int, warmup: Int) throws -> LatencySamples {
        let name = try SegmentName("ipcbench.\(getpid()).floor")
        let mapping = try SharedMemoryMapping.create(name, length: 4096)
        defer { try? SharedMemoryMapping.unlink(name) }
        let child = try Child(["floor-pong", name.value, "\(samples + warmup)"])
        pin(0)
        let shared = word(mapping)
        var latencies = LatencySamples(capacity: samples)
        for round in 0..<(samples + warmup) {
            let value = UInt64(round) * 2 + 1
            let start = SystemClock.monotonicNanoseconds()
            shared.pointee.store(value, ordering: .releasing)
            while shared.pointee.load(ordering: .acquiring) != value + 1 { CPU.pause() }
            if round >= warmup { latencies.record(SystemClock.monotonicNanoseconds() - start) }
        }
        _ = child.report()
        return latencies
    }

    static func pong(_ arguments: [String]) throws {
        let mapping = try SharedMemoryMapping.open(try SegmentName(arguments[0]))
        let rounds = UInt64(arguments[1])!
        pin(1)
        let shared = word(mapping)
        for round in 0..<rounds {
            let value = round * 2 + 1
            while shared.pointee.load(ordering: .acquiring) != value { CPU.pause() }
            shared.pointee.store(value + 1, ordering: .releasing)
        }
        print("ok=1")
    }
}
