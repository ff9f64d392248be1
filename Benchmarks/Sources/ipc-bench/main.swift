// ipc-bench: the IPC layer against its baselines, measured in one run.
//
//   floor       two processes bounce one cache line (plain atomics): the hardware floor
//   ring spin   a frame there and back through two rings, both sides busy-spinning
//   ring block  the same with both sides asleep on the futex between frames
//   pipe        a frame there and back through two pipes, one write per frame
//   streaming   ring (spin) vs pipe with one write per frame vs pipe with batched writes
//
// Every process pins itself to one CPU (0 for the measuring side, 1 for the peer).
// Prints a table, the ratios, and ends with one `RESULT ipc ...` line.
//
// `ipc-bench oneway-block [GAP_US]` measures only the block mode's one-way hand-off, one frame
// every GAP_US (300 by default: 2,000 frames, about a second; a longer gap takes fewer, 3 s in
// all) and prints `RESULT ipc-oneway-block p50_ns=... p99_ns=...`: the pipeline benchmark's
// baseline for its paced latency, taken in the same run.
import Glibc
import IPC

/// A number right-aligned in ten columns.
func cell(_ value: Int64) -> String {
    let text = "\(value)"
    return String(repeating: " ", count: max(0, 10 - text.count)) + text
}

func format(_ summary: LatencySamples.Summary) -> String {
    return "\(cell(summary.p50))\(cell(summary.p99))\(cell(summary.p999))\(cell(summary.max))   n=\(summary.count)"
}

func label(_ text: String) -> String { text + String(repeating: " ", count: max(1, 24 - text.count)) }

func rate(_ value: Double) -> String {
    value >= 1e6 ? "\((value / 1e5).rounded() / 10)M" : "\((value / 1e2).rounded() / 10)k"
}

func ratio(_ value: Double) -> String { "\((value * 100).rounded() / 100)" }

func runAll() throws {
    let quick = CommandLine.arguments.contains("--quick")
    let spinSamples = quick ? 20_000 : 1_000_000
    let pipeSamples = quick ? 5_000 : 100_000
    let blockSamples = quick ? 1_000 : 10_000
    let streamFrames = quick ? 2_000_000 : 50_000_000

    StandardError.line("ipc-bench: \(CPU.onlineCount) CPUs; measuring (about a minute)...")
    let floor = try CacheLineFloor.ping(samples: spinSamples, warmup: 10_000).summary()
    let spin = try RingPingPong.ping(mode: .spin, samples: spinSamples, warmup: 10_000, gapNs: 0)
    let block = try RingPingPong.ping(mode: .block, samples: blockSamples, warmup: 500, gapNs: 300_000)
    let pipe = try PipePingPong.ping(samples: pipeSamples, warmup: 1_000).summary()
    let ringStream = try Streaming.ring(frames: streamFrames)
    let pipeSingle = try Streaming.pipe(frames: streamFrames / 20, batchFrames: 1)
    let pipeBatched = try Streaming.pipe(frames: streamFrames, batchFrames: FrameStreamWriter.batchFrames)

    let spinSummary = spin.latencies.summary()
    let blockSummary = block.latencies.summary()
    print("round trip, ns              p50       p99     p99.9       max")
    print(label("floor (cache line)") + format(floor))
    print(label("ring, spin") + format(spinSummary))
    print(label("ring, block") + format(blockSummary))
    print(label("pipe, 1 frame/write") + format(pipe))
    print("")
    print("one way, ns (read - write)      p50       p99")
    print(label("ring, spin") + cell(spin.oneWayP50) + cell(spin.oneWayP99))
    print(label("ring, block") + cell(block.oneWayP50) + cell(block.oneWayP99) + "   (the reader asleep on the futex)")
    print("")
    print("streaming, frames/s")
    print(label("ring, spin") + rate(ringStream.framesPerSecond))
    print(label("pipe, 1 frame/write") + rate(pipeSingle))
    print(label("pipe, batched (1024)") + rate(pipeBatched))
    print("")
    let allocations = spin.allocations + block.allocations + ringStream.allocations
    let frames = spin.frames + block.frames + ringStream.frames
    let allocsPerFrame = Double(allocations) / Double(frames)
    print("ratios")
    print(
        label("ring spin / floor") + ratio(Double(spinSummary.p50) / Double(floor.p50))
            + "  (round trip p50; target <= 2.0)")
    print(label("pipe / ring spin") + ratio(Double(pipe.p50) / Double(spinSummary.p50)) + "  (round trip p50)")
    print(label("ring block / spin") + ratio(Double(blockSummary.p50) / Double(spinSummary.p50)) + "  (round trip p50)")
    print(
        label("ring / batched pipe") + ratio(ringStream.framesPerSecond / pipeBatched) + "  (streaming; target >= 1.0)")
    print(label("ring / 1-frame pipe") + ratio(ringStream.framesPerSecond / pipeSingle) + "  (streaming; target >= 20)")
    print(label("batched / 1-frame pipe") + ratio(pipeBatched / pipeSingle) + "  (streaming)")
    print(label("allocations") + "\(allocations) in \(frames) ring frames written and read (steady state)")
    print(
        "RESULT ipc "
            + "floor_rtt_p50_ns=\(floor.p50) ring_rtt_p50_ns=\(spinSummary.p50) ring_block_rtt_p50_ns="
            + "\(blockSummary.p50) pipe_rtt_p50_ns=\(pipe.p50) ring_oneway_p50_ns=\(spin.oneWayP50) ring_block_one"
            + "way_p50_ns=\(block.oneWayP50) ring_fps=\(Int(ringStream.framesPerSecond)) pipe_fps="
            + "\(Int(pipeSingle)) pipe_batched_fps=\(Int(pipeBatched)) allocs_per_frame=\(allocsPerFrame)"
    )
}

signal(SIGPIPE, SIG_IGN)
let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "floor-pong": try CacheLineFloor.pong(Array(arguments.dropFirst()))
    case "ring-pong": try RingPingPong.pong(Array(arguments.dropFirst()))
    case "pipe-pong": try PipePingPong.pong()
    case "ring-consume": try Streaming.ringConsume(Array(arguments.dropFirst()))
    case "pipe-consume": try Streaming.pipeConsume(Array(arguments.dropFirst()))
    case nil, "--quick": try runAll()
    case "oneway-block":
        guard arguments.count <= 2, let gapUs = arguments.count == 2 ? Int64(arguments[1]) : 300,
            (1...1_000_000).contains(gapUs)
        else {
            StandardError.line("ipc-bench: oneway-block [GAP_US]: a gap of 1 to 1,000,000 µs")
            exit(100)
        }
        let samples = Int(min(2_000, 3_000_000 / gapUs))
        let block = try RingPingPong.ping(mode: .block, samples: samples, warmup: samples / 2, gapNs: gapUs * 1_000)
        print(
            "RESULT ipc-oneway-block p50_ns=\(block.oneWayP50) p99_ns=\(block.oneWayP99) gap_us=\(gapUs) n=\(samples)")
    default:
        StandardError.line("usage: ipc-bench [--quick | oneway-block [GAP_US]]")
        exit(100)
    }
} catch {
    StandardError.line("ipc-bench: \(error)")
    exit(1)
}
