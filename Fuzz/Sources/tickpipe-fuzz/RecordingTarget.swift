import Glibc
import IPC

@testable import BookCore
@testable import FeedCore

/// A recorded file (Binance collector lines, a cryptofeed WebSocket or HTTP capture; plain or
/// gzip) replayed by feed's `ReplaySource` into book's `BookProcessor`, as `feed --replay F |
/// book` runs it: every frame feed makes is well-formed and in range, and every top book
/// publishes as valid is sound (`CheckedTops`).
enum RecordingTarget {
    /// The instruments of every recording in ../shared/data: the recorded exchangeInfo
    /// (`TICKPIPE_FUZZ_EXCHANGE_INFO`, which Fuzz/run.sh sets), and BTCUSDT and the futures
    /// symbols by flag.
    static let catalog: InstrumentCatalog = {
        var catalog = InstrumentCatalog()
        if let path = getenv("TICKPIPE_FUZZ_EXCHANGE_INFO").map({ String(cString: $0) }) {
            do { try catalog.add(exchangeInfo: path) } catch { fatalError("\(error)") }
        }
        for flag in [
            "BTCUSDT:0.01:0.00001", "AKROUSDT:0.00001:1", "CTKUSDT:0.001:1", "KEEPUSDT:0.0001:1", "SUSHIUSDT:0.001:1"
        ] {
            do { try catalog.add(flag: flag) } catch { fatalError("\(error)") }
        }
        return catalog
    }()
    nonisolated(unsafe) static let batch = FrameBatch(capacity: 1 << 16)

    static func run(_ input: UnsafeRawBufferPointer) {
        let file = MemoryFile(input)
        guard let source = try? ReplaySource(paths: [file.path], catalog: catalog, report: { _ in }) else { return }
        let book = BookProcessor(output: CheckedTops())
        while true {
            batch.removeAll()
            guard let step = try? source.next(into: batch), step != .end else { return }
            for index in 0..<batch.count {
                var frame = batch[index]
                check(&frame)
                book.handle(&frame)
            }
        }
    }

    /// What feed publishes must pass the check a reader from a pipe makes, with prices and
    /// sizes inside what the wire allows.
    static func check(_ frame: inout Frame) {
        let defect = withUnsafeBytes(of: &frame) { FrameValidator.defect(in: $0.baseAddress!) }
        if let defect { fatalError("feed made a malformed frame: \(defect)") }
        func inRange(_ price: Int64, _ size: Int64, positive: Bool) -> Bool {
            (1...FrameLayout.maxQuantity).contains(price)
                && ((positive ? 1 : 0)...FrameLayout.maxQuantity).contains(size)
        }
        switch frame.header.messageType {
        case .bookDelta where !frame.header.flags.contains(.idOnly):
            let delta = frame.as(BookDelta.self)
            guard inRange(delta.price, delta.size, positive: false) else {
                fatalError("feed made an out-of-range level: \(delta)")
            }
        case .trade:
            let trade = frame.as(Trade.self)
            guard inRange(trade.price, trade.size, positive: true) else {
                fatalError("feed made an out-of-range trade: \(trade)")
            }
        default:
            break
        }
    }
}
