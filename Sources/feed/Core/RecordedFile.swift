import Glibc
import IPC
import Network

/// One recorded file as a stream of timestamped messages, whatever its format:
///
/// - Binance collector (hftbacktest): `<receive ns> <json>` per line, gzip or plain;
/// - cryptofeed WebSocket capture: a `wss://... <-> t` header, then `<epoch s.frac>: <json>`
///   (and `<url> <- t: <json>` for frames sent, skipped);
/// - cryptofeed HTTP capture: `<url> -> <epoch s.frac>: <json>`; depth snapshots are kept
///   (their symbol is in the URL), other responses skipped.
///
/// `head` is the next message; its bytes stay valid until `advance()`.
final class RecordedFile {
    enum Format { case collector, cryptofeedWebSocket, cryptofeedHTTP }

    struct Message {
        var receiveTimeNs: Int64
        var line: UnsafeBufferPointer<UInt8>
        var jsonOffset: Int
        var snapshotSymbol: String?
    }

    let path: String
    private let reader: LineReader
    @exclusivity(unchecked) private(set) var format: Format?
    @exclusivity(unchecked) private(set) var head: Message?
    /// Lines that were not messages (bad time stamps, unknown layout), with their reasons.
    var onBadLine: (Int, String) -> Void = { _, _ in }

    init(path: String) throws(FeedError) {
        self.path = path
        reader = try LineReader(path: path)
        reader.onOverlongLine = { [unowned self] line in
            onBadLine(line, "longer than \(LineReader.maxLineBytes) bytes, more than any message: skipped")
        }
    }

    var lineNumber: Int { reader.lineNumber }

    /// Moves `head` to the next message, or to nil at the end of the file.
    func advance() throws(FeedError) {
        while let line = try reader.nextLine() {
            if line.isEmpty { continue }
            if format == nil { format = detect(line) }
            switch format {
            case .collector:
                guard let space = line.firstIndex(of: 0x20), let time = integer(line, 0..<space) else {
                    onBadLine(reader.lineNumber, "expected '<receive time ns> <json>'")
                    continue
                }
                guard time <= FrameLayout.maxTimeNs else {
                    tooLate(time)
                    continue
                }
                head = Message(receiveTimeNs: time, line: line, jsonOffset: space + 1, snapshotSymbol: nil)
                return
            case .cryptofeedWebSocket:
                if startsWith(line, "wss://") || contains(line, " <- ") { continue } // header, frames we sent
                guard let colon = find(line, ": "), let time = seconds(line, 0..<colon) else {
                    onBadLine(reader.lineNumber, "expected '<epoch seconds>: <json>'")
                    continue
                }
                guard time <= FrameLayout.maxTimeNs else {
                    tooLate(time)
                    continue
                }
                head = Message(receiveTimeNs: time, line: line, jsonOffset: colon + 2, snapshotSymbol: nil)
                return
            case .cryptofeedHTTP:
                guard let arrow = find(line, " -> "), let colon = find(line, ": "), colon > arrow,
                    let time = seconds(line, (arrow + 4)..<colon)
                else {
                    onBadLine(reader.lineNumber, "expected '<url> -> <epoch seconds>: <json>'")
                    continue
                }
                guard time <= FrameLayout.maxTimeNs else {
                    tooLate(time)
                    continue
                }
                let url = String(decoding: UnsafeBufferPointer(rebasing: line[0..<arrow]), as: UTF8.self)
                guard url.contains("/depth"), let symbol = query(url, "symbol") else { continue }
                head = Message(receiveTimeNs: time, line: line, jsonOffset: colon + 2, snapshotSymbol: symbol)
                return
            case nil:
                onBadLine(
                    reader.lineNumber, "not a recognised recording (Binance collector lines or a cryptofeed capture)")
                head = nil
                return
            }
        }
        head = nil
    }

    private func tooLate(_ time: Int64) {
        onBadLine(reader.lineNumber, "receive time \(time) ns is past 2100-01-01, the latest a frame carries")
    }

    private func detect(_ line: UnsafeBufferPointer<UInt8>) -> Format? {
        if startsWith(line, "wss://") { return .cryptofeedWebSocket }
        if startsWith(line, "https://") || startsWith(line, "http://") { return .cryptofeedHTTP }
        if let first = line.first, first >= 0x30 && first <= 0x39 {
            if let space = line.firstIndex(of: 0x20), integer(line, 0..<space) != nil { return .collector }
            if find(line, ": ") != nil { return .cryptofeedWebSocket }
        }
        return nil
    }

    private func startsWith(_ line: UnsafeBufferPointer<UInt8>, _ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard line.count >= count else { return false }
        return memcmp(line.baseAddress!, prefix.utf8Start, count) == 0
    }

    private func find(_ line: UnsafeBufferPointer<UInt8>, _ needle: StaticString) -> Int? {
        let count = needle.utf8CodeUnitCount
        guard line.count >= count else { return nil }
        for index in 0...(line.count - count) where memcmp(line.baseAddress! + index, needle.utf8Start, count) == 0 {
            return index
        }
        return nil
    }

    private func contains(_ line: UnsafeBufferPointer<UInt8>, _ needle: StaticString) -> Bool {
        find(line, needle) != nil
    }

    /// A non-negative integer filling `range`, or nil.
    private func integer(_ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int64? {
        guard !range.isEmpty, range.count <= 19 else { return nil }
        var value: Int64 = 0
        for index in range {
            let digit = line[index] &- 0x30
            guard digit < 10 else { return nil }
            if index - range.lowerBound < 18 {
                value = value &* 10 &+ Int64(digit) // 18 digits always fit
            } else {
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(Int64(digit))
                guard !overflow1 && !overflow2 else { return nil }
                value = sum
            }
        }
        return value
    }

    /// Seconds with an optional fraction ("1633998512.0633569") as nanoseconds, exactly.
    private func seconds(_ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int64? {
        let point = range.first { line[$0] == 0x2E } ?? range.upperBound
        // Up to 10^10 s (year 2286): the nanoseconds fit 64 bits, and the caller checks the range.
        guard let whole = integer(line, range.lowerBound..<point), whole < 9_000_000_000 else { return nil }
        var nanoseconds: Int64 = 0
        var digits = 0
        if point < range.upperBound {
            for index in (point + 1)..<range.upperBound {
                let byte = line[index]
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                if digits < 9 {
                    nanoseconds = nanoseconds * 10 + Int64(byte - 0x30)
                    digits += 1
                }
            }
        }
        while digits < 9 {
            nanoseconds *= 10
            digits += 1
        }
        return whole * 1_000_000_000 + nanoseconds
    }

    private func query(_ url: String, _ name: String) -> String? {
        guard let question = url.firstIndex(of: "?") else { return nil }
        for pair in url[url.index(after: question)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 && parts[0] == name { return String(parts[1]) }
        }
        return nil
    }
}
