import Glibc

/// Session-level signals between stages: heartbeat, halt, resume, flatten, resync, end of stream,
/// book reset, progress.
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------------------------------------------------------+
/// |                 FrameHeader (type = 8), 32 bytes              |  0..31
/// +-------------------------------+-------------------------------+
/// |            command            |            reason             | 32
/// +-------------------------------+-------------------------------+
/// |                           senderPid                           | 36
/// +---------------------------------------------------------------+
/// |                             value                             | 40
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                           reserved                            | 48..63
/// |                                                               |
/// +---------------------------------------------------------------+
/// ```
///
/// `value` is command-specific: the last update id a resync request saw, the frame count
/// at end of stream, the receive time a progress frame vouches for.
@frozen
public struct Control: FrameMessage, Equatable {
    public static var messageType: MessageType { .control }

    @frozen public enum Command: UInt16, Sendable {
        case heartbeat = 1
        case halt = 2
        case resume = 3
        case flatten = 4
        case resyncRequest = 5
        case endOfStream = 6
        /// The feed lost the venue (a reconnect): the instrument's book is invalid until the
        /// next snapshot.
        case bookReset = 7
        /// Every frame the sender will derive from market messages received at or before `value`
        /// (ns, as in `receiveTimeNs`) was written before this one: `book --progress` writes one
        /// after each batch, and exec, reading the market from feed's ring, merges by it.
        case progress = 8
    }

    public var header: FrameHeader
    /// The wire value of `command`: enums are stored raw, since Swift keeps an enum as its case index.
    public var commandRaw: UInt16
    public var reason: UInt16
    public var senderPid: Int32
    public var value: Int64
    public var reserved: (UInt64, UInt64) = (0, 0)

    @inlinable public var command: Command {
        get { Command(rawValue: commandRaw)! }
        set { commandRaw = newValue.rawValue }
    }

    @inlinable
    public init(header: FrameHeader, command: Command, reason: UInt16 = 0, senderPid: Int32, value: Int64 = 0) {
        self.header = header
        self.header.type = MessageType.control.rawValue
        self.commandRaw = command.rawValue
        self.reason = reason
        self.senderPid = senderPid
        self.value = value
    }

    /// A progress frame from this process: everything it derives from (or stamps before) `through`
    /// is ahead of it; book's, signal's and exec's (`--progress`).
    public static func progress(through: Int64) -> Control {
        Control(
            header: FrameHeader(type: .control, flags: .endOfMessage, receiveTimeNs: through), command: .progress,
            senderPid: getpid(), value: through)
    }

    public static func == (lhs: Control, rhs: Control) -> Bool {
        lhs.header == rhs.header && lhs.commandRaw == rhs.commandRaw && lhs.reason == rhs.reason
            && lhs.senderPid == rhs.senderPid && lhs.value == rhs.value
    }
}
