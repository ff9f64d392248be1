import IPC
import XCTest

@testable import BookCore
@testable import FeedCore

/// The book's update-id rules and its refusal to publish a crossed or invalid book.
final class OrderBookTests: XCTestCase {
    let instrument = try! Instrument(
        id: 1, symbol: "TEST", tickMantissa: 1, tickDecimals: 2, lotMantissa: 1,
        lotDecimals: 3, priceDisplayDecimals: 2, sizeDisplayDecimals: 3)

    /// One message: levels (side, price, size), in the frames feed writes (a delta with the ids,
    /// then two levels to a frame).
    func message(_ levels: [(Side, Int64, Int64)], id: UInt64, span: UInt32, snapshot: Bool = false) -> [Frame] {
        let batch = FrameBatch(capacity: 64)
        var writer = DepthMessageWriter(
            into: batch, header: FrameHeader(type: .bookDelta, flags: snapshot ? .snapshot : [], instrument: 1))
        for (side, price, size) in levels { writer.add(side, price: price, size: size) }
        writer.end(updateId: id, span: span)
        return (0..<batch.count).map { batch[$0] }
    }

    func apply(_ book: OrderBook, _ frame: Frame) -> OrderBook.Event {
        frame.header.type == MessageType.bookLevels.rawValue
            ? book.apply(frame.as(BookLevels.self)) : book.apply(frame.as(BookDelta.self))
    }

    func apply(_ book: OrderBook, _ frames: [Frame]) -> OrderBook.Event {
        var last = OrderBook.Event.none
        for frame in frames {
            let event = apply(book, frame)
            if event != .none { last = event }
        }
        return last
    }

    func synced() -> OrderBook {
        let book = OrderBook(instrument: instrument)
        XCTAssertEqual(
            apply(
                book,
                message(
                    [(.bid, 100, 5), (.bid, 99, 7), (.ask, 101, 3), (.ask, 103, 1)], id: 1_000, span: 0, snapshot: true)
            ), .applied)
        return book
    }

    func testSnapshotThenBridgingDiffThenChain() {
        let book = synced()
        XCTAssertEqual(book.state, .bridging)
        // Spot: U = 995 <= 1001 <= u = 1004 bridges (prev = U - 1 = 994 <= 1000).
        XCTAssertEqual(apply(book, message([(.bid, 100, 6)], id: 1_004, span: 10)), .applied)
        XCTAssertEqual(book.state, .synced)
        XCTAssertEqual(apply(book, message([(.ask, 101, 0)], id: 1_006, span: 2)), .applied)
        XCTAssertEqual(book.asks.bestPrice, 103)
        XCTAssertEqual(book.bids.level(0).size, 6)
        XCTAssertEqual(book.updateId, 1_006)
    }

    func testStaleAndDuplicateDiffsAreIgnored() {
        let book = synced()
        XCTAssertEqual(apply(book, message([(.bid, 100, 9)], id: 999, span: 5)), .none)
        XCTAssertEqual(apply(book, message([(.bid, 100, 6)], id: 1_004, span: 10)), .applied)
        XCTAssertEqual(apply(book, message([(.bid, 100, 9)], id: 1_004, span: 10)), .none, "a repeat is stale")
        XCTAssertEqual(book.bids.bestSize, 6)
        XCTAssertEqual(book.staleMessages, 2)
    }

    /// A snapshot older than the book (a REST answer repeated late) would take its top back in time.
    func testASnapshotOlderThanTheBookIsIgnored() {
        let book = synced()
        XCTAssertEqual(apply(book, message([(.bid, 100, 6)], id: 1_004, span: 10)), .applied)
        XCTAssertEqual(apply(book, message([(.bid, 90, 1), (.ask, 95, 1)], id: 1_000, span: 0, snapshot: true)), .none)
        XCTAssertEqual(book.updateId, 1_004)
        XCTAssertEqual(book.bids.bestPrice, 100)
        XCTAssertEqual(book.staleMessages, 1)
        XCTAssertEqual(apply(book, message([(.bid, 100, 7)], id: 1_005, span: 1)), .applied, "the chain goes on")
        XCTAssertEqual(
            apply(book, message([(.bid, 98, 1), (.ask, 99, 1)], id: 1_005, span: 0, snapshot: true)), .applied,
            "a snapshot at the book's own id is applied")
    }

    func testGapInvalidatesUntilTheNextSnapshot() {
        let book = synced()
        XCTAssertEqual(apply(book, message([(.bid, 100, 6)], id: 1_004, span: 4)), .applied)
        guard case .invalidated = apply(book, message([(.bid, 100, 1)], id: 1_010, span: 2)) else {
            return XCTFail("a gap must invalidate")
        }
        XCTAssertEqual(book.problem, "gap: update 1010 follows 1008, the book is at 1004")
        XCTAssertFalse(book.isValid)
        XCTAssertTrue(book.bids.isEmpty)
        XCTAssertEqual(
            apply(book, message([(.bid, 100, 1)], id: 1_012, span: 2)), .none, "nothing applies until a snapshot")
        XCTAssertEqual(
            apply(book, message([(.bid, 50, 1), (.ask, 60, 1)], id: 2_000, span: 0, snapshot: true)), .applied)
        XCTAssertTrue(book.isValid)
    }

