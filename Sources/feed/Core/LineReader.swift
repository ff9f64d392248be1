import CZlib
import Glibc
import IPC

/// Lines of a text file, gzip-compressed or plain (told by the gzip magic), or of stdin (`-`),
/// handed out as byte buffers without copying or allocating per line.
///
/// Decompression streams through zlib with fixed buffers; a file of several gzip members (as
/// `cat a.gz b.gz` makes) is read to its end. A line longer than `maxLineBytes` is skipped and
/// reported through `onOverlongLine`.
final class LineReader {
    static let maxLineBytes = 4 << 20
    /// Called with the number of a line skipped for its length.
    var onOverlongLine: (Int) -> Void = { _ in }

    let path: String
    private let file: FileDescriptor
    private let compressed: Bool
    @exclusivity(unchecked) private var stream = z_stream()
    private let input: UnsafeMutablePointer<UInt8>
    private let inputSize = 1 << 16
    /// Decompressed (or plain) bytes: `[start, end)` not yet handed out.
    private let buffer: UnsafeMutablePointer<UInt8>
    private let bufferSize = LineReader.maxLineBytes + (1 << 16)
    @exclusivity(unchecked) private var start = 0
    @exclusivity(unchecked) private var end = 0
    @exclusivity(unchecked) private var inputExhausted = false
    @exclusivity(unchecked) private var streamEnded = false
    /// 1-based number of the last line handed out.
    @exclusivity(unchecked) private(set) var lineNumber = 0

    init(path: String) throws(FeedError) {
        self.path = path
        if path == "-" {
            file = FileDescriptor(rawValue: 0, subject: "stdin")
        } else {
            do { file = try FileDescriptor.open(path, .readOnly) } catch { throw .data("feed: \(error)") }
        }
        input = .allocate(capacity: inputSize)
        buffer = .allocate(capacity: bufferSize)
        // Peek the first two bytes for the gzip magic 1f 8b.
        var peeked = 0
        while peeked < 2 {
            let count: Int
            do { count = try file.read(into: input + peeked, count: 2 - peeked) } catch {
                if path != "-" { try? file.close() }
                throw .data("feed: \(error)")
            }
            if count == 0 { break }
            peeked += count
        }
        compressed = peeked == 2 && input[0] == 0x1F && input[1] == 0x8B
        if compressed {
            stream.next_in = input
            stream.avail_in = UInt32(peeked)
            guard czlib_inflate_init(&stream) == Z_OK else { throw .system("feed: \(path): zlib inflateInit failed") }
        } else {
            buffer.update(from: input, count: peeked)
            end = peeked
        }
    }

    deinit {
        if compressed { inflateEnd(&stream) }
        if path != "-" { try? file.close() }
        input.deallocate()
        buffer.deallocate()
    }

    /// The next line without its newline, or nil at the end of the file.
    func nextLine() throws(FeedError) -> UnsafeBufferPointer<UInt8>? {
        var scanned = start
        while true {
            if let newline = memchr(buffer + scanned, 0x0A, end - scanned) {
                let lineEnd = buffer.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                let line = UnsafeBufferPointer(start: buffer + start, count: lineEnd - start)
                start = lineEnd + 1
                lineNumber += 1
                return line
            }
            scanned = end
            if streamEnded {
                guard start < end else { return nil }
                // A last line without a newline.
                let line = UnsafeBufferPointer(start: buffer + start, count: end - start)
                start = end
                lineNumber += 1
                return line
            }
            // Keep the partial line, then fill after it.
            if start > 0 {
                let pending = end - start
                memmove(buffer, buffer + start, pending)
                start = 0
                end = pending
                scanned = pending
            }
            if end >= LineReader.maxLineBytes {
                // Longer than any message: its bytes are dropped up to its newline, and it is
                // reported as a bad line of its own.
                try skipRestOfLine()
                lineNumber += 1
                onOverlongLine(lineNumber)
                scanned = start
                continue
            }
            try fill()
        }
    }

    /// Drops the buffered part of a line and reads on past its newline (or to the end).
    private func skipRestOfLine() throws(FeedError) {
        while true {
            if let newline = memchr(buffer + start, 0x0A, end - start) {
                start = buffer.distance(to: newline.assumingMemoryBound(to: UInt8.self)) + 1
                return
            }
            start = 0
            end = 0
            if streamEnded { return }
            try fill()
        }
    }

    /// Appends more bytes after `end`, or sets `streamEnded`.
    private func fill() throws(FeedError) {
        if !compressed {
            let count: Int
            do { count = try file.read(into: buffer + end, count: bufferSize - end) } catch {
                throw .data("feed: \(error)")
            }
            if count == 0 { streamEnded = true } else { end += count }
            return
        }
        if stream.avail_in == 0 && !inputExhausted {
            let count: Int
            do { count = try file.read(into: input, count: inputSize) } catch { throw .data("feed: \(error)") }
            if count == 0 { inputExhausted = true }
            stream.next_in = input
            stream.avail_in = UInt32(count)
        }
        stream.next_out = buffer + end
        stream.avail_out = UInt32(bufferSize - end)
        let before = stream.avail_out
        let status = inflate(&stream, Z_NO_FLUSH)
        end += Int(before - stream.avail_out)
        switch status {
        case Z_OK:
            return
        case Z_STREAM_END:
            // Another gzip member may follow.
            if stream.avail_in > 0 || !inputExhausted {
                inflateReset(&stream)
                if stream.avail_in == 0 && !inputExhausted {
                    let count: Int
                    do { count = try file.read(into: input, count: inputSize) } catch { throw .data("feed: \(error)") }
                    if count == 0 {
                        inputExhausted = true
                        streamEnded = true
                        return
                    }
                    stream.next_in = input
                    stream.avail_in = UInt32(count)
                }
            } else {
                streamEnded = true
            }
        case Z_BUF_ERROR where inputExhausted:
            throw .data("feed: \(path): gzip data ends early (truncated file?) after line \(lineNumber)")
        case Z_BUF_ERROR:
            return
        default:
            let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
            throw .data("feed: \(path): corrupt gzip data after line \(lineNumber): \(message)")
        }
    }
}
