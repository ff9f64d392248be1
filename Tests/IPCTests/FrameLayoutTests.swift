import IPC
import XCTest

/// Every layout's size and field offsets match the byte diagram in its doc comment.
final class FrameLayoutTests: XCTestCase {
    func testHeaderMatchesDiagram() {
        XCTAssertEqual(MemoryLayout<FrameHeader>.size, 32)
        XCTAssertEqual(MemoryLayout<FrameHeader>.offset(of: \.type), 0)
        XCTAssertEqual(MemoryLayout<FrameHeader>.offset(of: \.version), 1)
        XCTAssertEqual(MemoryLayout<FrameHeader>.offset(of: \.flags), 2)
        XCTAssertEqual(MemoryLayout<FrameHeader>.offset(of: \.instrumentRaw), 4)
        XCTAssertEqual(MemoryLayout<FrameHeader>.offset(of: \.bot), 6)
        XCTAssertEqual(MemoryLayout<FrameHeader>.offset(of: \.sequence), 8)
        XCTAssertEqual(MemoryLayout<FrameHeader>.offset(of: \.eventTimeNs), 16)
        XCTAssertEqual(MemoryLayout<FrameHeader>.offset(of: \.receiveTimeNs), 24)
    }

    /// The bot a frame names is one a session can have (0 ... maxBots − 1), on both the quick and
    /// the full check; the instrument keeps its meaning in 16 bits.
    func testBotOutsideItsRangeIsRefused() {
        var frame = Frame(
            ExecutionReport(
                header: FrameHeader(type: .executionReport, instrument: 63, bot: UInt16(FrameLayout.maxBots - 1)),
                report: .ack, side: .buy, clientOrderId: 7, price: 5, size: 1))
        XCTAssertEqual(frame.header.instrument, 63)
        func checked(_ frame: Frame) -> (Bool, String?) {
            withUnsafeBytes(of: frame) {
                (FrameValidator.isWellFormed($0.baseAddress!), FrameValidator.defect(in: $0.baseAddress!))
            }
        }
        XCTAssertTrue(checked(frame) == (true, nil))
        frame.header.bot = UInt16(FrameLayout.maxBots)
        XCTAssertTrue(checked(frame) == (false, "bot 16 outside 0 ... 15"), "\(checked(frame))")
        var trade = Frame(
            Trade(header: FrameHeader(type: .trade, instrument: 1), price: 5, size: 1, tradeId: 1, aggressor: .buy))
        XCTAssertTrue(checked(trade).0)
        trade.header.bot = 999
        XCTAssertTrue(checked(trade) == (false, "bot 999 outside 0 ... 15"))
    }

    func testEveryMessageIsOneCacheLine() {
        for size in [
            MemoryLayout<Frame>.size, MemoryLayout<BookDelta>.size, MemoryLayout<BookLevels>.size,
            MemoryLayout<Trade>.size,
            MemoryLayout<BookTop>.size, MemoryLayout<QuoteIntent>.size, MemoryLayout<OrderCommand>.size,
            MemoryLayout<ExecutionReport>.size, MemoryLayout<PositionSnapshot>.size, MemoryLayout<PositionPnl>.size,
            MemoryLayout<Control>.size, MemoryLayout<InstrumentDefinition>.size,
            MemoryLayout<FrameStreamHeader>.size
        ] {
            XCTAssertEqual(size, 64)
        }
        XCTAssertEqual(MemoryLayout<Frame>.stride, 64)
    }

    func testBookDeltaMatchesDiagram() {
        XCTAssertEqual(MemoryLayout<BookDelta>.offset(of: \.header), 0)
        XCTAssertEqual(MemoryLayout<BookDelta>.offset(of: \.price), 32)
        XCTAssertEqual(MemoryLayout<BookDelta>.offset(of: \.size), 40)
        XCTAssertEqual(MemoryLayout<BookDelta>.offset(of: \.updateId), 48)
        XCTAssertEqual(MemoryLayout<BookDelta>.offset(of: \.updateIdSpan), 56)
        XCTAssertEqual(MemoryLayout<BookDelta>.offset(of: \.sideRaw), 60)
    }