    func testFirstDiffAfterSnapshotMustReachIt() {
        let book = synced()
        guard case .invalidated = apply(book, message([(.bid, 100, 6)], id: 1_010, span: 5)) else {
            return XCTFail("a first diff starting after the snapshot id + 1 leaves a hole")
        }
    }

    func testFuturesBridgeOnPuAndChainOnPuExactly() {
        let book = synced()
        // U <= 1000 <= u: pu (= u - span) is the previous event's u, below the snapshot id.
        XCTAssertEqual(apply(book, message([(.bid, 100, 6)], id: 1_020, span: 40)), .applied)
        // Futures ids jump: U is far above pu + 1, only pu == last u matters.
        XCTAssertEqual(apply(book, message([(.bid, 100, 7)], id: 1_500, span: 480)), .applied)
        guard case .invalidated = apply(book, message([(.bid, 100, 8)], id: 1_900, span: 399)) else {
            return XCTFail("pu 1501 != 1500 is a gap")
        }
    }

    func testCrossedBookIsNeverPublished() {
        let book = synced()
        guard case .invalidated = apply(book, message([(.bid, 102, 1)], id: 1_001, span: 1)) else {
            return XCTFail("a bid above the ask must invalidate")
        }
        XCTAssertTrue(book.problem.hasPrefix("crossed book after update 1001: bid 1.02 >= ask 1.01"), book.problem)
        XCTAssertFalse(book.isValid)
    }

    func testMessageIsAppliedWholeOrNotAtAll() {
        let book = synced()
        let frames = message([(.bid, 100, 1), (.bid, 99, 1), (.ask, 101, 1)], id: 1_010, span: 2)
        XCTAssertEqual(frames.map(\.header.messageType), [.bookDelta, .bookLevels])
        for frame in frames { _ = apply(book, frame) }
        XCTAssertTrue(book.bids.isEmpty, "the gap was found on the first frame; no frame of it was applied")
    }

    func testEveryLevelOfAPackedMessageIsApplied() {
        let book = synced()
        // Five levels: a delta, then two frames of levels, the last with a second level too.
        let frames = message(
            [(.bid, 100, 2), (.ask, 101, 0), (.bid, 98, 4), (.ask, 104, 6), (.ask, 103, 0)], id: 1_004, span: 10)
        XCTAssertEqual(frames.map(\.header.messageType), [.bookDelta, .bookLevels, .bookLevels])
        XCTAssertEqual(frames.map { apply(book, $0) }, [.none, .none, .applied], "published once, on the last frame")
        XCTAssertEqual((0..<3).map { book.bids.level($0).price }, [100, 99, 98])
        XCTAssertEqual((0..<3).map { book.bids.level($0).size }, [2, 7, 4])
        XCTAssertEqual(book.asks.count, 1)
        XCTAssertEqual(book.asks.level(0).price, 104)
        XCTAssertEqual(book.updateId, 1_004, "the ids of the delta that opened it")
    }

    /// A lossy reader lapped by its producer can see a message without its opening or its end:
    /// levels without an opening are skipped; an opening while the last message is still open
    /// turns the book invalid rather than leave half a message in it.
    func testAMessageMissingItsFirstOrLastFrameIsNotTakenForWhole() {
        let book = synced()
        let lostOpening = message([(.bid, 100, 1), (.bid, 97, 1), (.bid, 96, 1)], id: 1_004, span: 10)
        XCTAssertEqual(apply(book, Array(lostOpening.dropFirst())), .none)
        XCTAssertEqual(book.bids.count, 2, "no level of it applied")
        XCTAssertEqual(book.incompleteMessages, 1)
        let lostEnd = message([(.bid, 100, 1), (.bid, 97, 1), (.bid, 96, 1)], id: 1_004, span: 10)
        XCTAssertEqual(apply(book, lostEnd[0]), .none)
        guard case .invalidated = apply(book, message([(.bid, 100, 3)], id: 1_006, span: 2)) else {
            return XCTFail("a message that never ended must not stand as applied")
        }
        XCTAssertTrue(book.problem.contains("lost its last frame"), book.problem)
        XCTAssertEqual(book.incompleteMessages, 2)
    }

    func testIdOnlyMessageKeepsTheChain() {
        let book = synced()
        let idOnly = message([], id: 1_003, span: 3)
        XCTAssertEqual(idOnly.map(\.header.flags), [[.idOnly, .endOfMessage]])
        XCTAssertEqual(apply(book, idOnly), .applied)
        XCTAssertEqual(book.bids.count, 2, "no level touched")
        XCTAssertEqual(apply(book, message([(.bid, 100, 2)], id: 1_004, span: 1)), .applied)
    }

