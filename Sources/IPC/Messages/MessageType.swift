/// What a frame carries: the first byte of every header.
@frozen
public enum MessageType: UInt8, CaseIterable, Sendable {
    case bookDelta = 1
    case trade = 2
    case bookTop = 3
    case quoteIntent = 4
    case orderCommand = 5
    case executionReport = 6
    case positionSnapshot = 7
    case control = 8
    case instrumentDefinition = 9
    case bookLevels = 10
    case positionPnl = 11
    case orderIntent = 12
}

/// Buy or sell; for book levels, bid or ask.
@frozen
public enum Side: UInt8, Sendable {
    case buy = 1
    case sell = 2

    public static var bid: Side { .buy }
    public static var ask: Side { .sell }

    @inlinable public var opposite: Side { self == .buy ? .sell : .buy }
}
