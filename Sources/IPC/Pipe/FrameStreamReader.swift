import Glibc

/// Reads a frame stream from a pipe or file, checking it as it goes.
///
/// The stream header must come first (magic, layout version, frame size) and every frame must
/// pass `FrameValidator` and carry its index in the stream as its sequence; anything else is a
/// `FrameStreamError` naming the byte offset, and no frame at or after the defect is handed out.
/// One `read` fills a 64 KiB buffer, so a busy stream costs one system call per 1024 frames; a
/// regular file can instead be mapped whole (`init(mapping:subject:)`): no system call and no
/// kernel copy at all once it is open.
public final class FrameStreamReader {
    public let descriptor: FileDescriptor
    public var subject: String { descriptor.subject }
    @usableFromInline let buffer: UnsafeMutableRawPointer
    @usableFromInline let bufferSize: Int
    /// `buffer` is the file mapped read-only (`munmap` it), not an allocation read into.
    private let isMapping: Bool
    /// Valid bytes in `buffer`, and how many of them have been handed out.
    @exclusivity(unchecked) @usableFromInline var filled = 0
    @exclusivity(unchecked) @usableFromInline var consumed = 0
    /// Stream offset of `buffer[0]`.
    @exclusivity(unchecked) @usableFromInline var bufferOffset = 0
    @exclusivity(unchecked) @usableFromInline var headerChecked = false
    @exclusivity(unchecked) @usableFromInline var reachedEnd = false
    /// Frames after `consumed` that `peek` has checked; the sequence the next one to check carries.
    @exclusivity(unchecked) @usableFromInline var checked = 0
    @exclusivity(unchecked) @usableFromInline var expectedSequence: UInt64 = 0
    /// The stream header, once read.
    @exclusivity(unchecked) public private(set) var streamHeader: FrameStreamHeader?

    public init(fd: Int32, subject: String = "stdin") {
        descriptor = FileDescriptor(rawValue: fd, subject: subject)
        bufferSize = FrameStreamWriter.batchFrames * FrameLayout.frameSize
        buffer = .allocate(byteCount: bufferSize, alignment: 64)
        isMapping = false
    }

    /// Reads the regular file open on `fd` through one read-only mapping of all of it, loaded
    /// into memory up front (`MAP_POPULATE`) when it is at most `populateLimit` bytes: the
    /// checks are the same, the bytes are never copied by the kernel. An empty file, or one
    /// that cannot be mapped, is read with `read(2)` instead.
    public convenience init(mapping fd: Int32, subject: String, populateLimit: Int = 1 << 30) {
        let file = FileDescriptor(rawValue: fd, subject: subject)
        guard let info = try? file.status(), info.st_mode & S_IFMT == S_IFREG, info.st_size > 0,
            let base = try? file.map(
                length: Int(info.st_size), writable: false, populate: Int(info.st_size) <= populateLimit)
        else {
            self.init(fd: fd, subject: subject)
            return
        }
        madvise(base, Int(info.st_size), MADV_SEQUENTIAL)
        self.init(fd: fd, subject: subject, mapped: base, length: Int(info.st_size))
    }

    private init(fd: Int32, subject: String, mapped: UnsafeMutableRawPointer, length: Int) {
        descriptor = FileDescriptor(rawValue: fd, subject: subject)
        buffer = mapped
        bufferSize = length
        isMapping = true
        filled = length
        reachedEnd = true // all of it is there: nothing to read
    }

    deinit {
        if isMapping { munmap(buffer, bufferSize) } else { buffer.deallocate() }
    }

    public enum ReadResult: Equatable, Sendable {
        /// This many frames were handed to the handler (at least one).
        case frames(Int)
        /// The stream ended cleanly after a whole frame.
        case endOfStream
        /// Nothing arrived within the timeout.
        case nothingYet
    }

    /// Hands up to `limit` frames to `handler`. Waits for the first at most `timeoutMs`
    /// (`poll(2)`; -1 waits for ever), then returns `.nothingYet`.
    public func read(
        limit: Int, timeoutMs: Int32 = -1, _ handler: (UnsafePointer<Frame>) -> Void
    ) throws(FrameStreamError) -> ReadResult {
        switch try peek(limit: limit, timeoutMs: timeoutMs) {
        case .frames(let frames):
            for index in 0..<frames.count { handler(frames.baseAddress! + index) }
            consume(frames.count)
            return .frames(frames.count)
        case .endOfStream:
            return .endOfStream
        case .nothingYet:
            return .nothingYet
        }
    }

    public enum Peek {
        /// Checked frames, in place.
        case frames(UnsafeBufferPointer<Frame>)
        case endOfStream
        case nothingYet
    }