    func testSideKeepsLevelsSortedAndDropsTheFarthestWhenFull() {
        var side = BookSide(side: .ask, capacity: 4)
        defer { side.deallocate() }
        for price: Int64 in [105, 101, 103, 102] { side.set(price: price, size: price) }
        XCTAssertEqual((0..<4).map { side.level($0).price }, [101, 102, 103, 105])
        side.set(price: 104, size: 1)
        XCTAssertEqual((0..<4).map { side.level($0).price }, [101, 102, 103, 104], "105, the farthest, made room")
        XCTAssertEqual(side.droppedLevels, 1)
        side.set(price: 110, size: 1)
        XCTAssertEqual(
            (0..<4).map { side.level($0).price }, [101, 102, 103, 104], "a level beyond a full side is dropped")
        side.set(price: 102, size: 0)
        side.set(price: 999, size: 0)
        XCTAssertEqual((0..<3).map { side.level($0).price }, [101, 103, 104])
        var bids = BookSide(side: .bid, capacity: 8)
        defer { bids.deallocate() }
        for price: Int64 in [5, 9, 7] { bids.set(price: price, size: 1) }
        XCTAssertEqual((0..<3).map { bids.level($0).price }, [9, 7, 5])
    }

    /// The ladder and the sorted levels beyond it together, against a dictionary: seeded random
    /// sets around a mid that wanders thousands of ticks and sometimes jumps past the ladder's
    /// reach (so the ladder moves and levels pass between the two), most near the touch, some
    /// far; a small capacity exercises the drops.
    /// Every level is compared after every set.
    func testSideAgreesWithAReferenceAsTheLadderMoves() {
        for (side, capacity) in [(Side.bid, 100_000), (Side.ask, 100_000), (Side.bid, 150), (Side.ask, 150)] {
            var book = BookSide(side: side, capacity: capacity)
            defer { book.deallocate() }
            var reference: [Int64: Int64] = [:]
            var random: UInt64 = 0x9E37_79B9_7F4A_7C15 &+ UInt64(capacity)
            func next() -> UInt64 {
                random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return random >> 20
            }
            var mid: Int64 = 1_000_000
            var dropped: UInt64 = 0
            for step in 0..<30_000 {
                mid += Int64(next() % 121) - 60
                // Now and then the market jumps past the ladder's reach, both ways.
                if step % 1_000 == 999 { mid += next() % 2 == 0 ? 6_000 : -6_000 }
                let distance = next() % 20 == 0 ? Int64(next() % 20_000) : Int64(next() % 30)
                let price = side == .bid ? mid - distance : mid + distance
                let size = next() % 3 == 0 ? 0 : Int64(next() % 50) + 1
                book.set(price: price, size: size)
                // The reference: a new level on a full side drops the farthest, or itself.
                let farthest = { (a: Int64, b: Int64) in side == .bid ? a < b : a > b }
                if size == 0 {
                    reference[price] = nil
                } else if reference[price] != nil || reference.count < capacity {
                    reference[price] = size
                } else {
                    dropped += 1
                    let worst = reference.keys.min(by: farthest)!
                    if farthest(worst, price) {
                        reference[worst] = nil
                        reference[price] = size
                    }
                }
                // The count after every set, the best after every fifth, every level every 100th.
                guard book.count == reference.count else {
                    return XCTFail(
                        "\(side) capacity \(capacity), step \(step): \(book.count) levels, expected \(reference.count)")
                }
                if reference.isEmpty || step % 5 != 0 { continue }
                if step % 100 != 0 && step < 29_990 {
                    let best = reference.keys.min(by: { farthest($1, $0) })
                    if let best, book.bestPrice != best || book.bestSize != reference[best] {
                        return XCTFail(
                            "\(side) capacity \(capacity), step \(step): best \(book.bestPrice), expected \(best)")
                    }
                    continue
                }
                let expected = reference.sorted { farthest($1.key, $0.key) }
                var levels: [(Int64, Int64)] = []
                book.forEachLevel {
                    levels.append(($0, $1))
                    return true
                }
                guard levels.count == expected.count,
                    zip(levels, expected).allSatisfy({ $0.0 == $1.key && $0.1 == $1.value }),
                    book.bestPrice == expected[0].key && book.bestSize == expected[0].value
                else {
                    return XCTFail(
                        "\(side) capacity \(capacity), step \(step) (set \(price) to \(size)): \(book.count) levels, "
                            + "expected \(expected.count)"
                    )
                }
            }
            XCTAssertEqual(book.droppedLevels, dropped, "\(side) capacity \(capacity)")
            if capacity == 150 { XCTAssertGreaterThan(dropped, 100) }
            XCTAssertGreaterThan(reference.count, 100)
        }
    }

    func testEffectiveSpreadIsTheVwapOfSweepingTheSize() {
        let book = synced()
        // Asks 101 x3, 103 x1; bids 100 x5, 99 x7.
        let cost = LiquidityAnalytics.cost(book, lots: 4)!
        XCTAssertEqual(cost.buyVwap, (101.0 * 3 + 103) / 4)
        XCTAssertEqual(cost.sellVwap, 100)
        XCTAssertNil(LiquidityAnalytics.cost(book, lots: 5), "the asks hold only 4")
    }
}
