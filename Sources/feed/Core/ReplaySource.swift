import IPC
import Network

/// Recorded files replayed as a live client would have seen them: every file's messages merged
/// by receive time (consecutive collector files simply follow each other; a cryptofeed
/// WebSocket capture and its HTTP capture interleave), translated to frames.
///
/// A malformed line is reported (file, line, byte, what) and counted, and the replay goes on.
package final class ReplaySource: MarketDataSource {
    private let files: [RecordedFile]
    let translator: BinanceTranslator
    @exclusivity(unchecked) private(set) var malformedLines: UInt64 = 0
    @exclusivity(unchecked) private(set) var messages: UInt64 = 0
    private let report: (String) -> Void
    @exclusivity(unchecked) private var reported = 0
    @exclusivity(unchecked) private var noticesReported = 0
    static let reportLimit = 20

    var instruments: [Instrument] { translator.instruments }

    package init(paths: [String], catalog: InstrumentCatalog, report: @escaping (String) -> Void) throws(FeedError) {
        self.report = report
        translator = BinanceTranslator(catalog: catalog)
        var files: [RecordedFile] = []
        for path in paths { files.append(try RecordedFile(path: path)) }
        self.files = files
        for file in files {
            file.onBadLine = { [unowned self, unowned file] line, reason in
                self.malformed("\(file.path):\(line): \(reason)")
            }
            try file.advance()
        }
    }

    private func malformed(_ message: String) {
        malformedLines &+= 1
        reported += 1
        if reported <= ReplaySource.reportLimit {
            report("feed: \(message)")
        } else if reported == ReplaySource.reportLimit + 1 {
            report("feed: further malformed lines are counted, not shown")
        }
    }

    package func next(into batch: FrameBatch) throws(FeedError) -> SourceStep {
        while true {
            var earliest: RecordedFile?
            for file in files {
                guard let head = file.head else { continue }
                if earliest == nil || head.receiveTimeNs < earliest!.head!.receiveTimeNs { earliest = file }
            }
            guard let file = earliest, let message = file.head else { return .end }
            messages &+= 1
            do {
                try translator.translate(
                    message.line, from: message.jsonOffset, receiveTimeNs: message.receiveTimeNs,
                    snapshotSymbol: message.snapshotSymbol, into: batch)
            } catch {
                if error.isConfiguration { throw .data("feed: \(file.path):\(file.lineNumber): \(error.message)") }
                let place = error.offset.map { "byte \($0 - message.jsonOffset + 1) of the JSON: " } ?? ""
                malformed("\(file.path):\(file.lineNumber): \(place)\(error.message)")
            }
            while noticesReported < translator.notices.count {
                report("feed: \(translator.notices[noticesReported])")
                noticesReported += 1
            }
            try file.advance()
            if batch.count > 0 { return .frames(at: message.receiveTimeNs) }
        }
    }

    /// One line for the end of the run.
    var summary: String {
        "feed: replayed \(messages) messages: \(translator.depthMessages) depth, \(translator.snapshots) snapshots, "
            + "\(translator.trades) trades, \(translator.bookTickers) bookTicker, \(translator.otherMessages) other; "
            + "\(malformedLines) malformed lines skipped"
            + (translator.staleSnapshots > 0 ? "; \(translator.staleSnapshots) stale snapshots ignored" : "")
    }
}