    func testBookLevelsMatchesDiagram() {
        XCTAssertEqual(MemoryLayout<BookLevels>.offset(of: \.header), 0)
        XCTAssertEqual(MemoryLayout<BookLevels>.offset(of: \.firstPrice), 32)
        XCTAssertEqual(MemoryLayout<BookLevels>.offset(of: \.firstSize), 40)
        XCTAssertEqual(MemoryLayout<BookLevels>.offset(of: \.secondPrice), 48)
        XCTAssertEqual(MemoryLayout<BookLevels>.offset(of: \.secondSize), 56)
    }

    /// Sides and the second level live in the header's flags; only a book-levels frame may set them.
    func testBookLevelsCarryTheirSidesInTheFlags() {
        let header = FrameHeader(type: .bookDelta, flags: .snapshot, instrument: 2)
        var levels = BookLevels(header: header, side: .ask, price: 7, size: 3)
        XCTAssertEqual(levels.header.messageType, .bookLevels)
        XCTAssertEqual(levels.header.flags, [.snapshot, .firstLevelAsk])
        XCTAssertFalse(levels.hasSecond)
        levels.add(.bid, price: 5, size: 0)
        XCTAssertEqual([levels.firstSide, levels.secondSide], [.ask, .bid])
        XCTAssertEqual(levels.header.flags, [.snapshot, .firstLevelAsk, .secondLevel])
        func defect(_ frame: Frame) -> String? {
            withUnsafeBytes(of: frame) { FrameValidator.defect(in: $0.baseAddress!) }
        }
        XCTAssertNil(defect(Frame(levels)))
        var stray = Frame(BookDelta(header: header, side: .bid, price: 1, size: 1, updateId: 1, updateIdSpan: 1))
        stray.header.flags.insert(.secondLevel)
        XCTAssertEqual(defect(stray), "bookDelta with book-level flag bits 0x20")
        var oneLevel = Frame(BookLevels(header: header, side: .bid, price: 1, size: 1))
        oneLevel.header.flags.insert(.secondLevelAsk)
        XCTAssertEqual(defect(oneLevel), "bookLevels with a second side but no second level")
        oneLevel.header.flags.remove(.secondLevelAsk)
        oneLevel.payload.3 = 9
        XCTAssertEqual(defect(oneLevel), "bookLevels with a second price or size but no second level")
    }

    func testTradeMatchesDiagram() {
        XCTAssertEqual(MemoryLayout<Trade>.offset(of: \.price), 32)
        XCTAssertEqual(MemoryLayout<Trade>.offset(of: \.size), 40)
        XCTAssertEqual(MemoryLayout<Trade>.offset(of: \.tradeId), 48)
        XCTAssertEqual(MemoryLayout<Trade>.offset(of: \.aggressorRaw), 56)
    }

    func testBookTopAndQuoteIntentMatchDiagram() {
        XCTAssertEqual(MemoryLayout<BookTop>.offset(of: \.bidPrice), 32)
        XCTAssertEqual(MemoryLayout<BookTop>.offset(of: \.bidSize), 40)
        XCTAssertEqual(MemoryLayout<BookTop>.offset(of: \.askPrice), 48)
        XCTAssertEqual(MemoryLayout<BookTop>.offset(of: \.askSize), 56)
        XCTAssertEqual(MemoryLayout<QuoteIntent>.offset(of: \.bidPrice), 32)
        XCTAssertEqual(MemoryLayout<QuoteIntent>.offset(of: \.bidSize), 40)
        XCTAssertEqual(MemoryLayout<QuoteIntent>.offset(of: \.askPrice), 48)
        XCTAssertEqual(MemoryLayout<QuoteIntent>.offset(of: \.askSize), 56)
    }

    func testOrderCommandMatchesDiagram() {
        XCTAssertEqual(MemoryLayout<OrderCommand>.offset(of: \.commandRaw), 32)
        XCTAssertEqual(MemoryLayout<OrderCommand>.offset(of: \.sideRaw), 33)
        XCTAssertEqual(MemoryLayout<OrderCommand>.offset(of: \.orderTypeRaw), 34)
        XCTAssertEqual(MemoryLayout<OrderCommand>.offset(of: \.timeInForceRaw), 35)
        XCTAssertEqual(MemoryLayout<OrderCommand>.offset(of: \.clientOrderId), 36)
        XCTAssertEqual(MemoryLayout<OrderCommand>.offset(of: \.origClientOrderId), 40)
        XCTAssertEqual(MemoryLayout<OrderCommand>.offset(of: \.price), 48)
        XCTAssertEqual(MemoryLayout<OrderCommand>.offset(of: \.size), 56)
    }

