import IPC
import XCTest

@testable import FeedCore

/// Receive times on the feed's stream name messages: exec's merge of the market with signal's
/// output depends on it.
final class MessageTimelineTests: XCTestCase {
    func header(_ type: MessageType, at time: Int64, ends: Bool) -> FrameHeader {
        FrameHeader(type: type, flags: ends ? .endOfMessage : [], receiveTimeNs: time)
    }

    func stamped(_ headers: [FrameHeader]) -> [Int64] {
        var timeline = MessageTimeline()
        return headers.map { header in
            var header = header
            timeline.stamp(&header)
            return header.receiveTimeNs
        }
    }

    func testAMessageKeepsOneTimeAndTiesMoveOneNanosecondOn() {
        let times = stamped([
            header(.bookDelta, at: 1_000, ends: false), header(.bookDelta, at: 1_000, ends: false),
            header(.bookDelta, at: 1_000, ends: true),
            header(.trade, at: 1_000, ends: true), // the same millisecond of a recording
            header(.trade, at: 1_000, ends: true),
            header(.bookDelta, at: 999, ends: false), header(.bookDelta, at: 2_000, ends: true), // a clock stepped back
            header(.bookDelta, at: 5_000, ends: true)
        ])
        XCTAssertEqual(times, [1_000, 1_000, 1_000, 1_001, 1_002, 1_003, 1_003, 5_000])
    }

    func testEveryFrameButADeltaIsAMessageOfItsOwn() {
        // Definitions and trades carry no end-of-message flag of their own here.
        let times = stamped([
            header(.instrumentDefinition, at: 7, ends: false), header(.instrumentDefinition, at: 7, ends: false),
            header(.trade, at: 7, ends: false)
        ])
        XCTAssertEqual(times, [7, 8, 9])
    }
}