    /// Up to `limit` frames after the last one consumed, checked and left in place: a view into
    /// the mapping or the buffer, valid until the next call to this reader. `consume` hands
    /// them out; peeking again without consuming sees them again (checked once). The frames
    /// before a defect are peeked first; the defect is thrown once they are consumed.
    public func peek(limit: Int, timeoutMs: Int32 = -1) throws(FrameStreamError) -> Peek {
        while true {
            if !headerChecked && filled - consumed >= FrameLayout.frameSize { try checkHeader() }
            if headerChecked {
                var offset = consumed + checked * FrameLayout.frameSize
                while checked < limit && filled - offset >= FrameLayout.frameSize {
                    let frame = buffer + offset
                    if !FrameValidator.isWellFormed(frame) {
                        if checked > 0 { break }
                        throw FrameStreamError.badFrame(
                            subject: subject, index: expectedSequence, offset: bufferOffset + offset,
                            defect: FrameValidator.defect(in: frame) ?? "malformed")
                    }
                    let sequence = frame.load(fromByteOffset: RingDescriptor.slotSequenceOffset, as: UInt64.self)
                    if sequence != expectedSequence {
                        if checked > 0 { break }
                        throw FrameStreamError.badFrame(
                            subject: subject, index: expectedSequence, offset: bufferOffset + offset,
                            defect: "sequence \(sequence), expected \(expectedSequence): a frame is missing or repeated"
                        )
                    }
                    expectedSequence &+= 1
                    checked += 1
                    offset += FrameLayout.frameSize
                }
                if checked > 0 {
                    let first = (buffer + consumed).assumingMemoryBound(to: Frame.self)
                    return .frames(UnsafeBufferPointer(start: first, count: min(checked, limit)))
                }
            }
            if reachedEnd {
                let partial = filled - consumed
                if partial == 0 && headerChecked { return .endOfStream }
                if partial == 0 { throw FrameStreamError.empty(subject: subject) }
                if !headerChecked && partial >= 8
                    && buffer.load(as: UInt64.self) != FrameStreamHeader.magicValue
                {
                    throw FrameStreamError.notAFrameStream(subject: subject, found: buffer.load(as: UInt64.self))
                }
                throw FrameStreamError.truncated(
                    subject: subject, offset: bufferOffset + consumed, have: partial, need: FrameLayout.frameSize)
            }
            if timeoutMs >= 0, try !awaitReadable(timeoutMs: timeoutMs) { return .nothingYet }
            try refill()
        }
    }

    /// Hands out the first `count` frames `peek` showed: the next peek starts after them.
    public func consume(_ count: Int) {
        precondition(count >= 0 && count <= checked, "consume(\(count)): only \(checked) frames were peeked")
        consumed += count * FrameLayout.frameSize
        checked -= count
    }

    /// `poll(2)` for input: true when a read will not block.
    private func awaitReadable(timeoutMs: Int32) throws(FrameStreamError) -> Bool {
        do { return try descriptor.await(POLLIN, timeoutMs: timeoutMs) } catch { throw FrameStreamError.system(error) }
    }

    /// Moves the partial frame (if any) to the front and reads more.
    private func refill() throws(FrameStreamError) {
        let partial = filled - consumed
        if partial > 0 && consumed > 0 { buffer.copyMemory(from: buffer + consumed, byteCount: partial) }
        bufferOffset += consumed
        consumed = 0
        filled = partial
        do {
            let count = try descriptor.read(into: buffer + filled, count: bufferSize - filled)
            if count == 0 { reachedEnd = true } else { filled += count }
        } catch {
            throw FrameStreamError.system(error)
        }
    }

    private func checkHeader() throws(FrameStreamError) {
        let header = buffer.load(as: FrameStreamHeader.self)
        guard header.magic == FrameStreamHeader.magicValue else {
            throw FrameStreamError.notAFrameStream(subject: subject, found: header.magic)
        }
        guard header.layoutVersion == FrameLayout.version else {
            throw FrameStreamError.wrongVersion(subject: subject, found: header.layoutVersion)
        }
        guard header.frameSize == UInt16(FrameLayout.frameSize) else {
            throw FrameStreamError.wrongFrameSize(subject: subject, found: header.frameSize)
        }
        streamHeader = header
        headerChecked = true
        consumed += FrameLayout.frameSize
    }
}

/// What is wrong with a frame stream; one line, naming the stream and the byte offset.
public enum FrameStreamError: Error, CustomStringConvertible, Equatable {
    case empty(subject: String)
    case notAFrameStream(subject: String, found: UInt64)
    case wrongVersion(subject: String, found: UInt8)
    case wrongFrameSize(subject: String, found: UInt16)
    case truncated(subject: String, offset: Int, have: Int, need: Int)
    case badFrame(subject: String, index: UInt64, offset: Int, defect: String)
    case system(SystemError)

    public var description: String {
        switch self {
        case .empty(let subject):
            return "\(subject): empty input, expected a tickpipe frame stream"
        case .notAFrameStream(let subject, let found):
            var bytes = found
            let text = withUnsafeBytes(of: &bytes) { raw in
                raw.map { $0 >= 0x20 && $0 < 0x7F ? String(UnicodeScalar($0)) : "." }.joined()
            }
            return "\(subject): not a tickpipe frame stream (first bytes '\(text)', expected 'TPSTRM..')"
        case .wrongVersion(let subject, let found):
            return "\(subject): frame stream layout version \(found), this build speaks \(FrameLayout.version)"
        case .wrongFrameSize(let subject, let found):
            return "\(subject): frame stream frame size \(found), this build expects \(FrameLayout.frameSize)"
        case .truncated(let subject, let offset, let have, let need):
            let what = offset == 0 ? "stream header" : "frame"
            return
                "\(subject): truncated \(what) at byte \(offset): stream ended \(have) bytes into a \(need)-byte "
                + "\(what)"
        case .badFrame(let subject, let index, let offset, let defect):
            return "\(subject): bad frame \(index) at byte \(offset): \(defect)"
        case .system(let error):
            return "\(error)"
        }
    }
}
