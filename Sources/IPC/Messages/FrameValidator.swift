/// Checks a frame from outside the process (a pipe, a file) before any typed view of it is
/// made: an enum field holding a value its type does not define must never be loaded.
///
/// Frames from a ring need no such check: the ring's attach validated the writer's layout
/// version, and the writer is one of ours.
public enum FrameValidator {
    /// True if the frame is well-formed: the market-data messages that make up nearly every
    /// frame of a stream are checked here in a few instructions, the rest by `defect(in:)`.
    @inlinable
    public static func isWellFormed(_ frame: UnsafeRawPointer) -> Bool {
        let type = frame.load(fromByteOffset: 0, as: UInt8.self)
        let version = frame.load(fromByteOffset: 1, as: UInt8.self)
        let flags = frame.load(fromByteOffset: 2, as: UInt16.self)
        guard version == FrameLayout.version && flags & ~FrameFlags.known.rawValue == 0 else { return false }
        guard frame.load(fromByteOffset: 6, as: UInt16.self) < FrameLayout.maxBots else { return false }
        // 0 ... maxTimeNs in one unsigned comparison: a negative time is a huge unsigned one.
        guard frame.load(fromByteOffset: 24, as: UInt64.self) <= UInt64(FrameLayout.maxTimeNs) else { return false }
        if type == MessageType.bookLevels.rawValue { return levelsDefect(in: frame, flags: flags) == nil }
        guard flags & FrameFlags.levelBits.rawValue == 0 else { return false }
        switch type {
        case MessageType.bookDelta.rawValue:
            return Side(rawValue: frame.load(fromByteOffset: 60, as: UInt8.self)) != nil
                && (flags & FrameFlags.idOnly.rawValue != 0 || level(in: frame, at: 32))
        case MessageType.trade.rawValue:
            return Side(rawValue: frame.load(fromByteOffset: 56, as: UInt8.self)) != nil
                && level(in: frame, at: 32) && frame.load(fromByteOffset: 40, as: Int64.self) != 0
        case MessageType.bookTop.rawValue:
            return true
        default:
            return defect(in: frame) == nil
        }
    }

