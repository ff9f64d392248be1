/// The 32-byte header that opens every 64-byte frame.
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------+---------------+-------------------------------+
/// |     type      |    version    |             flags             |  0
/// +---------------+---------------+-------------------------------+
/// |          instrument           |              bot              |  4
/// +-------------------------------+-------------------------------+
/// |                           sequence                            |  8
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                         eventTimeNs                           | 16
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                        receiveTimeNs                          | 24
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                 payload: 32 bytes, by type                    | 32..63
/// ```
///
/// - `type`: a `MessageType` raw value; `version`: `FrameLayout.version`.
/// - `instrument`: the id in the session's instrument table (0 for session-wide frames).
/// - `bot`: whose account an order's frame is (an intent, a command, a report, a position):
///   0 ... `FrameLayout.maxBots` − 1, the index of its bot in the session (0 with one bot and for
///   the market's frames).
/// - `sequence`: assigned by the frame's writer, +1 per frame on one stream.
/// - `eventTimeNs`: the venue's event time, Unix epoch ns (0 when the venue gives none).
/// - `receiveTimeNs`: when the originating data reached this host, `CLOCK_REALTIME` ns;
///   stages copy it forward so that tick-to-quote latency can be read off any frame.
@frozen
public struct FrameHeader: Equatable, Sendable {
    public var type: UInt8
    public var version: UInt8
    public var flags: FrameFlags
    /// The wire value of `instrument`: 16 bits (a session has at most 64 instruments).
    public var instrumentRaw: UInt16
    public var bot: UInt16
    public var sequence: UInt64
    public var eventTimeNs: Int64
    public var receiveTimeNs: Int64

    @inlinable
    public init(
        type: MessageType, flags: FrameFlags = [], instrument: UInt32 = 0, bot: UInt16 = 0, sequence: UInt64 = 0,
        eventTimeNs: Int64 = 0, receiveTimeNs: Int64 = 0
    ) {
        self.type = type.rawValue
        self.version = FrameLayout.version
        self.flags = flags
        self.instrumentRaw = UInt16(truncatingIfNeeded: instrument)
        self.bot = bot
        self.sequence = sequence
        self.eventTimeNs = eventTimeNs
        self.receiveTimeNs = receiveTimeNs
    }

    /// The id in the session's instrument table (at most `Instrument.idSlots` − 1, which 16
    /// bits hold: a larger one is stored modulo 2^16, which no table holds either).
    @inlinable
    public var instrument: UInt32 {
        get { UInt32(instrumentRaw) }
        set { instrumentRaw = UInt16(truncatingIfNeeded: newValue) }
    }

    /// The decoded type, or `nil` for a value no layout of this version defines.
    @inlinable
    public var messageType: MessageType? { MessageType(rawValue: type) }

    /// True for the last frame of a message: one marked `endOfMessage`, or any frame but a book
    /// delta or levels, a position snapshot or a quote intent (only a depth message, a position
    /// snapshot with its `PositionPnl` and a ladder of quote intents span several frames).
    @inlinable
    public var endsMessage: Bool {
        flags.contains(.endOfMessage)
            || !(isBookChange || type == MessageType.positionSnapshot.rawValue
                || type == MessageType.quoteIntent.rawValue)
    }

    /// A `BookDelta` or `BookLevels` frame: part of a depth message.
    @inlinable
    public var isBookChange: Bool {
        type == MessageType.bookDelta.rawValue || type == MessageType.bookLevels.rawValue
    }
}

/// Bits of `FrameHeader.flags`: the first three mean the same in every message type, the
/// level bits only in `BookLevels` (any other frame with one set is malformed).
///
/// The constants here and in `FrameLayout` are inlinable computed properties, not stored
/// `static let`s: another module reads a stored one through a call to its lazy accessor, once
/// per use, on every frame.
@frozen
public struct FrameFlags: OptionSet, Equatable, Sendable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The last frame of one venue message (a depth update spans one frame per level):
    /// a reader applies the frames up to here as one change before it publishes.
    @inlinable public static var endOfMessage: FrameFlags { FrameFlags(rawValue: 1 << 0) }
    /// The frame belongs to a full book snapshot rather than a diff.
    @inlinable public static var snapshot: FrameFlags { FrameFlags(rawValue: 1 << 1) }
    /// A book delta that carries update ids and no level: a venue event whose bid and ask lists
    /// were both empty, still needed to keep the update-id chain unbroken.
    @inlinable public static var idOnly: FrameFlags { FrameFlags(rawValue: 1 << 2) }
    /// `BookLevels` only: its first level is an ask (else a bid).
    @inlinable public static var firstLevelAsk: FrameFlags { FrameFlags(rawValue: 1 << 3) }
    /// `BookLevels` only: its second level is an ask (else a bid).
    @inlinable public static var secondLevelAsk: FrameFlags { FrameFlags(rawValue: 1 << 4) }
    /// `BookLevels` only: it holds a second level.
    @inlinable public static var secondLevel: FrameFlags { FrameFlags(rawValue: 1 << 5) }
    /// Every bit any frame of this layout version may set.
    /// (Not an array literal: a debug build would allocate the array on every use.)
    @inlinable public static var known: FrameFlags {
        FrameFlags(rawValue: endOfMessage.rawValue | snapshot.rawValue | idOnly.rawValue | levelBits.rawValue)
    }
    /// The bits only a `BookLevels` frame may set.
    @inlinable public static var levelBits: FrameFlags {
        FrameFlags(rawValue: firstLevelAsk.rawValue | secondLevelAsk.rawValue | secondLevel.rawValue)
    }
}

/// Facts that hold for every frame.
public enum FrameLayout {
    /// The layout version written into every header and every segment; bump on any change.
    @inlinable public static var version: UInt8 { 5 }
    /// How many bots a session's frames can name (`FrameHeader.bot`).
    @inlinable public static var maxBots: Int { 16 }
    /// Every frame is exactly one 64-byte cache line.
    @inlinable public static var frameSize: Int { 64 }
    @inlinable public static var headerSize: Int { 32 }
    @inlinable public static var payloadSize: Int { 32 }
    /// The largest price (ticks) and size (lots) a frame carries, 10^18 - 1: under 2^63 / 9, so
    /// a sum of a few never overflows 64 bits, and a product of two (a notional, ticks × lots)
    /// always fits the 128 bits money is kept in. feed refuses anything larger.
    @inlinable public static var maxQuantity: Int64 { 999_999_999_999_999_999 }
    /// The latest time a frame carries, 2100-01-01T00:00:00Z in Unix epoch ns: a receive time
    /// past it is refused where it enters, so times plus any interval the stages add (a second,
    /// a latency) stay far from Int64's end (2262).
    @inlinable public static var maxTimeNs: Int64 { 4_102_444_800_000_000_000 }
}
