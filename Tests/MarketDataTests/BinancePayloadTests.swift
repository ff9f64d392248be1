import IPC
import XCTest

@testable import FeedCore

/// The decoder on real payloads and on truncated, garbage and adversarial ones: no crash, a
/// clear message with the byte offset, nothing appended for a message that fails.
final class BinancePayloadTests: XCTestCase {
    func catalog() throws -> InstrumentCatalog {
        var catalog = InstrumentCatalog()
        try catalog.add(flag: "BTCUSDT:0.01000000:0.00000001")
        try catalog.add(flag: "SUSHIUSDT:0.0001:1")
        return catalog
    }

    /// A translator past the snapshot stage for both symbols (diffs before a snapshot are buffered).
    func syncedTranslator() throws -> BinanceTranslator {
        let translator = BinanceTranslator(catalog: try catalog())
        for symbol in ["BTCUSDT", "SUSHIUSDT"] {
            let result = try translate(
                #"{"lastUpdateId":1,"bids":[],"asks":[]}"#, translator: translator, snapshotSymbol: symbol)
            XCTAssertNil(result.failure)
        }
        return translator
    }

    /// Translates `json` and returns the frames, or the failure's message and offset.
    func translate(_ json: String, translator: BinanceTranslator? = nil, snapshotSymbol: String? = nil)
        throws -> (frames: [Frame], failure: BinanceTranslator.Failure?)
    {
        try translate(bytes: Array(json.utf8), translator: translator, snapshotSymbol: snapshotSymbol)
    }

    /// The same for any bytes, well-formed UTF-8 or not.
    func translate(bytes json: [UInt8], translator: BinanceTranslator? = nil, snapshotSymbol: String? = nil)
        throws -> (frames: [Frame], failure: BinanceTranslator.Failure?)
    {
        let translator = try translator ?? syncedTranslator()
        let batch = FrameBatch(capacity: 1 << 16)
        var bytes = json
        var failure: BinanceTranslator.Failure?
        bytes.withUnsafeMutableBufferPointer { buffer in
            do {
                try translator.translate(
                    UnsafeBufferPointer(buffer), from: 0, receiveTimeNs: 5, snapshotSymbol: snapshotSymbol, into: batch)
            } catch {
                failure = error as? BinanceTranslator.Failure
            }
        }
        return ((0..<batch.count).map { batch[$0] }, failure)
    }

    let spotDepth =
        #"{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1723161255208,"s":"BTCUSDT","U":50093239189,"#
        + #""u":50093239202,"b":[["61737.63000000","0.00000000"]],"a":[["61837.64000000","1.54698000"],"#
        + #"["61839.85000000","0.00000000"]]}}"#

    func testSpotDepthOpensWithADeltaAndPacksTheRestTwoToAFrame() throws {
        let result = try translate(spotDepth)
        XCTAssertNil(result.failure)
        XCTAssertEqual(result.frames.map(\.header.messageType), [.bookDelta, .bookLevels])
        let delta = result.frames[0].as(BookDelta.self)
        XCTAssertEqual(delta.side, .bid)
        XCTAssertEqual(delta.price, 6_173_763)
        XCTAssertEqual(delta.size, 0)
        XCTAssertEqual(delta.updateId, 50_093_239_202)
        XCTAssertEqual(delta.prevUpdateId, 50_093_239_188, "spot: U - 1")
        XCTAssertEqual(delta.header.eventTimeNs, 1_723_161_255_208_000_000)
        XCTAssertEqual(delta.header.receiveTimeNs, 5)
        let levels = result.frames[1].as(BookLevels.self)
        XCTAssertEqual([levels.firstSide, levels.secondSide], [.ask, .ask])
        XCTAssertEqual([levels.firstPrice, levels.secondPrice], [6_183_764, 6_183_985])
        XCTAssertEqual([levels.firstSize, levels.secondSize], [154_698_000, 0])
        XCTAssertEqual(levels.header.eventTimeNs, delta.header.eventTimeNs)
        XCTAssertEqual(levels.header.receiveTimeNs, 5)
        XCTAssertEqual(result.frames.map { $0.header.flags.contains(.endOfMessage) }, [false, true])
        XCTAssertTrue(
            result.frames.allSatisfy { FrameValidator.defect(in: withUnsafeBytes(of: $0) { $0.baseAddress! }) == nil })
    }

    func testFuturesDepthChainsByPu() throws {
        let json =
            #"{"stream":"sushiusdt@depth@100ms","data":{"e":"depthUpdate","E":1626992741037,"T":1626992741024,"#
            + #""s":"SUSHIUSDT","U":600859599090,"u":600859600917,"pu":600859598061,"b":[["7.5040","813"]],"#
            + #""a":[]}}"#
        let delta = try translate(json).frames[0].as(BookDelta.self)
        XCTAssertEqual(delta.prevUpdateId, 600_859_598_061)
        XCTAssertEqual(delta.price, 75_040)
    }

    func testEmptyDepthKeepsTheIdChainWithAnIdOnlyFrame() throws {
        let json = #"{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":10,"u":12,"b":[],"a":[]}"#
        let frames = try translate(json).frames
        XCTAssertEqual(frames.count, 1)
        XCTAssertEqual(frames[0].header.flags, [.idOnly, .endOfMessage])
    }

    func testTradeAggressorIsTheTaker() throws {
        let json =
            #"{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"#
            + #""p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}"#
        let trade = try translate(json).frames[0].as(Trade.self)
        XCTAssertEqual(trade.tradeId, 3_735_683_259)
        XCTAssertEqual(trade.aggressor, .sell, "the buyer was the maker")
        XCTAssertEqual(trade.size, 2_000_000)
    }

    func testBookTickerAndOtherStreamsAreCountedNotSent() throws {
        let translator = try syncedTranslator()
        XCTAssertTrue(
            try translate(
                #"{"u":400900217,"s":"BTCUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","#
                    + #""A":"40.66000000"}"#,
                translator: translator
            ).frames.isEmpty)
        XCTAssertTrue(
            try translate(
                #"{"stream":"x@kline_1m","data":{"e":"kline","E":1,"s":"BTCUSDT","k":{"t":1,"o":"1"}}}"#,
                translator: translator
            ).frames.isEmpty)
        XCTAssertEqual(translator.bookTickers, 1)
        XCTAssertEqual(translator.otherMessages, 1)
    }

    func testDiffsWaitForTheSnapshotWhichDropsTheOnesItContains() throws {
        let translator = BinanceTranslator(catalog: try catalog())
        let first = try translate(spotDepth, translator: translator).frames
        XCTAssertEqual(
            first.map(\.header.messageType), [.instrumentDefinition], "the diff is buffered until the snapshot")
        let newer =
            #"{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":50093239203,"u":50093239220,"b":[["61837.63000000","#
            + #""1.00000000"]],"a":[]}"#
        XCTAssertEqual(try translate(newer, translator: translator).frames.count, 0)
        // No symbol in a REST snapshot: it belongs to the only instrument.
        let snapshot = try translate(
            #"{"lastUpdateId":50093239218,"bids":[["61837.63000000","3.78826000"]],"asks":[["61837.64000000","#
                + #""1.54698000"]]}"#,
            translator: translator)
        XCTAssertNil(snapshot.failure)
        XCTAssertEqual(
            snapshot.frames.map(\.header.messageType), [.bookDelta, .bookLevels, .bookDelta],
            "two snapshot levels, then the one buffered diff newer than the snapshot")
        XCTAssertEqual(snapshot.frames[0...1].map { $0.header.flags.contains(.snapshot) }, [true, true])
        XCTAssertEqual(snapshot.frames[2].as(BookDelta.self).updateId, 50_093_239_220)
        XCTAssertEqual(translator.notices, [])
    }

    func testSnapshotOlderThanTheBufferedDiffsIsNotSent() throws {
        let translator = BinanceTranslator(catalog: try catalog())
        _ = try translate(spotDepth, translator: translator) // 50093239189...50093239202
        let old = try translate(#"{"lastUpdateId":50093239100,"bids":[],"asks":[]}"#, translator: translator)
        XCTAssertEqual(old.frames.count, 0, "a snapshot the diffs cannot bridge goes nowhere")
        XCTAssertEqual(translator.notices.count, 1)
        XCTAssertTrue(
            translator.notices[0].contains(
                "snapshot 50093239100 is older than the first buffered diff (50093239189...50093239202)"))
        // A newer snapshot then bridges the same buffered diff.
        let fresh = try translate(#"{"lastUpdateId":50093239195,"bids":[],"asks":[]}"#, translator: translator)
        XCTAssertEqual(fresh.frames.count, 1 + 2, "the id-only snapshot, then the diff's three levels in two frames")
    }

    /// Each bad message: its failure text, and where it points.
    func assertFails(_ json: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try translate(json)
        XCTAssertTrue(result.frames.isEmpty, "nothing is appended for a failed message", file: file, line: line)
        guard let failure = result.failure else {
            return XCTFail("accepted: \(json.prefix(80))", file: file, line: line)
        }
        XCTAssertTrue(
            failure.message.contains(expected), "\(failure.message) (byte \(failure.offset ?? -1))", file: file,
            line: line)
        XCTAssertLessThanOrEqual(failure.offset ?? 0, json.utf8.count, file: file, line: line)
    }

    func testTruncatedGarbageAndAdversarialMessagesFailClearly() throws {
        try assertFails(String(spotDepth.prefix(120)), "expected")
        try assertFails("", "expected '{', found the end of the message")
        try assertFails("not json at all", "expected '{', found 'n'")
        try assertFails(#"{"e":"depthUpdate"}  trailing"#, "unexpected bytes after the message")
        try assertFails(
            #"{"e":"depthUpdate","s":"BTCUSDT","U":1,"u":99999999999999999999999,"b":[],"a":[]}"#,
            "integer too large for 64 bits")
        try assertFails(
            #"{"e":"depthUpdate","s":"BTCUSDT","U":1,"u":2,"b":[["61737.633","1"]],"a":[]}"#,
            "price \"61737.633\" has more decimals than the increment allows")
        try assertFails(
            #"{"e":"depthUpdate","s":"BTCUSDT","U":1,"u":2,"b":[["NaN","1"]],"a":[]}"#,
            "price \"NaN\" is not a plain decimal number")
        try assertFails(
            #"{"e":"depthUpdate","s":"BTCUSDT","U":1,"u":2,"b":[["1e5","1"]],"a":[]}"#, "is not a plain decimal number")
        try assertFails(
            #"{"e":"depthUpdate","s":"BTCUSDT","U":1,"u":2,"b":[[61737.63,"1"]],"a":[]}"#, "expected '\"', found '6'")
        try assertFails(
            #"{"e":"depthUpdate","s":"BTCUSDT","U":"1","u":2,"b":[],"a":[]}"#,
            "expected an unsigned integer, found '\"'")
        try assertFails(
            #"{"e":"depthUpdate","s":"BTCUSDT","U":-1,"u":2,"b":[],"a":[]}"#, "expected an unsigned integer, found '-'")
        try assertFails(
            #"{"e":"depthUpdate","s":"BTCUSDT","U":1.5,"u":2,"b":[],"a":[]}"#, "found a fraction or exponent")
        try assertFails(#"{"e":"depthUpdate","s":"BTCUSDT","U":5,"u":2,"b":[],"a":[]}"#, "U 5 > u 2")
        try assertFails(#"{"e":"depthUpdate","s":"BTCUSDT","u":2,"b":[],"a":[]}"#, "without \"U\" and \"u\"")
        try assertFails(#"{"e":"trade","s":"BTCUSDT","t":1,"p":"1.00","q":"1","m":"yes"}"#, "expected true or false")
        try assertFails(
            #"{"e":"depthUpdate","s":"ETHUSDT","U":1,"u":2,"b":[],"a":[]}"#, "no tick and lot size for ETHUSDT")
        XCTAssertEqual(
            try translate(#"{"e":"depthUpdate","s":"ETHUSDT","U":1,"u":2,"b":[],"a":[]}"#).failure?.isConfiguration,
            true)
        try assertFails(
            #"{"e":"depthUpdate","s":"BTCUSDT","U":1,"u":2,"b":[["1","1\#u{01}"]],"a":[]}"#,
            "control byte 1 in a string")
        try assertFails(#"{"e":"depthUpdate","s":"BTC\"USDT","U":1}"#, "unexpected escape in a string")
        let deep = #"{"x":"# + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}"
        try assertFails(deep, "nesting deeper than 32")
        let long =
            #"{"e":"depthUpdate","s":""# + String(repeating: "A", count: 1_000_000) + #"","U":1,"u":2,"b":[],"a":[]}"#
        try assertFails(long, "the symbol (\"s\") is not a Binance symbol")
        try assertFails(
            #"{"e":"depthUpdate","s":""# + String(repeating: "A", count: 20) + #"","U":1,"u":2,"b":[],"a":[]}"#,
            "no tick and lot size for AAAAAAAAAAAAAAAAAAAA")
        // A new name that no venue would list is a damaged message, not an instrument to ask for.
        for damaged in ["BTC USDT", "B]CUSDT", "BTC:USDT", "btcusdt", "", String(repeating: "A", count: 21)] {
            let json = #"{"e":"depthUpdate","s":""# + damaged + #"","U":1,"u":2,"b":[],"a":[]}"#
            try assertFails(json, "is not a Binance symbol")
            XCTAssertEqual(try translate(json).failure?.isConfiguration, false, damaged)
        }
    }

    /// Each field once, strings of well-formed UTF-8 without control bytes, prices above zero,
    /// counts below 10^18: anything else is named, and nothing of the message is sent.
    func testDuplicateKeysBadStringsAndImpossibleNumbersAreRefused() throws {
        try assertFails(
            #"{"e":"depthUpdate","s":"BTCUSDT","U":1,"u":2,"b":[["1.00","1"]],"bids":[["2.00","1"]],"a":[]}"#,
            #"duplicate key "bids""#)
        try assertFails(
            #"{"e":"depthUpdate","s":"BTCUSDT","U":1,"u":2,"a":[],"b":[],"asks":[["2.00","1"]]}"#,
            #"duplicate key "asks""#)
        try assertFails(#"{"e":"depthUpdate","s":"BTCUSDT","U":1,"u":2,"u":3,"b":[],"a":[]}"#, #"duplicate key "u""#)
        try assertFails(
            #"{"e":"depthUpdate","s":"BTCUSDT","s":"SUSHIUSDT","U":1,"u":2,"b":[],"a":[]}"#, #"duplicate key "s""#)
        try assertFails(#"{"stream":"x","data":{"e":"trade"},"data":{"e":"trade"}}"#, #"duplicate key "data""#)
        try assertFails(
            #"{"e":"depthUpdate","s":"BTCUSDT","U":1,"u":2,"b":[["0.00","1"]],"a":[]}"#, "price 0 for BTCUSDT")
        try assertFails(#"{"e":"trade","s":"BTCUSDT","t":1,"p":"0","q":"1","m":true}"#, "price 0 for BTCUSDT")
        try assertFails(#"{"e":"trade","s":"BTCUSDT","t":1,"p":"1.00","q":"0","m":true}"#, "quantity 0 for BTCUSDT")
        try assertFails(
            #"{"e":"depthUpdate","s":"BTCUSDT","U":1,"u":2,"b":[["10000000000000000.00","1"]],"a":[]}"#, "is too large")
        try assertFails(
            #"{"e":"depthUpdate","s":"BTCUSDT","U":1,"u":2,"b":[["1.00","10000000000"]],"a":[]}"#, "is too large")
        try assertFails(#"{"stream":"btc\#u{01}","data":{}}"#, "control byte 1 in a string")
        // Well-formed UTF-8 passes (Binance lists symbols that are not ASCII); broken UTF-8 does not.
        try assertFails(
            #"{"e":"depthUpdate","s":"币安人生USDT","U":1,"u":2,"b":[],"a":[]}"#, "no tick and lot size for 币安人生USDT")
        let prefix = Array(#"{"e":"depthUpdate","s":"BTC"#.utf8)
        let suffix = Array(#"USDT","U":1,"u":2,"b":[],"a":[]}"#.utf8)
        for bad: [UInt8] in [
            [0xFF], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE4, 0xB8]
        ] {
            for (json, label) in [
                (prefix + bad + suffix, "a read string"),
                (Array(#"{"stream":""#.utf8) + bad + Array(#"","data":{}}"#.utf8), "a skipped string")
            ] {
                let result = try translate(bytes: json)
                XCTAssertTrue(result.frames.isEmpty)
                XCTAssertEqual(result.failure?.message, "invalid UTF-8 in a string", "\(bad) in \(label)")
            }
        }
    }
}
