// RingPeer: the producer and consumer processes the multi-process ring tests start.
//
//   RingPeer produce NAME COUNT [--capacity N] [--wait-gating N] [--wait-lossy N] [--idle MODE] [--pace-every N]
//   RingPeer consume NAME gating|lossy [--idle MODE] [--stop-after N]
//   RingPeer attach NAME
//
// Every frame carries its ring position as its sequence number and a payload derived from it, so
// a consumer can check both order and integrity (a torn frame fails the payload check).
// Exit codes: 0 ok, 1 check failed, 2 usage, 3 producer died, 4 producer silent, 5 attach failed.
import Glibc
import IPC

func fail(_ code: Int32, _ message: String) -> Never {
    StandardError.line("RingPeer: \(message)")
    exit(code)
}

func option(_ name: String, _ arguments: [String], default value: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return value }
    guard let parsed = Int(arguments[index + 1]) else { fail(2, "\(name) '\(arguments[index + 1])' is not an integer") }
    return parsed
}

func idleMode(_ arguments: [String]) -> IdleStrategy.Mode {
    guard let index = arguments.firstIndex(of: "--idle"), index + 1 < arguments.count else { return .yield }
    do { return try IdleStrategy.mode(parsing: arguments[index + 1]) } catch { fail(2, "\(error)") }
}

/// The payload a frame at `sequence` must carry.
func payload(for sequence: UInt64) -> (UInt64, UInt64, UInt64, UInt64) {
    (sequence &* 0x9E37_79B9_7F4A_7C15, ~sequence, sequence ^ 0x5555_5555_5555_5555, sequence &+ 0x1234_5678)
}

func segmentName(_ text: String) -> SegmentName {
    do { return try SegmentName(text) } catch { fail(2, "\(error)") }
}

func produce(_ arguments: [String]) {
    guard arguments.count >= 2, let count = UInt64(arguments[1]) else { fail(2, "usage: produce NAME COUNT ...") }
    let name = segmentName(arguments[0])
    let mode = idleMode(arguments)
    var producer: RingProducer
    do {
        producer = try RingProducer.create(name, capacity: option("--capacity", arguments, default: 4096))
    } catch {
        fail(5, "\(error)")
    }
    let wantGating = option("--wait-gating", arguments, default: 0)
    let wantLossy = option("--wait-lossy", arguments, default: 0)
    while true {
        let consumers = RingSnapshot(producer.segment).consumers
        if consumers.filter({ $0.mode == .gating }).count >= wantGating
            && consumers.filter({ $0.mode == .lossy }).count >= wantLossy
        {
            break
        }
        usleep(1_000)
    }
    // Pause every N frames for 1 ms so that a late consumer or a kill lands mid-stream.
    let paceEvery = UInt64(option("--pace-every", arguments, default: 0))
    var header = FrameHeader(type: .control)
    for sequence in 0..<count {
        header.sequence = sequence
        let frame = Frame(header: header, payload: payload(for: sequence))
        if producer.write(frame) == .full {
            guard producer.awaitSpace(idle: mode) else { fail(1, "gave up waiting for space") }
            _ = producer.write(frame)
        }
        if sequence & 1023 == 0 { producer.heartbeat(now: SystemClock.monotonicNanoseconds()) }
        if paceEvery > 0 && sequence % paceEvery == paceEvery - 1 { usleep(1_000) }
    }
    producer.close()
    print("produced \(count)")
    // Leave the name in place until the consumers have drained, then remove it.
    while RingSnapshot(producer.segment).consumers.contains(where: { $0.mode == .gating && $0.lag > 0 && $0.alive }) {
        usleep(1_000)
    }
    try? producer.unlink()
}

func consume(_ arguments: [String]) {
    guard arguments.count >= 2, let mode = RingConsumer.Mode(rawValue: arguments[1]) else {
        fail(2, "usage: consume NAME gating|lossy ...")
    }
    let idle = idleMode(arguments)
    let stopAfter = UInt64(option("--stop-after", arguments, default: 0))
    var consumer: RingConsumer
    do {
        consumer = try RingConsumer.attach(segmentName(arguments[0]), mode: mode, blocking: idle == .block)
    } catch {
        fail(5, "\(error)")
    }
    var strategy = IdleStrategy(idle)
    var first: UInt64?
    var expected: UInt64 = 0
    var frames: UInt64 = 0
    var gaps: UInt64 = 0
    var problem: String?
    var nextCheck = SystemClock.monotonicNanoseconds()
    while true {
        let handled = consumer.read(limit: 256) { frame in
            let sequence = frame.pointee.header.sequence
            if frame.pointee.payload != payload(for: sequence) {
                problem = problem ?? "torn or corrupt frame at sequence \(sequence)"
            }
            if first == nil {
                first = sequence
            } else if sequence != expected {
                if mode == .gating || sequence < expected {
                    problem = problem ?? "sequence \(sequence) where \(expected) was due"
                }
                gaps &+= sequence &- expected
            }
            expected = sequence &+ 1
            frames &+= 1
        }
        if let problem { fail(1, problem) }
        if stopAfter > 0 && frames >= stopAfter { break }
        if handled > 0 {
            strategy.reset()
            continue
        }
        let now = SystemClock.monotonicNanoseconds()
        if now >= nextCheck {
            nextCheck = now + 10_000_000
            consumer.heartbeat(now: now)
            switch consumer.producerHealth(now: now, heartbeatTimeoutNs: 2_000_000_000) {
            case .alive: break
            case .endOfStream:
                print(
                    "consumer \(mode.rawValue) first=\(first ?? 0) last=\(expected &- 1) frames=\(frames) gaps="
                        + "\(gaps) drops=\(consumer.drops)"
                )
                consumer.detach()
                exit(0)
            case .dead(let pid):
                fail(3, "producer pid \(pid) died without closing the stream after \(frames) frames")
            case .silent(let pid, let forNs):
                fail(4, "producer pid \(pid) silent for \(forNs / 1_000_000) ms after \(frames) frames")
            }
        }
        strategy.idle(on: consumer)
    }
    print("consumer \(mode.rawValue) stopped after \(frames) frames")
    consumer.detach()
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "produce": produce(Array(arguments.dropFirst()))
case "consume": consume(Array(arguments.dropFirst()))
case "attach":
    guard arguments.count == 2 else { fail(2, "usage: attach NAME") }
    do {
        let consumer = try RingConsumer.attach(segmentName(arguments[1]), mode: .lossy, readyTimeoutMs: 200)
        consumer.detach()
        print("attached")
    } catch {
        fail(5, "\(error)")
    }
default:
    fail(2, "usage: RingPeer produce|consume|attach ...")
}
