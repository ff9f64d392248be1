import FeedCore
// decode-bench FILE [REPS]: feed's decoder in memory, as orjson's figure is taken.
//
// FILE is a Binance collector recording (`<receive ns> <json>` per line, plain text). Its lines
// are read into memory first and split at the space, as the orjson loop is given them; then
// each rep hands every line's JSON to a fresh `BinanceTranslator` (the code feed runs: the
// JSON reader, decimal strings to ticks and lots, the snapshot sync, frames into a batch) and
// times the loop alone. Prints the median rep and ends with
// `RESULT decode-bench mb_per_s=... messages_per_s=... frames=...`.
import Glibc
import IPC

func fail(_ message: String) -> Never {
    StandardError.line("decode-bench: \(message)")
    exit(1)
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    fail("usage: decode-bench FILE TICK:LOT_SYMBOL_FLAG [REPS]  e.g. BTCUSDT:0.01:0.001")
}
let reps = arguments.count > 3 ? Int(arguments[3]) ?? 5 : 5
var catalog = InstrumentCatalog()
do { try catalog.add(flag: arguments[2]) } catch { fail("\(error)") }

// The file in one buffer; each line's JSON as (start, end) offsets into it.
guard let file = fopen(arguments[1], "rb") else { fail("fopen(\(arguments[1])) failed: errno \(errno)") }
fseek(file, 0, SEEK_END)
let fileSize = ftell(file)
fseek(file, 0, SEEK_SET)
let text = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: fileSize)
guard fread(text.baseAddress, 1, fileSize, file) == fileSize else { fail("short read of \(arguments[1])") }
fclose(file)
var lines: [(receiveTimeNs: Int64, json: Int, end: Int)] = []
var lineStart = 0
var jsonBytes = 0
for index in 0..<fileSize where text[index] == 0x0A {
    var space = lineStart
    var time: Int64 = 0
    while space < index && text[space] != 0x20 {
        time = time * 10 + Int64(text[space] &- 0x30)
        space += 1
    }
    if space < index {
        lines.append((time, space + 1, index))
        jsonBytes += index - space - 1
    }
    lineStart = index + 1
}

let batch = FrameBatch(capacity: 20_000)
var seconds: [Double] = []
var frames = 0
for _ in 0..<reps {
    let translator = BinanceTranslator(catalog: catalog)
    var failures = 0
    frames = 0
    let start = SystemClock.monotonicNanoseconds()
    for line in lines {
        let bytes = UnsafeBufferPointer(rebasing: text[0..<line.end])
        do {
            try translator.translate(
                bytes, from: line.json, receiveTimeNs: line.receiveTimeNs, snapshotSymbol: nil, into: batch)
        } catch {
            failures += 1
        }
        frames &+= batch.count
        batch.removeAll()
    }
    seconds.append(Double(SystemClock.monotonicNanoseconds() - start) / 1e9)
    guard failures == 0 else { fail("\(failures) lines failed to decode") }
}
let median = seconds.sorted()[seconds.count / 2]
print(
    "decode-bench: \(lines.count) lines, \(jsonBytes) bytes of JSON, \(frames) frames; median of \(reps): "
        + "\(Int(median * 1e6)) µs"
)
print(
    "RESULT decode-bench "
        + "mb_per_s=\(Double(Int(Double(jsonBytes) / median / 1e5)) / 10) messages_per_s="
        + "\(Int(Double(lines.count) / median)) frames=\(frames)"
)
