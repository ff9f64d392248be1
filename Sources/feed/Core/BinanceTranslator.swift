import Glibc
import IPC
import Network

/// Binance messages to frames: depth diffs and snapshots to book deltas (through each
/// instrument's `DepthSnapshotSync`), trades and aggregate trades to trades. bookTicker and
/// other streams are counted, not sent. Instruments get ids in the order their symbols first
/// appear, and a definition frame ahead of their first data.
public final class BinanceTranslator {
    public struct Failure: Error {
        /// The byte the problem was found at, or nil when it is the message as a whole.
        let offset: Int?
        let message: String
        /// A configuration problem (a symbol with no tick and lot size), not a bad message:
        /// the replay cannot go on.
        var isConfiguration = false
    }

    let catalog: InstrumentCatalog
    @exclusivity(unchecked) private(set) var instruments: [Instrument] = []
    @exclusivity(unchecked) private var symbols: [[UInt8]] = []
    @exclusivity(unchecked) private var syncs: [DepthSnapshotSync] = []

    @exclusivity(unchecked) private(set) var depthMessages: UInt64 = 0
    @exclusivity(unchecked) private(set) var snapshots: UInt64 = 0
    @exclusivity(unchecked) private(set) var trades: UInt64 = 0
    @exclusivity(unchecked) private(set) var bookTickers: UInt64 = 0
    @exclusivity(unchecked) private(set) var otherMessages: UInt64 = 0
    /// Problems with the stream itself (not malformed lines): unbridgeable snapshots.
    @exclusivity(unchecked) private(set) var notices: [String] = []
    /// A REST snapshot that came before any message named its symbol (a collector file starts
    /// with one): kept until the first symbol appears, then applied ahead of that message.
    @exclusivity(unchecked) private var pendingSnapshot: (bytes: [UInt8], offset: Int, receiveTimeNs: Int64)?
    /// The end of the last instrument definition in the batch being filled: a failing message
    /// is cut back to its start, never before a definition.
    @exclusivity(unchecked) private var definitionsEnd = 0

    private let levelList = LevelList()

    /// Live: follow each instrument's update-id chain and resync on a gap (see DepthSnapshotSync).
    let resyncOnGap: Bool

    public init(catalog: InstrumentCatalog, resyncOnGap: Bool = false) {
        self.catalog = catalog
        self.resyncOnGap = resyncOnGap
    }

    static let sides: [Side] = [.bid, .ask]

    /// Translates one message (`bytes` from `offset`) into `batch`. Either every frame of the
    /// message is appended or none is (the failure says where and what).
    public func translate(
        _ bytes: UnsafeBufferPointer<UInt8>, from offset: Int, receiveTimeNs: Int64, snapshotSymbol: String?,
        into batch: FrameBatch
    ) throws(Failure) {
        var payload = try decode(bytes, from: offset)
        if pendingSnapshot != nil, payload.kind != .snapshot, let symbol = payload.symbol {
            // The first message that names a symbol: the recording's opening snapshot is its, and
            // goes ahead of it. Translating it reuses the level list, so this message is decoded again.
            try flushPendingSnapshot(
                String(decoding: UnsafeBufferPointer(rebasing: bytes[symbol]), as: UTF8.self),
                at: symbol.lowerBound, into: batch)
            payload = try decode(bytes, from: offset)
        }
        // An instrument's definition, once appended, stays even if the rest of its first message
        // fails: the instrument is registered, and the book must know it for the messages after.
        definitionsEnd = batch.count
        let start = batch.count
        do {
            switch payload.kind {
            case .depthUpdate:
                let index = try instrument(bytes, payload.symbol, receiveTimeNs: receiveTimeNs, into: batch)
                let deltasStart = batch.count
                try depth(bytes, payload, instrument: index, receiveTimeNs: receiveTimeNs, into: batch)
                if case .gap(let reason) = syncs[index].diff(batch, from: deltasStart) {
                    notices.append(reason)
                    appendBookReset(index, receiveTimeNs: receiveTimeNs, into: batch)
                }
                depthMessages &+= 1
            case .snapshot:
                if snapshotSymbol == nil && instruments.isEmpty {
                    pendingSnapshot = (Array(bytes), offset, receiveTimeNs)
                    return
                }
                let index = try snapshotInstrument(snapshotSymbol, receiveTimeNs: receiveTimeNs, into: batch)
                let snapshotStart = batch.count
                let lastUpdateId = try snapshot(
                    bytes, payload, instrument: index, receiveTimeNs: receiveTimeNs, into: batch)
                if let notice = syncs[index].snapshot(
                    lastUpdateId: lastUpdateId, into: batch, snapshotStart: snapshotStart)
                {
                    notices.append(notice)
                }
                snapshots &+= 1
            case .trade, .aggTrade:
                let index = try instrument(bytes, payload.symbol, receiveTimeNs: receiveTimeNs, into: batch)
                try trade(bytes, payload, instrument: index, receiveTimeNs: receiveTimeNs, into: batch)
                trades &+= 1
            case .bookTicker:
                bookTickers &+= 1
            case .other:
                otherMessages &+= 1
            }
        } catch {
            batch.truncate(to: max(start, definitionsEnd))
            throw error
        }
    }

