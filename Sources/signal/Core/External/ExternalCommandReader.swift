import IPC
import Network

/// Reads an external strategy's reply to an event: one line, a JSON array of commands
/// (docs/external.md), prices and sizes as decimal strings exact in the instrument's tick and lot.
///
/// ```text
///   [{"type":"quote","id":1,"bids":[{"price":"61234.00","size":"0.001"}],"asks":[…]},
///    {"type":"order","id":1,"side":"sell","size":"0.002","price":null},
///    {"type":"timer","timer":0,"at_ns":1723075260000000000}]
/// ```
///
/// The whole line is checked before any of it is applied: a line with one bad command does
/// nothing but its error. Fields may come in any order; an unknown one is an error (a misspelt
/// field silently ignored would be a strategy silently wrong). Allocates nothing unless it fails.
struct ExternalCommandReader {
    typealias Failure = JSONScanner.Failure

    enum Kind {
        case quote, cancel, order, timer, cancelTimer
    }

    /// Checks `line`, then applies its commands to `context`; a failure names the byte and what
    /// was wrong, and nothing was applied.
    static func apply(_ line: UnsafeBufferPointer<UInt8>, to context: inout StrategyContext) throws(Failure) {
        try read(line, context: &context, applying: false)
        try read(line, context: &context, applying: true)
    }

    private static func read(
        _ line: UnsafeBufferPointer<UInt8>, context: inout StrategyContext, applying: Bool
    ) throws(Failure) {
        var scanner = JSONScanner(line)
        guard scanner.peek() == 0x5B else {
            throw scanner.failure("expected a JSON array of commands ([] for none)")
        }
        try scanner.array { (scanner) throws(Failure) in
            try command(&scanner, context: &context, applying: applying)
        }
        guard scanner.peek() == nil else { throw scanner.failure("more after the array") }
    }

    /// One command object: its `type` and `id` first (fields come in any order), then the
    /// object read again for the rest, in that instrument's units.
    private static func command(
        _ scanner: inout JSONScanner, context: inout StrategyContext, applying: Bool
    ) throws(Failure) {
        let start = scanner.offset
        var kind: Kind?
        var id: UInt32?
        guard scanner.peek() == 0x7B else { throw scanner.failure("expected a command object") }
        try scanner.object { (scanner, key) throws(Failure) in
            if scanner.equals(key, "type") {
                let value = try scanner.string()
                kind = Kind(scanner, value)
                guard kind != nil else {
                    scanner.offset = value.lowerBound - 1
                    throw scanner.failure(
                        "unknown command \"\(scanner.text(value))\": quote, cancel, order, timer or cancel_timer")
                }
            } else if scanner.equals(key, "id") {
                let at = scanner.offset
                let value = try scanner.unsigned()
                guard value <= UInt64(UInt32.max), context.isDefined(UInt32(value)) else {
                    scanner.offset = at
                    throw scanner.failure("instrument \(value) is not defined")
                }
                id = UInt32(value)
            } else {
                try scanner.skipValue()
            }
        }
        guard let kind else {
            scanner.offset = start
            throw scanner.failure("a command without its \"type\"")
        }
        let end = scanner.offset
        scanner.offset = start
        switch kind {
        case .quote: try quote(&scanner, id: needed(id, &scanner), context: &context, applying: applying)
        case .cancel:
            let id = try needed(id, &scanner)
            try fields(&scanner, "a cancel") { (_, _) throws(Failure) in false }
            if applying { context.quote(id, .none) }
        case .order: try order(&scanner, id: needed(id, &scanner), context: &context, applying: applying)
        case .timer, .cancelTimer: try timer(&scanner, kind: kind, context: &context, applying: applying)
        }
        scanner.offset = end
    }

    /// `{"type":"quote","id":1,"bids":[{"price":…,"size":…},…],"asks":[…]}`: up to 16 levels a
    /// side, best first; one level a side or none is a quote, more a ladder.
    private static func quote(
        _ scanner: inout JSONScanner, id: UInt32, context: inout StrategyContext, applying: Bool
    ) throws(Failure) {
        let instrument = context.instrument(id)
        let start = scanner.offset
        var ladder = QuoteLadder()
        try fields(&scanner, "a quote") { (scanner, key) throws(Failure) in
            guard scanner.equals(key, "bids") || scanner.equals(key, "asks") else { return false }
            let side: Side = scanner.equals(key, "bids") ? .buy : .sell
            try scanner.array { (scanner) throws(Failure) in
                let at = scanner.offset
                var price: Int64?
                var size: Int64?
                try fields(&scanner, "a level") { (scanner, key) throws(Failure) in
                    if scanner.equals(key, "price") {
                        price = try decimal(&scanner, "price", tick(instrument))
                    } else if scanner.equals(key, "size") {
                        size = try decimal(&scanner, "size", lot(instrument))
                    } else {
                        return false
                    }
                    return true
                }
                guard let price, let size, price > 0, size > 0 else {
                    scanner.offset = at
                    throw scanner.failure("a level needs a \"price\" and a \"size\", both above 0")
                }
                let added =
                    side == .buy ? ladder.addBid(price: price, size: size) : ladder.addAsk(price: price, size: size)
                guard added else {
                    scanner.offset = at
                    throw scanner.failure("more than \(QuoteLadder.maxLevels) levels a side")
                }
            }
            return true
        }
        // What is wrong with the whole quote is said at its start.
        if let defect = ladder.defect { throw Failure(offset: start, message: "\(instrument.symbol): \(defect)") }
        if ladder.bidCount > 0, ladder.askCount > 0, ladder.level(.buy, 0).price >= ladder.level(.sell, 0).price {
            throw Failure(offset: start, message: "\(instrument.symbol): the best bid is not below the best ask")
        }
        guard applying else { return }
        if ladder.bidCount <= 1 && ladder.askCount <= 1 {
            let bid = ladder.bidCount == 1 ? ladder.level(.buy, 0) : (price: 0, size: 0)
            let ask = ladder.askCount == 1 ? ladder.level(.sell, 0) : (price: 0, size: 0)
            context.quote(id, Quote(bidPrice: bid.price, bidSize: bid.size, askPrice: ask.price, askSize: ask.size))
        } else {
            context.ladder(id, ladder)
        }
    }