    func testExecutionReportMatchesDiagram() {
        XCTAssertEqual(MemoryLayout<ExecutionReport>.offset(of: \.reportRaw), 32)
        XCTAssertEqual(MemoryLayout<ExecutionReport>.offset(of: \.sideRaw), 33)
        XCTAssertEqual(MemoryLayout<ExecutionReport>.offset(of: \.rejectReasonRaw), 34)
        XCTAssertEqual(MemoryLayout<ExecutionReport>.offset(of: \.clientOrderId), 36)
        XCTAssertEqual(MemoryLayout<ExecutionReport>.offset(of: \.price), 40)
        XCTAssertEqual(MemoryLayout<ExecutionReport>.offset(of: \.size), 48)
        XCTAssertEqual(MemoryLayout<ExecutionReport>.offset(of: \.fee), 56)
    }

    func testPositionSnapshotAndControlMatchDiagram() {
        XCTAssertEqual(MemoryLayout<PositionSnapshot>.offset(of: \.position), 32)
        XCTAssertEqual(MemoryLayout<PositionSnapshot>.offset(of: \.markPrice), 40)
        XCTAssertEqual(MemoryLayout<PositionSnapshot>.offset(of: \.unrealizedPnlLow), 48)
        XCTAssertEqual(MemoryLayout<PositionSnapshot>.offset(of: \.unrealizedPnlHigh), 56)
        XCTAssertEqual(MemoryLayout<PositionSnapshot>.alignment, 8)
        XCTAssertEqual(MemoryLayout<PositionPnl>.offset(of: \.realizedPnlLow), 32)
        XCTAssertEqual(MemoryLayout<PositionPnl>.offset(of: \.realizedPnlHigh), 40)
        XCTAssertEqual(MemoryLayout<PositionPnl>.offset(of: \.feesLow), 48)
        XCTAssertEqual(MemoryLayout<PositionPnl>.offset(of: \.feesHigh), 56)
        XCTAssertEqual(MemoryLayout<Control>.offset(of: \.commandRaw), 32)
        XCTAssertEqual(MemoryLayout<Control>.offset(of: \.reason), 34)
        XCTAssertEqual(MemoryLayout<Control>.offset(of: \.senderPid), 36)
        XCTAssertEqual(MemoryLayout<Control>.offset(of: \.value), 40)
    }

    func testInstrumentDefinitionMatchesDiagramAndRoundTrips() throws {
        XCTAssertEqual(MemoryLayout<InstrumentDefinition>.offset(of: \.tickMantissa), 32)
        XCTAssertEqual(MemoryLayout<InstrumentDefinition>.offset(of: \.lotMantissa), 36)
        XCTAssertEqual(MemoryLayout<InstrumentDefinition>.offset(of: \.tickDecimals), 40)
        XCTAssertEqual(MemoryLayout<InstrumentDefinition>.offset(of: \.sizeDisplayDecimals), 43)
        XCTAssertEqual(MemoryLayout<InstrumentDefinition>.offset(of: \.symbol), 44)
        let instrument = try Instrument(
            id: 7, symbol: "BTCUSDT_240927", tickMantissa: 1, tickDecimals: 1,
            lotMantissa: 1, lotDecimals: 3, priceDisplayDecimals: 1, sizeDisplayDecimals: 3)
        let frame = Frame(InstrumentDefinition(instrument))
        XCTAssertEqual(frame.header.instrument, 7)
        XCTAssertEqual(try frame.as(InstrumentDefinition.self).instrument(), instrument)
    }

    func testStreamHeaderMatchesDiagram() {
        XCTAssertEqual(MemoryLayout<FrameStreamHeader>.offset(of: \.magic), 0)
        XCTAssertEqual(MemoryLayout<FrameStreamHeader>.offset(of: \.layoutVersion), 8)
        XCTAssertEqual(MemoryLayout<FrameStreamHeader>.offset(of: \.frameSize), 10)
        XCTAssertEqual(MemoryLayout<FrameStreamHeader>.offset(of: \.writerPid), 12)
        XCTAssertEqual(MemoryLayout<FrameStreamHeader>.offset(of: \.createdTimeNs), 16)
    }

