import Glibc
import IPC
import Network

/// Where the feed learns each symbol's tick and lot size: `--instrument SYMBOL:TICK:LOT` flags
/// and/or a Binance `exchangeInfo` response (spot or USD-M; a raw JSON file, or a line
/// `URL -> time: JSON` as cryptofeed records it). Never guessed: a symbol in neither is an error.
///
/// From exchangeInfo, the tick is PRICE_FILTER's tickSize, and the lot is the finest quantity
/// the venue prints (`baseAssetPrecision`, futures `quantityPrecision` decimals), not LOT_SIZE's
/// stepSize: the book's level sizes aggregate many orders and are not multiples of the order
/// step (BTCUSDT prints levels of 25.426189 with a step of 0.00001). The step constrains orders.
public struct InstrumentCatalog: Sendable {
    struct Entry: Equatable, Sendable {
        var tick: DecimalScale
        var lot: DecimalScale
        var priceDisplayDecimals: Int
        var sizeDisplayDecimals: Int
    }

    private(set) var entries: [String: Entry] = [:]
    /// Where the entries came from, for messages.
    private(set) var sources: [String] = []

    public init() {}

    /// `SYMBOL:TICK:LOT`, e.g. `BTCUSDT:0.01000000:0.00001000`: the decimals as written are the
    /// venue's display precision (Binance spot prints 8).
    public mutating func add(flag: String) throws(InvalidArgument) {
        let parts = flag.split(separator: ":").map(String.init)
        guard parts.count == 3, let tick = DecimalScale.parse(parts[1]), let lot = DecimalScale.parse(parts[2]) else {
            throw InvalidArgument(
                "--instrument '\(flag)': expected SYMBOL:TICK:LOT with positive decimals, e.g. "
                    + "BTCUSDT:0.01000000:0.00001000"
            )
        }
        entries[parts[0]] = Entry(
            tick: tick.scale, lot: lot.scale, priceDisplayDecimals: tick.written, sizeDisplayDecimals: lot.written)
        if !sources.contains("--instrument") { sources.append("--instrument") }
    }

    /// Reads every symbol's PRICE_FILTER tickSize and LOT_SIZE stepSize from an exchangeInfo file.
    package mutating func add(exchangeInfo path: String) throws(FeedError) {
        let reader = try LineReader(path: path)
        var found = 0
        while let line = try reader.nextLine() {
            guard let brace = line.firstIndex(of: UInt8(ascii: "{")) else { continue }
            do {
                found += try parse(line, from: brace)
            } catch {
                throw .data(
                    "feed: --exchange-info \(path): line \(reader.lineNumber), byte \(error.offset): \(error.message)")
            }
        }
        guard found > 0 else { throw .data("feed: --exchange-info \(path): no symbols with tick and lot sizes found") }
        sources.append(path)
    }