    private func decode(_ bytes: UnsafeBufferPointer<UInt8>, from offset: Int) throws(Failure) -> BinancePayload {
        do {
            return try BinancePayload.decode(bytes, from: offset, levels: levelList)
        } catch {
            throw Failure(offset: error.offset, message: error.message)
        }
    }

    /// Registers `symbol` and applies the snapshot a collector file opened with to it.
    private func flushPendingSnapshot(_ symbol: String, at offset: Int, into batch: FrameBatch) throws(Failure) {
        guard let pending = pendingSnapshot else { return }
        pendingSnapshot = nil
        if !symbols.contains(where: { $0.elementsEqual(symbol.utf8) }) {
            _ = try register(symbol, at: offset, receiveTimeNs: pending.receiveTimeNs, into: batch)
        }
        try pending.bytes.withUnsafeBufferPointer { (buffer) throws(Failure) in
            try translate(
                buffer, from: pending.offset, receiveTimeNs: pending.receiveTimeNs, snapshotSymbol: symbol, into: batch)
        }
    }

    /// Snapshots older than the diffs already passed on, ignored.
    var staleSnapshots: UInt64 { syncs.reduce(0) { $0 + $1.staleSnapshots } }

    /// Instruments (by index) whose diffs wait for a REST snapshot.
    func awaitingSnapshot(_ index: Int) -> Bool { syncs[index].awaitingSnapshot }

    /// The venue connection was lost: every instrument buffers again until its next snapshot,
    /// and the book is told (a `bookReset` control frame per instrument).
    func resetAll(receiveTimeNs: Int64, into batch: FrameBatch) {
        for (index, sync) in syncs.enumerated() {
            sync.reset()
            appendBookReset(index, receiveTimeNs: receiveTimeNs, into: batch)
        }
    }

    /// One instrument buffers again until its next snapshot (a book asked for a resync).
    func resync(_ index: Int, receiveTimeNs: Int64, into batch: FrameBatch) {
        syncs[index].reset()
        appendBookReset(index, receiveTimeNs: receiveTimeNs, into: batch)
    }

    private func appendBookReset(_ index: Int, receiveTimeNs: Int64, into batch: FrameBatch) {
        batch.append(
            Control(
                header: FrameHeader(
                    type: .control, flags: .endOfMessage, instrument: instruments[index].id,
                    receiveTimeNs: receiveTimeNs),
                command: .bookReset, senderPid: getpid()))
    }

    /// The index of the instrument named by `symbol`, registering it (and appending its
    /// definition) the first time.
    private func instrument(
        _ bytes: UnsafeBufferPointer<UInt8>, _ symbol: Range<Int>?, receiveTimeNs: Int64, into batch: FrameBatch
    ) throws(Failure) -> Int {
        guard let symbol else { throw Failure(offset: nil, message: "message has no symbol (\"s\")") }
        let name = UnsafeBufferPointer(rebasing: bytes[symbol])
        for (index, known) in symbols.enumerated() where known.elementsEqual(name) { return index }
        // A new name: one a byte flip made is a damaged message, not an instrument to ask for.
        guard BinanceTranslator.isSymbol(name) else {
            throw Failure(
                offset: symbol.lowerBound,
                message: "the symbol (\"s\") is not a Binance symbol: A-Z 0-9 - _ . or non-ASCII, 1 to 20 characters")
        }
        return try register(
            String(decoding: name, as: UTF8.self), at: symbol.lowerBound, receiveTimeNs: receiveTimeNs, into: batch)
    }

