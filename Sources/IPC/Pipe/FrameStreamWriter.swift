import Glibc

/// Writes frames to a pipe or file as a frame stream: the stream header, then frames.
///
/// Like a ring, the stream owns `FrameHeader.sequence`: frame n of the stream carries n, so a
/// reader can tell a missing or repeated frame in a capture.
///
/// Frames are gathered in a fixed 64 KiB buffer (a Linux pipe's default capacity) and written
/// with one `write` per 1024 frames, or sooner at `flush()`, which a tool calls at the end of
/// each duty cycle so that a quiet stream is not held back. One write per frame costs a system
/// call each; batching carries many times more frames per second (see BENCHMARKS.md).
public final class FrameStreamWriter {
    public static let batchFrames = 1024

    public let descriptor: FileDescriptor
    @usableFromInline let buffer: UnsafeMutablePointer<Frame>
    @exclusivity(unchecked) @usableFromInline var count = 0
    @usableFromInline let batchLimit: Int
    @exclusivity(unchecked) @usableFromInline var nextSequence: UInt64 = 0

    /// Writes the stream header at once. `batchFrames: 1` writes every frame on its own.
    public init(fd: Int32, subject: String = "stdout", batchFrames: Int = FrameStreamWriter.batchFrames)
        throws(SystemError)
    {
        precondition(batchFrames >= 1 && batchFrames <= FrameStreamWriter.batchFrames)
        var header = FrameStreamHeader(writerPid: getpid(), createdTimeNs: SystemClock.realtimeNanoseconds())
        let descriptor = FileDescriptor(rawValue: fd, subject: subject)
        try withUnsafeBytes(of: &header) { (bytes) throws(SystemError) in
            try descriptor.writeAll(bytes.baseAddress!, count: bytes.count)
        }
        self.descriptor = descriptor
        self.batchLimit = batchFrames
        buffer = .allocate(capacity: FrameStreamWriter.batchFrames)
    }

    deinit { buffer.deallocate() }

    /// Appends a frame, writing the batch out when it is full.
    @inlinable
    public func write(_ frame: Frame) throws(SystemError) {
        buffer[count] = frame
        buffer[count].header.sequence = nextSequence
        nextSequence &+= 1
        count &+= 1
        if count == batchLimit { try flush() }
    }

    @inlinable
    public func write<M: FrameMessage>(_ message: M) throws(SystemError) {
        try write(Frame(message))
    }

    /// Writes out the frames gathered so far.
    public func flush() throws(SystemError) {
        guard count > 0 else { return }
        let bytes = count * FrameLayout.frameSize
        count = 0
        try descriptor.writeAll(UnsafeRawPointer(buffer), count: bytes)
    }

    /// Frames waiting in the buffer.
    public var pending: Int { count }
}