    /// Reads an exchangeInfo response body fetched from the venue.
    mutating func add(exchangeInfoBody body: [UInt8], source: String) throws(FeedError) {
        let bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(body.count, 1))
        defer { bytes.deallocate() }
        _ = bytes.initialize(from: body)
        guard let brace = body.firstIndex(of: UInt8(ascii: "{")) else { throw .data("feed: \(source): not JSON") }
        let found: Int
        do {
            found = try parse(UnsafeBufferPointer(rebasing: bytes[0..<body.count]), from: brace)
        } catch {
            throw .data("feed: \(source): byte \(error.offset): \(error.message)")
        }
        guard found > 0 else { throw .data("feed: \(source): no symbols with tick and lot sizes") }
        sources.append(source)
    }

    private mutating func parse(_ line: UnsafeBufferPointer<UInt8>, from offset: Int) throws(JSONScanner.Failure) -> Int
    {
        var scanner = JSONScanner(line, offset: offset)
        var found = 0
        var parsed: [String: Entry] = [:]
        try scanner.object { (scanner, key) throws(JSONScanner.Failure) in
            guard scanner.equals(key, "symbols") else { return try scanner.skipValue() }
            try scanner.array { (scanner) throws(JSONScanner.Failure) in
                var symbol: String?
                var tick: (scale: DecimalScale, written: Int)?
                var lot: (scale: DecimalScale, written: Int)?
                var pricePrecision: Int?
                var sizePrecision: Int?
                try scanner.object { (scanner, key) throws(JSONScanner.Failure) in
                    if scanner.equals(key, "symbol") {
                        symbol = text(scanner, try scanner.string())
                    } else if scanner.equals(key, "quotePrecision") || scanner.equals(key, "pricePrecision") {
                        pricePrecision = try decimals(&scanner)
                    } else if scanner.equals(key, "baseAssetPrecision") || scanner.equals(key, "quantityPrecision") {
                        sizePrecision = try decimals(&scanner)
                    } else if scanner.equals(key, "filters") {
                        try scanner.array { (scanner) throws(JSONScanner.Failure) in
                            var type: String?
                            var tickText: String?
                            var stepText: String?
                            try scanner.object { (scanner, key) throws(JSONScanner.Failure) in
                                if scanner.equals(key, "filterType") {
                                    type = text(scanner, try scanner.string())
                                } else if scanner.equals(key, "tickSize") {
                                    tickText = text(scanner, try scanner.string())
                                } else if scanner.equals(key, "stepSize") {
                                    stepText = text(scanner, try scanner.string())
                                } else {
                                    try scanner.skipValue()
                                }
                            }
                            if type == "PRICE_FILTER", let tickText { tick = DecimalScale.parse(tickText) }
                            if type == "LOT_SIZE", let stepText { lot = DecimalScale.parse(stepText) }
                        }
                    } else {
                        try scanner.skipValue()
                    }
                }
                if let symbol, let tick, let step = lot {
                    let sizeDecimals = max(sizePrecision ?? step.written, step.scale.decimals)
                    parsed[symbol] = Entry(
                        tick: tick.scale, lot: DecimalScale(mantissa: 1, decimals: sizeDecimals),
                        priceDisplayDecimals: max(pricePrecision ?? tick.written, tick.scale.decimals),
                        sizeDisplayDecimals: sizeDecimals)
                    found += 1
                }
            }
        }
        for (symbol, entry) in parsed where entries[symbol] == nil { entries[symbol] = entry }
        return found
    }

    /// A precision: a count of decimals, at most 18 (what a price or size on the wire holds).
    private func decimals(_ scanner: inout JSONScanner) throws(JSONScanner.Failure) -> Int {
        let start = scanner.offset
        let value = try scanner.unsigned()
        guard value <= 18 else {
            throw JSONScanner.Failure(offset: start, message: "a precision of \(value) decimals; at most 18")
        }
        return Int(value)
    }

    private func text(_ scanner: JSONScanner, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: scanner.bytes[range]), as: UTF8.self)
    }

    /// The instrument for `symbol` with id `id`, or an error saying how to provide it (without
    /// the tool's name: the caller says where the symbol came from).
    func instrument(_ symbol: String, id: UInt32) throws(InvalidArgument) -> Instrument {
        guard let entry = entries[symbol] else {
            let known =
                sources.isEmpty
                ? "no --instrument or --exchange-info was given"
                : "it is not in \(sources.joined(separator: ", "))"
            throw InvalidArgument(
                "no tick and lot size for \(symbol): \(known); pass --instrument \(symbol):TICK:LOT or "
                    + "--exchange-info FILE"
            )
        }
        return try Instrument(
            id: id, symbol: symbol, tickMantissa: entry.tick.mantissa, tickDecimals: UInt8(entry.tick.decimals),
            lotMantissa: entry.lot.mantissa, lotDecimals: UInt8(entry.lot.decimals),
            priceDisplayDecimals: UInt8(entry.priceDisplayDecimals),
            sizeDisplayDecimals: UInt8(entry.sizeDisplayDecimals))
    }
}
