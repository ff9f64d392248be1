/// The 64-byte header that opens a frame stream on a pipe or in a capture file.
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------------------------------------------------------+
/// |                     magic "TPSTRM\0\1"                        |  0
/// |                                                               |
/// +---------------+---------------+-------------------------------+
/// | layoutVersion |   reserved    |           frameSize           |  8
/// +---------------+---------------+-------------------------------+
/// |                           writerPid                           | 12
/// +---------------------------------------------------------------+
/// |                    createdTimeNs (realtime)                   | 16
/// |                                                               |
/// +---------------------------------------------------------------+
/// |                         reserved to 64                        | 24..63
/// +---------------------------------------------------------------+
/// ```
///
/// Frames follow back to back, 64 bytes each; the stream ends at end of file. The header is
/// one frame long so that every frame after it stays 64-byte aligned in a buffer.
@frozen
public struct FrameStreamHeader: Equatable, Sendable {
    /// "TPSTRM" followed by 0x00 0x01, read as a little-endian UInt64.
    public static let magicValue: UInt64 = 0x0100_4D52_5453_5054

    public var magic: UInt64
    public var layoutVersion: UInt8
    public var reserved0: UInt8 = 0
    public var frameSize: UInt16
    public var writerPid: Int32
    public var createdTimeNs: Int64
    public var reserved: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)

    public init(writerPid: Int32, createdTimeNs: Int64) {
        magic = FrameStreamHeader.magicValue
        layoutVersion = FrameLayout.version
        frameSize = UInt16(FrameLayout.frameSize)
        self.writerPid = writerPid
        self.createdTimeNs = createdTimeNs
    }

    public static func == (lhs: FrameStreamHeader, rhs: FrameStreamHeader) -> Bool {
        lhs.magic == rhs.magic && lhs.layoutVersion == rhs.layoutVersion && lhs.frameSize == rhs.frameSize
            && lhs.writerPid == rhs.writerPid && lhs.createdTimeNs == rhs.createdTimeNs
    }
}