    /// Binance's symbol pattern, `^[A-Z0-9-_.]{1,20}$`, widened to the non-ASCII names it also
    /// lists (the decoder has checked they are UTF-8): 1 to 20 characters.
    static func isSymbol(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        var characters = 0
        for byte in name {
            let allowed =
                byte >= 0x80 || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            guard allowed else { return false }
            if byte & 0xC0 != 0x80 { characters += 1 } // not a UTF-8 continuation byte
        }
        return (1...20).contains(characters)
    }

    private func snapshotInstrument(_ symbol: String?, receiveTimeNs: Int64, into batch: FrameBatch) throws(Failure)
        -> Int
    {
        if let symbol {
            if let index = instruments.firstIndex(where: { $0.symbol == symbol }) { return index }
            return try register(symbol, at: 0, receiveTimeNs: receiveTimeNs, into: batch)
        }
        guard instruments.count == 1 else {
            throw Failure(
                offset: nil, message: "a depth snapshot without a symbol in a replay of \(instruments.count) symbols")
        }
        return 0
    }

    private func register(_ symbol: String, at offset: Int, receiveTimeNs: Int64, into batch: FrameBatch)
        throws(Failure) -> Int
    {
        let instrument: Instrument
        do {
            instrument = try catalog.instrument(symbol, id: UInt32(instruments.count + 1))
        } catch {
            throw Failure(offset: offset, message: error.description, isConfiguration: true)
        }
        guard instruments.count < ControlBlockDescriptor.maxInstruments else {
            throw Failure(offset: offset, message: "more than \(ControlBlockDescriptor.maxInstruments) symbols")
        }
        instruments.append(instrument)
        symbols.append(Array(symbol.utf8))
        syncs.append(DepthSnapshotSync(instrument: instrument, resyncOnGap: resyncOnGap))
        batch.append(
            InstrumentDefinition(
                instrument, header: FrameHeader(type: .instrumentDefinition, receiveTimeNs: receiveTimeNs)))
        definitionsEnd = batch.count
        return instruments.count - 1
    }

    private func depth(
        _ bytes: UnsafeBufferPointer<UInt8>, _ payload: BinancePayload, instrument index: Int, receiveTimeNs: Int64,
        into batch: FrameBatch
    ) throws(Failure) {
        guard let first = payload.firstUpdateId, let last = payload.lastUpdateId else {
            throw Failure(offset: nil, message: "depthUpdate without \"U\" and \"u\"")
        }
        guard first >= 1, first <= last else {
            throw Failure(offset: nil, message: "depthUpdate with U \(first) > u \(last)")
        }
        // Spot chains U to the previous u + 1; USD-M futures give the previous u as "pu".
        let previous = payload.previousUpdateId ?? first - 1
        guard previous < last, last - previous <= UInt64(UInt32.max) else {
            throw Failure(offset: nil, message: "depthUpdate ids out of range: pu/U-1 \(previous), u \(last)")
        }
        let header = FrameHeader(
            type: .bookDelta, instrument: instruments[index].id,
            eventTimeNs: eventTime(payload), receiveTimeNs: receiveTimeNs)
        try levels(
            bytes, payload, instrument: index, header: header, updateId: last, span: UInt32(last - previous),
            into: batch)
    }

    private func snapshot(
        _ bytes: UnsafeBufferPointer<UInt8>, _ payload: BinancePayload, instrument index: Int, receiveTimeNs: Int64,
        into batch: FrameBatch
    ) throws(Failure) -> UInt64 {
        guard let lastUpdateId = payload.lastUpdateId else {
            throw Failure(offset: nil, message: "snapshot without lastUpdateId")
        }
        let header = FrameHeader(
            type: .bookDelta, flags: .snapshot, instrument: instruments[index].id,
            eventTimeNs: eventTime(payload), receiveTimeNs: receiveTimeNs)
        try levels(bytes, payload, instrument: index, header: header, updateId: lastUpdateId, span: 0, into: batch)
        return lastUpdateId
    }

