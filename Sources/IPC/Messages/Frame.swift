/// One 64-byte frame: a header and 32 bytes of payload whose meaning the header's type gives.
///
/// Typed messages (`BookDelta`, `Trade`, ...) have the same size and a header at offset 0;
/// `Frame(message)` and `frame.as(T.self)` convert without copying field by field.
@frozen
public struct Frame: Equatable, Sendable {
    public var header: FrameHeader
    public var payload: (UInt64, UInt64, UInt64, UInt64)

    @inlinable
    public init(header: FrameHeader, payload: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)) {
        self.header = header
        self.payload = payload
    }

    @inlinable
    public init<M: FrameMessage>(_ message: M) {
        self = unsafeBitCast(message, to: Frame.self)
    }

    /// Reinterprets the frame as message `M`; the caller has checked `header.type`.
    @inlinable
    public func `as`<M: FrameMessage>(_: M.Type) -> M {
        unsafeBitCast(self, to: M.self)
    }

    public static func == (lhs: Frame, rhs: Frame) -> Bool {
        lhs.header == rhs.header && lhs.payload == rhs.payload
    }
}

/// A typed 64-byte message: a `FrameHeader` at offset 0 and its own 32-byte payload.
public protocol FrameMessage: Sendable {
    static var messageType: MessageType { get }
    var header: FrameHeader { get set }
}
