import Foundation
import XCTest

@testable import FeedCore

/// What the venue itself said the top of the book was: every bookTicker whose update id is
/// also a depth message's final id, read straight from the recordings with the feed's own
/// line reader and decoder (no frames, no book involved).
struct TopOfBookOracle {
    struct Ticker: Equatable {
        var bid: String, bidSize: String, ask: String, askSize: String
    }

    /// symbol -> update id -> the venue's top at that id.
    private(set) var tickers: [String: [UInt64: Ticker]] = [:]

    init(files: [String]) throws {
        var depthIds: [String: Set<UInt64>] = [:]
        var all: [(String, UInt64, Ticker)] = []
        let levels = LevelList()
        for path in files {
            let file = try RecordedFile(path: path)
            try file.advance()
            while let message = file.head {
                let payload = try BinancePayload.decode(message.line, from: message.jsonOffset, levels: levels)
                func text(_ range: Range<Int>?) -> String {
                    String(decoding: UnsafeBufferPointer(rebasing: message.line[range!]), as: UTF8.self)
                }
                switch payload.kind {
                case .depthUpdate:
                    depthIds[text(payload.symbol), default: []].insert(payload.lastUpdateId!)
                case .bookTicker:
                    all.append(
                        (
                            text(payload.symbol), payload.lastUpdateId!,
                            Ticker(
                                bid: text(payload.bestBid), bidSize: text(payload.bestBidSize),
                                ask: text(payload.bestAsk), askSize: text(payload.bestAskSize))
                        ))
                default:
                    break
                }
                try file.advance()
            }
        }
        for (symbol, id, ticker) in all where depthIds[symbol]?.contains(id) == true {
            tickers[symbol, default: [:]][id] = ticker
        }
    }

    struct Comparison {
        var matches: [String: Int] = [:]
        var mismatches: [String] = []
        var tops = 0
        var invalidations = 0
    }

    /// Compares `book --json` output with the oracle: at each oracle id, the last top the book
    /// published at or before that id (a top is published only when it changes) must equal it.
    /// Ids before the book's first top, or after it said it turned invalid, are not compared;
    /// nor are ids after `lastId`, the last update the book was sent when its stream ended early.
    func compare(bookJSON: String, through lastId: UInt64 = .max) throws -> Comparison {
        var topsBySymbol: [String: [(UInt64, Ticker?)]] = [:]
        var result = Comparison()
        for line in bookJSON.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let symbol = object["symbol"] as! String
            let id = (object["update_id"] as! NSNumber).uint64Value
            guard object["valid"] as? Bool == true else {
                // The book turned invalid: from here it has no top until the next valid one.
                topsBySymbol[symbol, default: []].append((id, nil))
                result.invalidations += 1
                continue
            }
            topsBySymbol[symbol, default: []].append(
                (
                    id,
                    Ticker(
                        bid: object["bid"] as! String, bidSize: object["bid_size"] as! String,
                        ask: object["ask"] as! String, askSize: object["ask_size"] as! String)
                ))
            result.tops += 1
        }
        for (symbol, byId) in tickers {
            let tops = topsBySymbol[symbol] ?? []
            for (id, ticker) in byId where id <= lastId {
                // The last top at or before `id`.
                var low = 0
                var high = tops.count
                while low < high {
                    let middle = (low + high) / 2
                    if tops[middle].0 <= id { low = middle + 1 } else { high = middle }
                }
                guard low > 0, let book = tops[low - 1].1 else { continue }
                if book == TopOfBookOracle.normalised(ticker, like: book) {
                    result.matches[symbol, default: 0] += 1
                } else {
                    result.mismatches.append("\(symbol) at \(id): book \(book) venue \(ticker)")
                }
            }
        }
        return result
    }

    /// The venue's strings at the book's printed precision (futures tickers print fewer decimals).
    static func normalised(_ ticker: Ticker, like top: Ticker) -> Ticker {
        func adjust(_ value: String, _ model: String) -> String {
            let decimals = model.split(separator: ".").dropFirst().first?.count ?? 0
            let parts = value.split(separator: ".", omittingEmptySubsequences: false)
            var fraction = parts.count > 1 ? String(parts[1]) : ""
            while fraction.count > decimals, fraction.hasSuffix("0") { fraction.removeLast() }
            fraction += String(repeating: "0", count: max(0, decimals - fraction.count))
            return decimals == 0 ? String(parts[0]) : "\(parts[0]).\(fraction)"
        }
        return Ticker(
            bid: adjust(ticker.bid, top.bid), bidSize: adjust(ticker.bidSize, top.bidSize),
            ask: adjust(ticker.ask, top.ask), askSize: adjust(ticker.askSize, top.askSize))
    }
}