    /// The message's levels, bids then asks, in the fewest frames (`DepthMessageWriter`).
    private func levels(
        _ bytes: UnsafeBufferPointer<UInt8>, _ payload: BinancePayload, instrument index: Int, header: FrameHeader,
        updateId: UInt64, span: UInt32, into batch: FrameBatch
    ) throws(Failure) {
        guard let bids = payload.bids, let asks = payload.asks else {
            throw Failure(offset: nil, message: "depth message without bid and ask arrays")
        }
        guard bids.count + asks.count < batch.capacity - batch.count else {
            throw Failure(offset: nil, message: "more than \(batch.capacity) levels in one message")
        }
        let instrument = instruments[index]
        let tick = DecimalScale(mantissa: instrument.tickMantissa, decimals: Int(instrument.tickDecimals))
        let lot = DecimalScale(mantissa: instrument.lotMantissa, decimals: Int(instrument.lotDecimals))
        var message = DepthMessageWriter(into: batch, header: header)
        do throws(JSONScanner.Failure) {
            for side in BinanceTranslator.sides {
                for index in side == .bid ? bids : asks {
                    let (price, size) = levelList[index]
                    let ticks = try convert(bytes, price, tick, "price", instrument: instrument, positive: true)
                    let lots = try convert(bytes, size, lot, "quantity", instrument: instrument)
                    message.add(side, price: ticks, size: lots)
                }
            }
        } catch {
            throw Failure(offset: error.offset, message: error.message)
        }
        message.end(updateId: updateId, span: span)
    }

    private func trade(
        _ bytes: UnsafeBufferPointer<UInt8>, _ payload: BinancePayload, instrument index: Int, receiveTimeNs: Int64,
        into batch: FrameBatch
    ) throws(Failure) {
        guard let id = payload.tradeId, let price = payload.price, let quantity = payload.quantity,
            let buyerIsMaker = payload.buyerIsMaker
        else {
            throw Failure(offset: nil, message: "trade without id, \"p\", \"q\" or \"m\"")
        }
        let instrument = instruments[index]
        do {
            let ticks = try convert(
                bytes, price, DecimalScale(mantissa: instrument.tickMantissa, decimals: Int(instrument.tickDecimals)),
                "price", instrument: instrument, positive: true)
            let lots = try convert(
                bytes, quantity, DecimalScale(mantissa: instrument.lotMantissa, decimals: Int(instrument.lotDecimals)),
                "quantity", instrument: instrument, positive: true)
            let header = FrameHeader(
                type: .trade, flags: .endOfMessage, instrument: instrument.id,
                eventTimeNs: eventTime(payload), receiveTimeNs: receiveTimeNs)
            // "m": the buyer was the maker, so the seller took liquidity.
            batch.append(
                Trade(header: header, price: ticks, size: lots, tradeId: id, aggressor: buyerIsMaker ? .sell : .buy))
        } catch {
            throw Failure(offset: error.offset, message: error.message)
        }
    }

    private func eventTime(_ payload: BinancePayload) -> Int64 {
        guard let milliseconds = payload.eventTimeMs, milliseconds < UInt64(Int64.max / 1_000_000) else { return 0 }
        return Int64(milliseconds) * 1_000_000
    }

    private func convert(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ scale: DecimalScale, _ field: String,
        instrument: Instrument,
        positive: Bool = false
    ) throws(JSONScanner.Failure) -> Int64 {
        let count: Int64
        do {
            count = try scale.count(bytes, range)
        } catch {
            let text = String(
                decoding: UnsafeBufferPointer(
                    rebasing: bytes[range.lowerBound..<min(range.upperBound, range.lowerBound + 40)]), as: UTF8.self)
            let increment = field == "price" ? instrument.formatPrice(1) : instrument.formatSize(1)
            throw JSONScanner.Failure(
                offset: range.lowerBound,
                message:
                    "\(field) \"\(text)\" \(error) (\(instrument.symbol) \(field == "price" ? "tick" : "lot") "
                    + "\(increment))"
            )
        }
        // A price, or a trade's size, of zero is no market (a level's size of 0 removes it).
        guard count > 0 || !positive else {
            throw JSONScanner.Failure(offset: range.lowerBound, message: "\(field) 0 for \(instrument.symbol)")
        }
        return count
    }
}
