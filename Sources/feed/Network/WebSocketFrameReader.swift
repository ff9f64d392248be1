import Glibc

/// RFC 6455 server frames from a byte stream: data messages (fragments reassembled), pings and
/// close frames handed to the client to answer, unsolicited pongs skipped. Bytes arrive into
/// `freeSpace()`; messages are handed out in place from fixed buffers, valid until the next
/// call: no allocation per message. Every length is checked against `maxMessageBytes`.
///
/// ```text
///   0                   1                   2                   3
///   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///  +-+-+-+-+-------+-+-------------+-------------------------------+
///  |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
///  |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
///  |N|V|V|V|       |S|             |   (if payload len==126/127)   |
///  | |1|2|3|       |K|             |                               |
///  +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
///  |     Extended payload length continued, if payload len == 127  |
///  + - - - - - - - - - - - - - - - +-------------------------------+
///  |                               |Masking-key, if MASK set to 1  |
///  +-------------------------------+-------------------------------+
///  | Masking-key (continued)       |          Payload Data         |
///  +-------------------------------- - - - - - - - - - - - - - - - +
/// ```
final class WebSocketFrameReader {
    static let maxMessageBytes = 8 << 20

    enum Frame {
        /// A text or binary message.
        case message(UnsafeBufferPointer<UInt8>)
        /// A ping: the client answers with a pong carrying `payload`.
        case ping(UnsafeBufferPointer<UInt8>)
        /// A close frame: its code and reason, and the code to echo back (0 or 2 bytes).
        case close(reason: String, echo: UnsafeBufferPointer<UInt8>)
    }

    private let buffer: UnsafeMutablePointer<UInt8>
    let bufferSize = WebSocketFrameReader.maxMessageBytes + (1 << 16)
    @exclusivity(unchecked) private var start = 0
    @exclusivity(unchecked) private var end = 0
    /// A fragmented message being put together.
    private let assembly: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var assembled = 0
    @exclusivity(unchecked) private var assembling = false

    init() {
        buffer = .allocate(capacity: bufferSize)
        assembly = .allocate(capacity: WebSocketFrameReader.maxMessageBytes)
    }

    deinit {
        buffer.deallocate()
        assembly.deallocate()
    }

    /// Bytes received and not yet taken as frames (the handshake's response head reads them).
    var unread: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: buffer + start, count: end - start) }

    /// Takes `count` unread bytes as read (the handshake's head).
    func skip(_ count: Int) {
        precondition(count <= end - start)
        start += count
    }

    /// Room for the next bytes from the socket (the unread ones moved to the front first).
    func freeSpace() throws(NetworkError) -> UnsafeMutableRawBufferPointer {
        if start > 0 {
            memmove(buffer, buffer + start, end - start)
            end -= start
            start = 0
        }
        guard end < bufferSize else {
            throw .data("WebSocket frame larger than \(WebSocketFrameReader.maxMessageBytes) bytes")
        }
        return UnsafeMutableRawBufferPointer(start: buffer + end, count: bufferSize - end)
    }

    /// `count` bytes were written into the last `freeSpace()`.
    func received(_ count: Int) {
        precondition(count >= 0 && end + count <= bufferSize)
        end += count
    }

    /// The next frame for the client, or nil when the rest is not all there yet.
    func next() throws(NetworkError) -> Frame? {
        while end - start >= 2 {
            let first = buffer[start]
            let second = buffer[start + 1]
            let fin = first & 0x80 != 0
            let opcode = first & 0x0F
            guard first & 0x70 == 0 else {
                throw .data("WebSocket frame with reserved bits set (no extension was negotiated)")
            }
            guard second & 0x80 == 0 else {
                throw .data("WebSocket server frame is masked (RFC 6455 5.1 forbids it)")
            }
            var length = Int(second & 0x7F)
            var headerLength = 2
            if length == 126 {
                guard end - start >= 4 else { return nil }
                length = Int(buffer[start + 2]) << 8 | Int(buffer[start + 3])
                headerLength = 4
            } else if length == 127 {
                guard end - start >= 10 else { return nil }
                var value: UInt64 = 0
                for index in 0..<8 { value = value << 8 | UInt64(buffer[start + 2 + index]) }
                guard value <= UInt64(WebSocketFrameReader.maxMessageBytes) else {
                    throw .data(
                        "WebSocket frame of \(value) bytes, the limit is \(WebSocketFrameReader.maxMessageBytes)")
                }
                length = Int(value)
                headerLength = 10
            }
            guard end - start >= headerLength + length else { return nil }
            let payload = UnsafeBufferPointer(start: buffer + start + headerLength, count: length)
            start += headerLength + length
            switch opcode {
            case 0x1, 0x2:
                guard !assembling else { throw .data("WebSocket data frame inside a fragmented message") }
                if fin { return .message(payload) }
                try append(payload)
                assembling = true
            case 0x0:
                guard assembling else { throw .data("WebSocket continuation frame with no message to continue") }
                try append(payload)
                if fin {
                    assembling = false
                    let message = UnsafeBufferPointer(start: assembly, count: assembled)
                    assembled = 0
                    return .message(message)
                }
            case 0x9:
                guard fin, length <= 125 else {
                    throw .data("WebSocket ping frame fragmented or longer than 125 bytes")
                }
                return .ping(payload)
            case 0xA:
                break // an unsolicited pong: allowed, ignored
            case 0x8:
                guard fin, length <= 125, length != 1 else {
                    throw .data("WebSocket close frame fragmented, of 1 byte or longer than 125 bytes")
                }
                var reason = "no status"
                if length >= 2 {
                    let code = Int(payload[0]) << 8 | Int(payload[1])
                    reason =
                        "code \(code)"
                        + (length > 2
                            ? " " + String(decoding: UnsafeBufferPointer(rebasing: payload[2...]), as: UTF8.self) : "")
                }
                return .close(reason: reason, echo: UnsafeBufferPointer(rebasing: payload[0..<min(length, 2)]))
            default:
                throw .data("WebSocket frame with unknown opcode \(opcode)")
            }
        }
        return nil
    }

    private func append(_ payload: UnsafeBufferPointer<UInt8>) throws(NetworkError) {
        guard assembled + payload.count <= WebSocketFrameReader.maxMessageBytes else {
            throw .data("fragmented WebSocket message larger than \(WebSocketFrameReader.maxMessageBytes) bytes")
        }
        if payload.count > 0 { (assembly + assembled).update(from: payload.baseAddress!, count: payload.count) }
        assembled += payload.count
    }
}
