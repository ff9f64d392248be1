/// An instrument's definition, sent at the start of a stream so that a tool reading frames from
/// a pipe (no session, no control block) knows what the ticks and lots of `header.instrument`
/// are worth.
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------------------------------------------------------+
/// |                 FrameHeader (type = 9), 32 bytes              |  0..31
/// +---------------------------------------------------------------+
/// |                          tickMantissa                         | 32
/// +---------------------------------------------------------------+
/// |                          lotMantissa                          | 36
/// +---------------+---------------+---------------+---------------+
/// | tickDecimals  |  lotDecimals  | priceDisplay  |  sizeDisplay  | 40
/// +---------------+---------------+---------------+---------------+
/// |            symbol (20 bytes of ASCII, NUL-padded)             | 44..63
/// +---------------------------------------------------------------+
/// ```
@frozen
public struct InstrumentDefinition: FrameMessage, Equatable {
    public static var messageType: MessageType { .instrumentDefinition }

    public var header: FrameHeader
    public var tickMantissa: UInt32
    public var lotMantissa: UInt32
    public var tickDecimals: UInt8
    public var lotDecimals: UInt8
    public var priceDisplayDecimals: UInt8
    public var sizeDisplayDecimals: UInt8
    public var symbol: (UInt32, UInt32, UInt32, UInt32, UInt32)

    public init(_ instrument: Instrument, header: FrameHeader = FrameHeader(type: .instrumentDefinition)) {
        self.header = header
        self.header.type = MessageType.instrumentDefinition.rawValue
        self.header.instrument = instrument.id
        tickMantissa = UInt32(clamping: instrument.tickMantissa)
        lotMantissa = UInt32(clamping: instrument.lotMantissa)
        tickDecimals = instrument.tickDecimals
        lotDecimals = instrument.lotDecimals
        priceDisplayDecimals = instrument.priceDisplayDecimals
        sizeDisplayDecimals = instrument.sizeDisplayDecimals
        symbol = (0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &symbol) { raw in
            for (index, byte) in instrument.symbol.utf8.prefix(InstrumentDefinition.symbolCapacity).enumerated() {
                raw[index] = byte
            }
        }
    }

    public static let symbolCapacity = 20

    /// The instrument, or the reason the definition is not a valid one.
    public func instrument() throws(InvalidArgument) -> Instrument {
        let name = withUnsafeBytes(of: symbol) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return try Instrument(
            id: header.instrument, symbol: name, tickMantissa: Int64(tickMantissa), tickDecimals: tickDecimals,
            lotMantissa: Int64(lotMantissa), lotDecimals: lotDecimals, priceDisplayDecimals: priceDisplayDecimals,
            sizeDisplayDecimals: sizeDisplayDecimals)
    }

    public static func == (lhs: InstrumentDefinition, rhs: InstrumentDefinition) -> Bool {
        Frame(lhs) == Frame(rhs)
    }
}
