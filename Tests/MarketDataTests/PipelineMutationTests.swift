import Foundation
import Glibc
import TestSupport
import XCTest

@testable import FeedCore

/// The real recording, mutated thousands of ways the wire and the disk damage data (lines lost,
/// repeated, replayed late, swapped, cut short; bytes inserted or overwritten with non-digits;
/// a key doubled; a time past 2100), through the real tools: `feed | book --json` and
/// `feed | book | signal | exec`. feed skips and counts every damaged line and replays to the
/// end, unless a byte made another well-formed symbol: then it stops at that line, naming it and
/// the instrument to pass. Every process ends with 0 or 1 (a 1 with a line naming the tool),
/// never by a signal; no top book publishes as valid is crossed; and every valid top
/// at an update id where the venue's own bookTicker says what the top was (read from the
/// unmutated recording: an independent replay) equals it.
///
/// No mutation writes another digit into a number: a well-formed but different price or size
/// is undetectable by any book, so it would test nothing. `TICKPIPE_MUTATIONS` sets the number
/// of cases (150 by default; `.ci/run` runs 2000 on the release build); `TICKPIPE_MUTATION_CASE=N`
/// runs case N alone and keeps its recording and the tools' output in the temporary directory.
final class PipelineMutationTests: XCTestCase {
    func testMutatedRecordingsNeverCrashTheToolsNorPublishAWrongTop() throws {
        let environment = ProcessInfo.processInfo.environment
        let only = environment["TICKPIPE_MUTATION_CASE"].flatMap { Int($0) }
        let cases = only.map { $0 + 1 } ?? Int(environment["TICKPIPE_MUTATIONS"] ?? "") ?? 150
        let data = try sharedDataDirectory()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tickpipe-mutation-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { if only == nil { try? FileManager.default.removeItem(at: directory) } }

        // The first 800 lines: the snapshot, a few hundred depth messages, trades, bookTickers.
        let reader = try LineReader(path: "\(data)/binance-spot/btcusdt_20240808.gz")
        var original: [[UInt8]] = []
        while original.count < 800, let line = try reader.nextLine() { original.append(Array(line)) }
        let originalPath = directory.appendingPathComponent("original.txt").path
        try write(original, to: originalPath)
        let oracle = try TopOfBookOracle(files: [originalPath])

        var rng = SplitMix64(seed: 20_261_204)
        var outcomes: [String: Int] = [:]
        var compared = 0
        for index in 0..<cases {
            var lines = original
            var applied: [String] = []
            for _ in 0..<(1 + Int(rng.next() % 3)) { applied.append(mutate(&lines, &rng)) }
            if let only, index != only { continue }
            let recording = directory.appendingPathComponent("case\(index).txt").path
            try write(lines, to: recording)
            let what = "case \(index) (\(applied.joined(separator: "; "))), TICKPIPE_MUTATION_CASE=\(index) reruns it"
            let run = try runCase(recording, in: directory)
            for (tool, status, errors) in run.processes {
                XCTAssertTrue(status == 0 || status == 1, "\(what): \(tool) exited \(status): \(errors)")
                XCTAssertFalse(
                    errors.contains("Fatal error") || errors.contains("Crash") || errors.contains("Backtrace"),
                    "\(what): \(tool): \(errors)")
                if status == 1 {
                    XCTAssertTrue(
                        errors.split(separator: "\n").contains { $0.hasPrefix("\(tool): ") },
                        "\(what): \(tool) failed unnamed: \(errors)")
                }
                outcomes["\(tool) \(status)", default: 0] += 1
            }
            for line in run.tops.split(separator: "\n") {
                guard let top = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    top["valid"] as? Bool == true
                else { continue }
                let bid = Decimal(string: top["bid"] as? String ?? "")
                let ask = Decimal(string: top["ask"] as? String ?? "")
                XCTAssertTrue(
                    bid != nil && ask != nil && bid! < ask!, "\(what): a crossed top published as valid: \(line)")
            }
            // A replay stopped at a line naming a symbol with no tick and lot size sent book the
            // depth messages before that line only: later tops are not book's to know.
            var lastId = UInt64.max
            if let (_, status, errors) = run.processes.first, status == 1 {
                let line = errors.split(separator: "\n").lazy.compactMap { failure -> Int? in
                    guard failure.contains("no tick and lot size"), let place = failure.firstRange(of: "\(recording):")
                    else { return nil }
                    return Int(failure[place.upperBound...].prefix { $0.isNumber })
                }.first
                XCTAssertNotNil(line, "\(what): feed stopped, not at a symbol it names with its line: \(errors)")
                lastId = lastDepthUpdateId(in: lines.prefix((line ?? 1) - 1))
            }
            let comparison = try oracle.compare(bookJSON: run.tops, through: lastId)
            XCTAssertEqual(comparison.mismatches, [], what)
            compared += comparison.matches.values.reduce(0, +)
            if only == nil { unlink(recording) } else { print("case \(index): \(applied) in \(directory.path)") }
            if testRun?.failureCount ?? 0 > 5 { break }
        }
        print(
            "pipeline mutation: \(cases) cases, \(compared) valid tops equal to the venue's, exits "
                + "\(outcomes.sorted { $0.key < $1.key })"
        )
        // The cases reached the books: many tops compared.
        if only == nil { XCTAssertGreaterThan(compared, cases * 5, "\(outcomes)") }
    }

