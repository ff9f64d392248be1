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
        merge.read(fromSignal: signal(.bookTop, 100))
        XCTAssertFalse(merge.admits(market(200)), "a top of 100 vouches for the messages before 100 only")
        merge.read(fromSignal: progress(100))
        XCTAssertTrue(merge.admits(market(200)))
        merge.handledMarket(market(200))
        merge.read(fromSignal: signal(.quoteIntent, 300))
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
        XCTAssertTrue(MarketMerge.isHandled(fromSignal: signal(.bookTop, 1).header))
        XCTAssertTrue(MarketMerge.isHandled(fromSignal: signal(.quoteIntent, 1).header))
        for type in [MessageType.trade, .bookDelta, .instrumentDefinition, .control] {
            XCTAssertFalse(MarketMerge.isHandled(fromSignal: signal(type, 1).header), "\(type) comes from feed's ring")
        }
        var merge = MarketMerge()
        merge.handledMarket(market(100))
        merge.signalEnded = true
        XCTAssertTrue(merge.admits(market(200)), "signal ended: nothing more to wait for")
        merge.marketEnded = true
        XCTAssertTrue(merge.isDue(signal(.quoteIntent, 900).header), "the market ended: its message will not come")
    }
}