    func testMagicsSpellTheirNames() {
        func text(_ value: UInt64) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix(6), as: UTF8.self) }
        }
        XCTAssertEqual(text(RingDescriptor.magic), "TPRING")
        XCTAssertEqual(text(ControlBlockDescriptor.magic), "TPCTRL")
        XCTAssertEqual(text(FrameStreamHeader.magicValue), "TPSTRM")
    }

    func testRingDescriptorKeepsWritersOnSeparateBlocks() {
        let blocks = [
            RingDescriptor.magicOffset, RingDescriptor.publishPositionOffset,
            RingDescriptor.producerHeartbeatOffset, RingDescriptor.consumersOffset
        ].map { $0 / 128 }
        XCTAssertEqual(blocks, [0, 1, 2, 3])
        XCTAssertLessThan(RingDescriptor.readyOffset + 4, RingDescriptor.publishPositionOffset)
        XCTAssertLessThan(RingDescriptor.consumerProgressOffset + 4, RingDescriptor.consumersOffset)
        XCTAssertEqual(RingDescriptor.slotSequenceOffset, MemoryLayout<FrameHeader>.offset(of: \.sequence))
        XCTAssertLessThan(RingDescriptor.consumerBlockingOffset + 4, RingDescriptor.consumerRecordSize)
        XCTAssertEqual(RingDescriptor.slotsOffset(maxConsumers: 8) % 64, 0)
        XCTAssertEqual(
            ControlBlockDescriptor.haltReasonOffset + ControlBlockDescriptor.haltReasonSize,
            248)
        XCTAssertLessThanOrEqual(248, ControlBlockDescriptor.instrumentsOffset)
    }

    func testTypedMessagesRoundTripThroughFrame() {
        let header = FrameHeader(
            type: .bookDelta, flags: .endOfMessage, instrument: 3, sequence: 9,
            eventTimeNs: 11, receiveTimeNs: 12)
        let delta = BookDelta(header: header, side: .ask, price: 6_123_401, size: 250, updateId: 1_000, updateIdSpan: 3)
        let frame = Frame(delta)
        XCTAssertEqual(frame.header.messageType, .bookDelta)
        XCTAssertEqual(frame.as(BookDelta.self), delta)
        XCTAssertEqual(delta.prevUpdateId, 997)
        XCTAssertNil(FrameValidator.defect(in: withUnsafeBytes(of: frame) { $0.baseAddress! }))
    }

    /// The reader's quick check and the full one agree on every frame: each byte of the
    /// header's type, version and flags and of the enum fields set to every value in turn.
    func testQuickAndFullFrameChecksAgree() {
        let header = FrameHeader(type: .bookDelta, flags: .endOfMessage, instrument: 3)
        var frames = [Frame(BookDelta(header: header, side: .ask, price: 1, size: 1, updateId: 1, updateIdSpan: 1))]
        for type in MessageType.allCases {
            var frame = frames[0]
            frame.header.type = type.rawValue
            frames.append(frame)
        }
        var levels = BookLevels(header: header, side: .ask, price: 1, size: 1)
        frames.append(Frame(levels))
        levels.add(.ask, price: 2, size: 2)
        frames.append(Frame(levels))
        var checked = 0
        for base in frames {
            for offset in [0, 1, 2, 3, 31, 32, 33, 34, 35, 39, 40, 47, 48, 55, 56, 60, 63] {
                for value in 0...255 {
                    var frame = base
                    withUnsafeMutableBytes(of: &frame) { $0[offset] = UInt8(value) }
                    withUnsafeBytes(of: frame) { bytes in
                        let quick = FrameValidator.isWellFormed(bytes.baseAddress!)
                        let full = FrameValidator.defect(in: bytes.baseAddress!)
                        XCTAssertEqual(quick, full == nil, "byte \(offset) = \(value): \(full ?? "well-formed")")
                    }
                    checked += 1
                }
            }
        }
        XCTAssertEqual(checked, frames.count * 17 * 256)
    }

    /// A level or trade from a pipe holds what feed would make: a price in 1 ... 10^18 - 1 ticks
    /// and a size in 0 ... 10^18 - 1 lots (a trade's at least 1). The fuzzer found a book
    /// publishing a valid top with a negative size read from a pipe.
    func testPricesAndSizesOutsideTheWireRangeAreDefects() {
        let header = FrameHeader(type: .bookDelta, flags: .endOfMessage, instrument: 1)
        let limit = FrameLayout.maxQuantity
        for (price, size, ok) in [
            (Int64(1), Int64(0), true), (limit, limit, true), (0, 1, false), (-1, 1, false),
            (limit + 1, 1, false), (1, -1, false), (1, limit + 1, false), (.min, 1, false)
        ] {
            var levels = BookLevels(header: header, side: .bid, price: 1, size: 1)
            levels.add(.ask, price: price, size: size)
            let trade = Trade(
                header: FrameHeader(type: .trade, instrument: 1), price: price, size: size, tradeId: 1, aggressor: .buy)
            for frame in [
                Frame(BookDelta(header: header, side: .bid, price: price, size: size, updateId: 1, updateIdSpan: 1)),
                Frame(BookLevels(header: header, side: .ask, price: price, size: size)), Frame(levels), Frame(trade)
            ] {
                let expected = ok && !(frame.header.messageType == .trade && size == 0)
                withUnsafeBytes(of: frame) { bytes in
                    XCTAssertEqual(
                        FrameValidator.isWellFormed(bytes.baseAddress!), expected,
                        "\(frame.header.messageType) \(price) \(size)")
                    XCTAssertEqual(
                        FrameValidator.defect(in: bytes.baseAddress!) == nil, expected,
                        "\(frame.header.messageType) \(price) \(size)")
                }
            }
        }
    }

    /// A receive time outside 1970 ... 2100 is a defect: stages add intervals to it.
    func testAReceiveTimeOutOfRangeIsADefect() {
        for (time, ok) in [
            (Int64(0), true), (FrameLayout.maxTimeNs, true), (FrameLayout.maxTimeNs + 1, false), (-1, false),
            (.max, false)
        ] {
            let frame = Frame(
                Trade(
                    header: FrameHeader(type: .trade, instrument: 1, receiveTimeNs: time), price: 1, size: 1,
                    tradeId: 1, aggressor: .buy))
            withUnsafeBytes(of: frame) { bytes in
                XCTAssertEqual(FrameValidator.isWellFormed(bytes.baseAddress!), ok, "\(time)")
                XCTAssertEqual(
                    FrameValidator.defect(in: bytes.baseAddress!)?.hasPrefix("receive time \(time) ns outside"),
                    ok ? nil : true)
            }
        }
    }

    /// A position snapshot spans two frames; a reader joins them only when they are adjacent.
    func testAPositionReportIsJoinedFromAdjacentFramesOnly() {
        let report = PositionReport(
            instrument: 2, timeNs: 9, position: -5, markPrice: 100, unrealizedPnl: Int128(Int64.max) * 3,
            realizedPnl: -Int128(Int64.max) * 5, fees: 7)
        let (snapshot, money) = report.frames
        XCTAssertFalse(snapshot.header.endsMessage)
        XCTAssertTrue(money.header.endsMessage)
        var reader = PositionReportReader()
        XCTAssertNil(reader.add(Frame(snapshot), at: 4))
        XCTAssertEqual(reader.add(Frame(money), at: 5), report)
        XCTAssertNil(reader.add(Frame(snapshot), at: 6))
        XCTAssertNil(reader.add(Frame(money), at: 8), "a frame lost between the halves")
        XCTAssertNil(reader.add(Frame(money), at: 9), "money without its snapshot")
        var other = money
        other.header.instrument = 3
        XCTAssertNil(reader.add(Frame(snapshot), at: 10))
        XCTAssertNil(reader.add(Frame(other), at: 11), "another instrument's money")
        XCTAssertEqual(reader.incomplete, 3)
    }

    func testBookTopDerivedFields() {
        let top = BookTop(header: FrameHeader(type: .bookTop), bidPrice: 100, bidSize: 3, askPrice: 102, askSize: 1)
        XCTAssertEqual(top.midTwiceTicks, 202)
        XCTAssertEqual(top.mid, 101)
        XCTAssertEqual(top.spreadTicks, 2)
        XCTAssertEqual(top.microprice, (100.0 * 1 + 102.0 * 3) / 4)
        XCTAssertEqual(top.imbalance, 0.5)
    }
}