    /// One mutation of `lines`, and what it was.
    func mutate(_ lines: inout [[UInt8]], _ rng: inout SplitMix64) -> String {
        func pick() -> Int { Int(rng.next() % UInt64(lines.count)) }
        // Bytes that are never a digit: a number they land in becomes malformed, not different.
        let structural: [UInt8] = Array("{}[]\":,x -.e\\".utf8) + [0, 0x7f, 0xc3, 0xff]
        switch rng.next() % 10 {
        case 0:
            let at = pick()
            lines.remove(at: at)
            return "line \(at + 1) lost"
        case 1:
            let at = pick()
            lines.insert(lines[at], at: at)
            return "line \(at + 1) twice"
        case 2:
            let from = pick()
            let to = max(from, pick())
            lines.insert(lines[from], at: to)
            return "line \(from + 1) again at \(to + 1)"
        case 3:
            let at = min(pick(), lines.count - 2)
            lines.swapAt(at, at + 1)
            return "lines \(at + 1) and \(at + 2) swapped"
        case 4:
            let at = pick()
            let keep = Int(rng.next() % UInt64(max(1, lines[at].count)))
            lines[at] = Array(lines[at].prefix(keep))
            return "line \(at + 1) cut at byte \(keep)"
        case 5, 6:
            let at = pick()
            guard !lines[at].isEmpty else { return "nothing" }
            let byte = Int(rng.next() % UInt64(lines[at].count))
            let value = structural[Int(rng.next() % UInt64(structural.count))]
            lines[at][byte] = value
            return "line \(at + 1) byte \(byte) = \(value)"
        case 7:
            let at = pick()
            let byte = Int(rng.next() % UInt64(lines[at].count + 1))
            let value = structural[Int(rng.next() % UInt64(structural.count))]
            lines[at].insert(value, at: byte)
            return "line \(at + 1) byte \(value) inserted at \(byte)"
        case 8:
            // A key doubled: "b":[...] (or "a") written twice with other levels, or an extra "bids".
            let at = pick()
            let key = Array(["\"b\":", "\"a\":", "\"bids\":"][Int(rng.next() % 3)].utf8)
            guard let brace = lines[at].firstIndex(of: UInt8(ascii: "{")) else { return "nothing" }
            lines[at].insert(contentsOf: key + Array("[[\"1.00\",\"1.0\"]],".utf8), at: brace + 1)
            return "line \(at + 1) a key \(String(decoding: key, as: UTF8.self)) added"
        default:
            let at = pick()
            guard let space = lines[at].firstIndex(of: UInt8(ascii: " ")) else { return "nothing" }
            lines[at].replaceSubrange(0..<space, with: Array("4102444800000000001".utf8))
            return "line \(at + 1) received after 2100"
        }
    }

    /// The final update id of the last depth message among `lines` that feed's decoder accepts.
    func lastDepthUpdateId(in lines: ArraySlice<[UInt8]>) -> UInt64 {
        let levels = LevelList()
        var last: UInt64 = 0
        for line in lines {
            guard let space = line.firstIndex(of: UInt8(ascii: " ")) else { continue }
            line.withUnsafeBufferPointer { bytes in
                if let payload = try? BinancePayload.decode(bytes, from: space + 1, levels: levels),
                    payload.kind == .depthUpdate, let id = payload.lastUpdateId
                {
                    last = max(last, id)
                }
            }
        }
        return last
    }

    func write(_ lines: [[UInt8]], to path: String) throws {
        var bytes: [UInt8] = []
        for line in lines { bytes += line + [10] }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Runs both pipelines on `recording` in one shell: each process's exit status and errors,
    /// and book's JSON tops.
    func runCase(_ recording: String, in directory: URL) throws -> (processes: [(String, Int32, String)], tops: String)
    {
        let bin = productsDirectory().path
        let d = directory.path
        let feed = "\(bin)/feed --replay \(recording) --instrument BTCUSDT:0.01:0.00001"
        let script = """
            \(feed) 2>\(d)/feed1.err | \(bin)/book --json >\(d)/tops 2>\(d)/book1.err; \
            echo ${PIPESTATUS[@]} >\(d)/status1
            rm -f \(d)/journal
            \(feed) 2>\(d)/feed2.err | \(bin)/book --out - --pass-deltas 2>\(d)/book2.err \
              | \(bin)/signal --out - --pass-through 2>\(d)/signal.err \
              | \(bin)/exec --journal \(d)/journal >/dev/null 2>\(d)/exec.err
            echo ${PIPESTATUS[@]} >\(d)/status2
            """
        let shell = try ChildProcess("/bin/bash", ["-c", script]).finish(timeout: 120)
        XCTAssertEqual(shell.status, 0, shell.err)
        func text(_ name: String) -> String { (try? String(contentsOfFile: "\(d)/\(name)", encoding: .utf8)) ?? "" }
        let statuses = (text("status1") + " " + text("status2")).split(whereSeparator: { $0 == " " || $0 == "\n" })
            .compactMap { Int32($0) }
        let names = [
            ("feed", "feed1.err"), ("book", "book1.err"), ("feed", "feed2.err"), ("book", "book2.err"),
            ("signal", "signal.err"), ("exec", "exec.err")
        ]
        XCTAssertEqual(statuses.count, names.count, text("status1") + text("status2"))
        let processes = zip(names, statuses).map { ($0.0, $1, text($0.1)) }
        return (processes, text("tops"))
    }
}