    /// Returns what is wrong with the frame, or nil if every field is well-formed.
    public static func defect(in frame: UnsafeRawPointer) -> String? {
        let type = frame.load(fromByteOffset: 0, as: UInt8.self)
        let version = frame.load(fromByteOffset: 1, as: UInt8.self)
        let flags = frame.load(fromByteOffset: 2, as: UInt16.self)
        guard version == FrameLayout.version else {
            return "layout version \(version), expected \(FrameLayout.version)"
        }
        guard let messageType = MessageType(rawValue: type) else {
            return "unknown message type \(type)"
        }
        guard flags & ~FrameFlags.known.rawValue == 0 else {
            return "unknown flag bits 0x\(String(flags, radix: 16))"
        }
        let bot = frame.load(fromByteOffset: 6, as: UInt16.self)
        guard bot < FrameLayout.maxBots else {
            return "bot \(bot) outside 0 ... \(FrameLayout.maxBots - 1)"
        }
        let receiveTime = frame.load(fromByteOffset: 24, as: Int64.self)
        guard receiveTime >= 0 && receiveTime <= FrameLayout.maxTimeNs else {
            return "receive time \(receiveTime) ns outside 0 ... \(FrameLayout.maxTimeNs) (1970 to 2100)"
        }
        if messageType == .bookLevels { return levelsDefect(in: frame, flags: flags) }
        guard flags & FrameFlags.levelBits.rawValue == 0 else {
            return
                "\(messageType) with book-level flag bits 0x\(String(flags & FrameFlags.levelBits.rawValue, radix: 16))"
        }
        func byte(_ offset: Int) -> UInt8 { frame.load(fromByteOffset: offset, as: UInt8.self) }
        func side(_ offset: Int, _ field: String) -> String? {
            Side(rawValue: byte(offset)) == nil ? "\(messageType) \(field) \(byte(offset)) is not a side" : nil
        }
        func quantities(_ offset: Int) -> String? {
            level(in: frame, at: offset)
                ? nil
                : "\(messageType) price \(frame.load(fromByteOffset: offset, as: Int64.self)) ticks or size "
                    + "\(frame.load(fromByteOffset: offset + 8, as: Int64.self)) lots outside 1 ... "
                    + "\(FrameLayout.maxQuantity) and 0 ... \(FrameLayout.maxQuantity)"
        }
        switch messageType {
        case .bookDelta:
            return side(60, "side") ?? (flags & FrameFlags.idOnly.rawValue != 0 ? nil : quantities(32))
        case .bookLevels:
            return nil // checked above
        case .trade:
            if let problem = side(56, "aggressor") ?? quantities(32) { return problem }
            return frame.load(fromByteOffset: 40, as: Int64.self) == 0 ? "trade of size 0" : nil
        case .bookTop, .quoteIntent, .positionSnapshot, .positionPnl, .instrumentDefinition:
            return nil
        case .orderCommand:
            if OrderCommand.Command(rawValue: byte(32)) == nil { return "orderCommand command \(byte(32)) is unknown" }
            if let problem = side(33, "side") { return problem }
            if OrderCommand.OrderType(rawValue: byte(34)) == nil {
                return "orderCommand orderType \(byte(34)) is unknown"
            }
            if OrderCommand.TimeInForce(rawValue: byte(35)) == nil {
                return "orderCommand timeInForce \(byte(35)) is unknown"
            }
            return nil
        case .executionReport:
            if ExecutionReport.Report(rawValue: byte(32)) == nil {
                return "executionReport report \(byte(32)) is unknown"
            }
            if let problem = side(33, "side") { return problem }
            let reason = frame.load(fromByteOffset: 34, as: UInt16.self)
            if ExecutionReport.RejectReason(rawValue: reason) == nil {
                return "executionReport rejectReason \(reason) is unknown"
            }
            return nil
        case .control:
            let command = frame.load(fromByteOffset: 32, as: UInt16.self)
            return Control.Command(rawValue: command) == nil ? "control command \(command) is unknown" : nil
        case .orderIntent:
            return frame.load(as: OrderIntent.self).defect.map { "orderIntent \($0)" }
        }
    }

    /// The price at `offset` is in 1 ... `maxQuantity` ticks and the size after it in
    /// 0 ... `maxQuantity` lots: what feed makes, so a book never holds a negative size or a
    /// price of zero. Unsigned comparisons: a negative number is a huge unsigned one.
    @inlinable
    static func level(in frame: UnsafeRawPointer, at offset: Int) -> Bool {
        let price = UInt64(bitPattern: frame.load(fromByteOffset: offset, as: Int64.self))
        let size = UInt64(bitPattern: frame.load(fromByteOffset: offset + 8, as: Int64.self))
        return price &- 1 < UInt64(FrameLayout.maxQuantity) && size <= UInt64(FrameLayout.maxQuantity)
    }

    /// A `BookLevels` frame carries one level (price and size in range) or two; without a
    /// second level it has neither its side nor its price and size.
    @usableFromInline
    static func levelsDefect(in frame: UnsafeRawPointer, flags: UInt16) -> String? {
        guard level(in: frame, at: 32) else {
            return "bookLevels first level price or size outside what the wire holds"
        }
        guard flags & FrameFlags.secondLevel.rawValue == 0 else {
            return level(in: frame, at: 48) ? nil : "bookLevels second level price or size outside what the wire holds"
        }
        if flags & FrameFlags.secondLevelAsk.rawValue != 0 {
            return "bookLevels with a second side but no second level"
        }
        let price = frame.load(fromByteOffset: 48, as: Int64.self)
        let size = frame.load(fromByteOffset: 56, as: Int64.self)
        return price != 0 || size != 0 ? "bookLevels with a second price or size but no second level" : nil
    }
}
