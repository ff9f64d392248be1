import Foundation
import TestSupport
import XCTest

/// `feed --replay ... | book --json` on the real recordings, as real processes: the book's top
/// equals the venue's own bookTicker wherever their update ids meet, with no false gap.
final class ReplayAgainstVenueTests: XCTestCase {
    func spotFiles() throws -> [String] {
        let data = try sharedDataDirectory()
        return ["\(data)/binance-spot/btcusdt_20240808.gz", "\(data)/binance-spot/btcusdt_20240809.gz"]
    }

    func exchangeInfo() throws -> String { try sharedDataDirectory() + "/cryptofeed/BINANCE.0" }

    func testBinanceSpotBothFilesMatchEveryBookTicker() throws {
        let files = try spotFiles()
        let run = try runPipeline(
            "feed", ["--replay"] + files + ["--exchange-info", try exchangeInfo()], "book", ["--json"])
        XCTAssertEqual(run.firstStatus, 0, run.firstErrors)
        XCTAssertEqual(run.secondStatus, 0, run.secondErrors)
        XCTAssertEqual(run.secondErrors, "", "no gap, no crossed book")
        XCTAssertTrue(run.firstErrors.contains("0 malformed lines skipped"), run.firstErrors)
        let comparison = try TopOfBookOracle(files: files).compare(bookJSON: run.output)
        XCTAssertEqual(comparison.mismatches, [])
        XCTAssertEqual(comparison.matches["BTCUSDT"], 1_072)
        XCTAssertEqual(comparison.tops, 5_672)
    }

    func testCryptofeedSpotCaptureMatchesForEverySymbol() throws {
        let data = try sharedDataDirectory() + "/cryptofeed"
        let files = ["\(data)/BINANCE.ws.1.0", "\(data)/BINANCE.http.0.0"]
        // NKNUSDT's snapshot holds levels on a finer tick than its 2021 exchangeInfo (orders left
        // from before a tick change): its tick is given explicitly, the others come from the file.
        let run = try runPipeline(
            "feed",
            ["--replay"] + files + [
                "--exchange-info", "\(data)/BINANCE.0",
                "--instrument", "NKNUSDT:0.00001000:0.00000001"
            ],
            "book", ["--json"])
        XCTAssertEqual(run.firstStatus, 0, run.firstErrors)
        XCTAssertEqual(run.secondErrors, "")
        let comparison = try TopOfBookOracle(files: files).compare(bookJSON: run.output)
        XCTAssertEqual(comparison.mismatches, [])
        XCTAssertEqual(comparison.matches, ["NKNUSDT": 19, "LRCBTC": 6, "BLZETH": 1])
    }

    func testCryptofeedFuturesCaptureChainsByPuForEverySymbol() throws {
        let data = try sharedDataDirectory() + "/cryptofeed"
        let files = ["\(data)/BINANCE_FUTURES.ws.1.0", "\(data)/BINANCE_FUTURES.http.0.0"]
        let instruments = ["SUSHIUSDT:0.0001:1", "AKROUSDT:0.00001:1", "KEEPUSDT:0.0001:1", "CTKUSDT:0.00001:1"]
        let run = try runPipeline(
            "feed", ["--replay"] + files + instruments.flatMap { ["--instrument", $0] }, "book", ["--json"])
        XCTAssertEqual(run.firstStatus, 0, run.firstErrors)
        XCTAssertEqual(run.secondErrors, "", "no false gap: futures ids are chained by pu, not U = u + 1")
        let comparison = try TopOfBookOracle(files: files).compare(bookJSON: run.output)
        XCTAssertEqual(comparison.mismatches, [])
        XCTAssertEqual(comparison.matches, ["CTKUSDT": 18, "SUSHIUSDT": 12, "AKROUSDT": 7, "KEEPUSDT": 13])
    }

    func testReplayWithoutInstrumentSizesSaysWhatToPass() throws {
        let recording = try spotFiles()[0]
        let run = try runPipeline("feed", ["--replay", recording], "book", ["--json"])
        XCTAssertEqual(run.firstStatus, 1)
        XCTAssertTrue(
            run.firstErrors.hasPrefix(
                "feed: \(recording):1: no tick and lot size for BTCUSDT: no --instrument or --exchange-info was "
                    + "given; pass --instrument BTCUSDT:TICK:LOT or --exchange-info FILE"
            ), run.firstErrors)
        XCTAssertEqual(run.output, "")
    }
}
