import BookCore
// book-bench FRAMES [REPS]: book's core in memory, as NautilusTrader's figure is taken.
//
// The frame stream (a `feed --record` capture) is read into memory first; then each rep hands
// every frame to a fresh `BookProcessor` (the code the book tool runs: sequence rules, the
// L2 sides, the top published whenever the best bid or ask changes) and times the loop alone.
// Prints the median rep and ends with `RESULT book-bench level_updates_per_s=... ns_per_frame=...`.
import Glibc
import IPC

/// Keeps the last top and counts the rest, so that nothing the processor does can be elided.
struct CountingOutput: BookOutput {
    var lastTop = BookTop.invalid(header: FrameHeader(type: .bookTop))
    var tops = 0
    var passed = 0
    var problems = 0

    mutating func publish(_ top: BookTop, book: OrderBook) {
        lastTop = top
        tops &+= 1
    }
    mutating func pass(_ frame: UnsafePointer<Frame>) { passed &+= 1 }
    mutating func report(_ problem: String) { problems += 1 }
    mutating func requestResync(instrument: UInt32) {}
}

func fail(_ message: String) -> Never {
    StandardError.line("book-bench: \(message)")
    exit(1)
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else { fail("usage: book-bench FRAMES [REPS]") }
let reps = arguments.count > 2 ? Int(arguments[2]) ?? 5 : 5

// The whole capture in memory, checked as the book tool checks a stream.
let fd = open(arguments[1], O_RDONLY)
guard fd >= 0 else { fail("open(\(arguments[1])) failed: errno \(errno)") }
let reader = FrameStreamReader(fd: fd, subject: arguments[1])
var frames: [Frame] = []
do {
    while case .frames = try reader.read(limit: 1 << 20, { frames.append($0.pointee) }) {}
} catch {
    fail("\(error)")
}
close(fd)
let levelUpdates = frames.reduce(0) { count, frame in
    switch frame.header.messageType {
    case .bookDelta: count + (frame.header.flags.contains(.idOnly) ? 0 : 1)
    case .bookLevels: count + (frame.header.flags.contains(.secondLevel) ? 2 : 1)
    default: count
    }
}

var seconds: [Double] = []
var tops = 0
for _ in 0..<reps {
    let processor = BookProcessor(output: CountingOutput())
    let start = SystemClock.monotonicNanoseconds()
    frames.withUnsafeBufferPointer { buffer in
        for index in buffer.indices { processor.handle(buffer.baseAddress! + index) }
    }
    seconds.append(Double(SystemClock.monotonicNanoseconds() - start) / 1e9)
    tops = processor.output.tops
    guard processor.output.problems == 0 else { fail("the book reported \(processor.output.problems) problems") }
}
let median = seconds.sorted()[seconds.count / 2]
print(
    "book-bench: \(frames.count) frames, \(levelUpdates) level updates, \(tops) tops; median of \(reps): "
        + "\(Int(median * 1e6)) µs"
)
print(
    "RESULT book-bench "
        + "level_updates_per_s=\(Int(Double(levelUpdates) / median)) ns_per_frame="
        + "\(Int(median * 1e9 / Double(frames.count)))"
)
