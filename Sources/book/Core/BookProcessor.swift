import IPC

/// Where the book's results go: tops, frames passed through, problems. A protocol resolved at
/// compile time (`BookProcessor` is generic over it), so the per-frame calls are direct.
public protocol BookOutput {
    mutating func publish(_ top: BookTop, book: OrderBook)
    mutating func pass(_ frame: UnsafePointer<Frame>)
    mutating func report(_ problem: String)
    /// The book found a gap: ask the feed for a new snapshot (through the session, if any).
    mutating func requestResync(instrument: UInt32)
}

/// The book stage's core, driven one frame at a time (by `BookStage` or by a test): keeps a book
/// per instrument, publishes a top whenever a valid book's best bid or ask changes, and passes
/// definitions and trades through.
public final class BookProcessor<Output: BookOutput> {
    @exclusivity(unchecked) private var books: [OrderBook?] = Array(repeating: nil, count: Instrument.idSlots)
    /// The same books, unretained, for the per-frame path: an `OrderBook?` read from `books`
    /// costs a retain and a release on every frame.
    @exclusivity(unchecked) private var bookReferences: [Unmanaged<OrderBook>?] = Array(
        repeating: nil, count: Instrument.idSlots)
    @exclusivity(unchecked) private var lastTops: [BookTop?] = Array(repeating: nil, count: Instrument.idSlots)
    @exclusivity(unchecked) private(set) var spreadHistories: [SpreadHistory] = Array(
        repeating: SpreadHistory(), count: Instrument.idSlots)
    /// The last trades per instrument, for the dump.
    @exclusivity(unchecked) private(set) var recentTrades: [RecentTrades] = Array(
        repeating: RecentTrades(), count: Instrument.idSlots)

    @exclusivity(unchecked) private(set) var topsPublished: UInt64 = 0
    @exclusivity(unchecked) private(set) var framesWithoutDefinition: UInt64 = 0
    @exclusivity(unchecked) private(set) var invalidations: UInt64 = 0

    @exclusivity(unchecked) public var output: Output
    /// Also pass the depth messages on (exec's paper venue needs the levels for queue positions),
    /// each ahead of the top it moved.
    let passDeltas: Bool

    public init(output: Output, passDeltas: Bool = false) {
        self.output = output
        self.passDeltas = passDeltas
    }

    /// The instruments with a book, in id order.
    var activeBooks: [OrderBook] { books.compactMap { $0 } }

    func book(_ instrument: UInt32) -> OrderBook? {
        Int(instrument) < books.count ? books[Int(instrument)] : nil
    }

    public func handle(_ frame: UnsafePointer<Frame>) {
        let id = Int(frame.pointee.header.instrument)
        // Nearly every frame is part of a depth message: tested first, reading the header in place.
        if frame.pointee.header.isBookChange {
            guard id < bookReferences.count, let reference = bookReferences[id] else {
                return missingDefinition(frame.pointee.header)
            }
            if passDeltas { output.pass(frame) }
            reference._withUnsafeGuaranteedRef { book in
                let event =
                    frame.pointee.header.type == MessageType.bookLevels.rawValue
                    ? UnsafeRawPointer(frame).withMemoryRebound(to: BookLevels.self, capacity: 1) { book.apply($0) }
                    : UnsafeRawPointer(frame).withMemoryRebound(to: BookDelta.self, capacity: 1) { book.apply($0) }
                switch event {
                case .none:
                    break
                case .applied:
                    publishTopIfChanged(book, header: frame.pointee.header)
                case .invalidated:
                    invalidated(book, reason: book.problem, header: frame.pointee.header)
                    output.requestResync(instrument: frame.pointee.header.instrument)
                }
            }
            return
        }
        let header = frame.pointee.header
        switch header.messageType {
        case .trade:
            guard id < bookReferences.count, bookReferences[id] != nil else { return missingDefinition(header) }
            recentTrades[id].record(frame.pointee.as(Trade.self))
            output.pass(frame)
        case .control where frame.pointee.as(Control.self).command == .bookReset:
            guard let book = book(header.instrument) else { return missingDefinition(header) }
            if book.isValid {
                _ = book.reset("the feed lost the venue")
                invalidated(book, reason: "the feed lost the venue and resyncs", header: header)
            }
            output.pass(frame)
        case .instrumentDefinition:
            define(frame.pointee.as(InstrumentDefinition.self))
            output.pass(frame)
        default:
            output.pass(frame)
        }
    }

    private func invalidated(_ book: OrderBook, reason: String, header: FrameHeader) {
        invalidations &+= 1
        lastTops[Int(header.instrument)] = nil
        output.report("book: \(book.instrument.symbol): \(reason); book invalid until the next snapshot")
        // Downstream must stop trusting the last top it saw: an empty top says so.
        var topHeader = header
        topHeader.type = MessageType.bookTop.rawValue
        topHeader.flags = []
        output.publish(BookTop.invalid(header: topHeader), book: book)
    }

    private func define(_ definition: InstrumentDefinition) {
        let id = Int(definition.header.instrument)
        guard id >= 1 && id < books.count else {
            return output.report("book: instrument id \(id) is outside 1...\(books.count - 1); ignored")
        }
        let instrument: Instrument
        do {
            instrument = try definition.instrument()
        } catch {
            return output.report("book: bad definition of instrument \(id): \(error); ignored")
        }
        if let existing = books[id], existing.instrument == instrument { return }
        if books[id] != nil {
            output.report("book: instrument \(id) redefined as \(instrument.symbol); its book starts again")
        }
        let book = OrderBook(instrument: instrument)
        books[id] = book
        bookReferences[id] = Unmanaged.passUnretained(book)
        lastTops[id] = nil
    }

    private func missingDefinition(_ header: FrameHeader) {
        framesWithoutDefinition &+= 1
        if framesWithoutDefinition == 1 {
            output.report(
                "book: frames for instrument \(header.instrument) arrive with no definition; ignored (counted)")
        }
    }

    private func publishTopIfChanged(_ book: OrderBook, header: FrameHeader) {
        guard !book.bids.isEmpty && !book.asks.isEmpty else { return }
        var topHeader = header
        topHeader.flags = []
        let top = BookTop(
            header: topHeader, bidPrice: book.bids.bestPrice, bidSize: book.bids.bestSize,
            askPrice: book.asks.bestPrice, askSize: book.asks.bestSize)
        let id = Int(header.instrument)
        if let last = lastTops[id], last.bidPrice == top.bidPrice, last.bidSize == top.bidSize,
            last.askPrice == top.askPrice, last.askSize == top.askSize
        {
            return
        }
        lastTops[id] = top
        spreadHistories[id].record(top.spreadTicks)
        topsPublished &+= 1
        output.publish(top, book: book)
    }
}