    /// `{"type":"order","id":1,"side":"buy","size":"0.001","price":"61234.00"}`; no price (or
    /// null): a market order.
    private static func order(
        _ scanner: inout JSONScanner, id: UInt32, context: inout StrategyContext, applying: Bool
    ) throws(Failure) {
        let instrument = context.instrument(id)
        let start = scanner.offset
        var side: Side?
        var size: Int64?
        var price: Int64?
        try fields(&scanner, "an order") { (scanner, key) throws(Failure) in
            if scanner.equals(key, "side") {
                let value = try scanner.string()
                side = scanner.equals(value, "buy") ? .buy : scanner.equals(value, "sell") ? .sell : nil
                guard side != nil else {
                    scanner.offset = value.lowerBound - 1
                    throw scanner.failure("\"side\" is \"buy\" or \"sell\"")
                }
            } else if scanner.equals(key, "size") {
                size = try decimal(&scanner, "size", lot(instrument))
            } else if scanner.equals(key, "price") {
                if scanner.peek() == 0x6E {
                    try scanner.skipValue()
                } else {
                    price = try decimal(&scanner, "price", tick(instrument))
                }
            } else {
                return false
            }
            return true
        }
        guard let side, let size, size > 0, price.map({ $0 > 0 }) ?? true else {
            throw Failure(
                offset: start,
                message: "an order needs a \"side\" and a \"size\" above 0 (and a price above 0, or none)")
        }
        if applying { context.order(id, side: side, size: size, price: price) }
    }

    /// `{"type":"timer","timer":0,"at_ns":…}` and `{"type":"cancel_timer","timer":0}`.
    private static func timer(
        _ scanner: inout JSONScanner, kind: Kind, context: inout StrategyContext, applying: Bool
    ) throws(Failure) {
        let start = scanner.offset
        var timer: Int?
        var atNs: Int64?
        try fields(&scanner, "a timer") { (scanner, key) throws(Failure) in
            if scanner.equals(key, "timer") {
                let at = scanner.offset
                let value = try scanner.unsigned()
                guard value < UInt64(StrategyContext.timerSlots) else {
                    scanner.offset = at
                    throw scanner.failure("\"timer\" is 0 to \(StrategyContext.timerSlots - 1)")
                }
                timer = Int(value)
            } else if scanner.equals(key, "at_ns"), kind == .timer {
                atNs = try scanner.signed()
            } else {
                return false
            }
            return true
        }
        guard let timer, kind == .cancelTimer || atNs != nil else {
            throw Failure(
                offset: start,
                message: kind == .timer ? "a timer needs \"timer\" and \"at_ns\"" : "a cancel_timer needs \"timer\"")
        }
        guard applying else { return }
        if let atNs { context.setTimer(timer, atNs: atNs) } else { context.cancelTimer(timer) }
    }

    /// The fields of an object besides `type` and `id` (read already), each handed to `body`,
    /// which reads the value and says true, or false for a field `what` does not have.
    private static func fields(
        _ scanner: inout JSONScanner, _ what: StaticString,
        _ body: (inout JSONScanner, Range<Int>) throws(Failure) -> Bool
    ) throws(Failure) {
        try scanner.object { (scanner, key) throws(Failure) in
            if scanner.equals(key, "type") || scanner.equals(key, "id") {
                try scanner.skipValue()
            } else if try !body(&scanner, key) {
                scanner.offset = key.lowerBound - 1
                throw scanner.failure("\(what) has no field \"\(scanner.text(key))\"")
            }
        }
    }

    private static func needed(_ id: UInt32?, _ scanner: inout JSONScanner) throws(Failure) -> UInt32 {
        guard let id else { throw scanner.failure("a command without its instrument \"id\"") }
        return id
    }

    private static func decimal(_ scanner: inout JSONScanner, _ name: String, _ scale: DecimalScale) throws(Failure)
        -> Int64
    {
        let value = try scanner.string()
        do { return try scale.count(scanner.bytes, value) } catch {
            scanner.offset = value.lowerBound - 1
            throw scanner.failure("\(name) \"\(scanner.text(value))\" \(error)")
        }
    }

    private static func tick(_ instrument: Instrument) -> DecimalScale {
        DecimalScale(mantissa: instrument.tickMantissa, decimals: Int(instrument.tickDecimals))
    }

    private static func lot(_ instrument: Instrument) -> DecimalScale {
        DecimalScale(mantissa: instrument.lotMantissa, decimals: Int(instrument.lotDecimals))
    }
}

extension ExternalCommandReader.Kind {
    init?(_ scanner: JSONScanner, _ value: Range<Int>) {
        if scanner.equals(value, "quote") {
            self = .quote
        } else if scanner.equals(value, "cancel") {
            self = .cancel
        } else if scanner.equals(value, "order") {
            self = .order
        } else if scanner.equals(value, "timer") {
            self = .timer
        } else if scanner.equals(value, "cancel_timer") {
            self = .cancelTimer
        } else {
            return nil
        }
    }
}

extension JSONScanner {
    /// The bytes of `range` as text, for an error line.
    func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range.clamped(to: 0..<bytes.count)]), as: UTF8.self)
    }
}
