import Glibc
import IPC
import XCTest

@testable import ExecCore

/// The rules exec merges feed's market and signal's output by (the end-to-end test runs both
/// wirings on the real recording and compares the journals byte for byte).
final class MarketMergeTests: XCTestCase {
    func market(_ time: Int64, ends: Bool = true) -> FrameHeader {
        FrameHeader(type: .bookDelta, flags: ends ? .endOfMessage : [], instrument: 1, receiveTimeNs: time)
    }

    func signal(_ type: MessageType, _ time: Int64) -> Frame {
        Frame(header: FrameHeader(type: type, flags: .endOfMessage, instrument: 1, receiveTimeNs: time))
    }

    func progress(_ through: Int64) -> Frame {
        Frame(
            Control(
                header: FrameHeader(type: .control, flags: .endOfMessage, receiveTimeNs: through),
                command: .progress, senderPid: getpid(), value: through))
    }

    func testAMessageWaitsUntilSignalVouchedForTheOnesBeforeIt() {
        var merge = MarketMerge()
        XCTAssertTrue(merge.admits(market(100)), "nothing came before the first message")
        merge.handledMarket(market(100, ends: false))
        XCTAssertTrue(merge.admits(market(100)), "the rest of a message started")
        merge.handledMarket(market(100))
        XCTAssertFalse(merge.admits(market(200)), "signal has not yet said what message 100 caused")
        merge.read(signal(.bookTop, 100), from: 0)
        XCTAssertFalse(merge.admits(market(200)), "a top of 100 vouches for the messages before 100 only")
        merge.read(progress(100), from: 0)
        XCTAssertTrue(merge.admits(market(200)))
        merge.handledMarket(market(200))
        merge.read(signal(.quoteIntent, 300), from: 0)
        XCTAssertTrue(merge.admits(market(300)), "an intent of 300 was written after everything caused before 300")
    }

    func testATopOrIntentWaitsForItsMessageWhole() {
        var merge = MarketMerge()
        let top = signal(.bookTop, 100).header
        XCTAssertFalse(merge.isDue(top))
        merge.handledMarket(market(100, ends: false))
        XCTAssertFalse(merge.isDue(top), "message 100 is not whole yet")
        merge.handledMarket(market(100))
        XCTAssertTrue(merge.isDue(top))
        XCTAssertTrue(merge.isDue(signal(.quoteIntent, 50).header), "a pair's other leg carries an older time")
    }

    func testOnlyTopsAndIntentsComeFromSignalAndTheEndsReleaseTheWaiting() {
        XCTAssertTrue(MarketMerge.isHandled(signal(.bookTop, 1).header, from: 0))
        XCTAssertTrue(MarketMerge.isHandled(signal(.quoteIntent, 1).header, from: 0))
        for type in [MessageType.trade, .bookDelta, .instrumentDefinition, .control] {
            XCTAssertFalse(MarketMerge.isHandled(signal(type, 1).header, from: 0), "\(type) comes from feed's ring")
        }
        var merge = MarketMerge()
        merge.handledMarket(market(100))
        merge.end(0)
        XCTAssertTrue(merge.admits(market(200)), "signal ended: nothing more to wait for")
        merge.marketEnded = true
        XCTAssertTrue(merge.isDue(signal(.quoteIntent, 900).header), "the market ended: its message will not come")
        XCTAssertFalse(MarketMerge.isHandled(signal(.bookTop, 1).header, from: 1), "tops come from bot 0's signal only")
        XCTAssertTrue(MarketMerge.isHandled(signal(.orderIntent, 1).header, from: 1))
    }

    /// Two bots' signals: the market waits for both, and of two intents caused by one message,
    /// bot 0's goes first whichever was read first; one input's intent waits while the other
    /// may still send an earlier one.
    func testSeveralInputsGoInTimeThenBotOrder() {
        var merge = MarketMerge(inputs: 2)
        merge.handledMarket(market(100))
        merge.read(progress(100), from: 0)
        XCTAssertFalse(merge.admits(market(200)), "bot 1's signal has not said what message 100 caused")
        merge.read(progress(100), from: 1)
        XCTAssertTrue(merge.admits(market(200)))
        merge.handledMarket(market(200))
        // Bot 1's intent caused by message 200 is read first.
        let keyOfBot1 = merge.read(signal(.quoteIntent, 200), from: 1)
        XCTAssertEqual(keyOfBot1, 200)
        XCTAssertTrue(merge.isDue(signal(.quoteIntent, 200).header))
        XCTAssertFalse(
            merge.isFirst(keyNs: 200, input: 1, waiting: { $0 == 1 }),
            "bot 0 may still send an intent of 200, which goes first")
        XCTAssertTrue(
            merge.isFirst(keyNs: 200, input: 1, waiting: { _ in true }),
            "bot 0 has one waiting: the keys decide")
        merge.read(progress(200), from: 0)
        XCTAssertTrue(merge.isFirst(keyNs: 200, input: 1, waiting: { $0 == 1 }), "bot 0 vouched for 200")
        // A frame of 200 vouches for 199 only: bot 0 may send another of 200, which goes before bot 1's.
        var other = MarketMerge(inputs: 2)
        other.read(signal(.quoteIntent, 200), from: 0)
        XCTAssertFalse(other.isFirst(keyNs: 200, input: 1, waiting: { $0 == 1 }))
        other.read(progress(200), from: 0)
        XCTAssertTrue(other.isFirst(keyNs: 200, input: 1, waiting: { $0 == 1 }), "bot 0 vouched for 200")
        XCTAssertFalse(other.isFirst(keyNs: 201, input: 1, waiting: { $0 == 1 }), "not for 201")
        XCTAssertFalse(other.isFirst(keyNs: 200, input: 0, waiting: { $0 == 0 }), "bot 1 vouched for nothing yet")
        other.end(1)
        XCTAssertTrue(other.isFirst(keyNs: 200, input: 0, waiting: { $0 == 0 }), "bot 1 ended")
        // A frame older than what its input vouched for keeps its place after what came before it.
        XCTAssertEqual(other.read(signal(.quoteIntent, 50), from: 0), 201)
    }
}
