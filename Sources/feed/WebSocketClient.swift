import COpenSSL
import Glibc
import IPC

/// An RFC 6455 WebSocket client over a `SecureSocket`: the upgrade handshake (with the
/// `Sec-WebSocket-Accept` check), masked client frames, ping answered with pong, close
/// answered with close, fragmented messages reassembled. Messages are handed out in place from
/// fixed buffers, valid until the next call: no allocation per message.
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
final class WebSocketClient {
    static let maxMessageBytes = 8 << 20

    enum Event {
        /// A text or binary message; the bytes are valid until the next call.
        case message(UnsafeBufferPointer<UInt8>)
        case nothingYet
        /// The connection ended: the peer's close frame (code and reason) or the socket closing.
        case closed(String)
    }

    private let socket: SecureSocket
    private let buffer: UnsafeMutablePointer<UInt8>
    private let bufferSize = WebSocketClient.maxMessageBytes + (1 << 16)
    @exclusivity(unchecked) private var start = 0
    @exclusivity(unchecked) private var end = 0
    /// A fragmented message being put together.
    private let assembly: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var assembled = 0
    @exclusivity(unchecked) private var assembling = false
    @exclusivity(unchecked) private var closeSent = false
    private var random = SystemRandomNumberGenerator()
    /// Pings answered, for the operator and the tests.
    @exclusivity(unchecked) private(set) var pongsSent: UInt64 = 0

    /// Connects and upgrades: the handshake must answer 101 with the right accept key.
    init(_ url: NetworkURL, tls: TLSContext?, timeoutMs: Int32 = 10_000) throws(FeedError) {
        socket = try SecureSocket(url, tls: tls, timeoutMs: timeoutMs)
        buffer = .allocate(capacity: bufferSize)
        assembly = .allocate(capacity: WebSocketClient.maxMessageBytes)
        // On failure deinit (which runs for a fully initialised object) frees the buffers.
        try handshake(url, timeoutMs: timeoutMs)
    }

    deinit {
        buffer.deallocate()
        assembly.deallocate()
    }

    private func handshake(_ url: NetworkURL, timeoutMs: Int32) throws(FeedError) {
        var nonce = [UInt8](repeating: 0, count: 16)
        for index in nonce.indices { nonce[index] = UInt8.random(in: 0...255, using: &random) }
        let key = Base64.encode(nonce)
        let request = "GET \(url.target) HTTP/1.1\r\nHost: \(url.host):\(url.port)\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
            + "User-Agent: tickpipe-feed\r\n\r\n"
        try socket.write(Array(request.utf8))
        let deadline = SystemClock.monotonicNanoseconds() + Int64(timeoutMs) * 1_000_000
        var headerEnd: Int?
        while headerEnd == nil {
            let remaining = deadline - SystemClock.monotonicNanoseconds()
            guard remaining > 0 else { throw .system("feed: WebSocket handshake with \(url.host) timed out") }
            switch try socket.read(into: buffer + end, capacity: 1 << 16, timeoutMs: Int32(remaining / 1_000_000) + 1) {
            case .bytes(let count): end += count
            case .nothingYet: continue
            case .closed: throw .system("feed: \(url.host) closed the connection during the WebSocket handshake")
            }
            let received = Array(UnsafeBufferPointer(start: buffer, count: end))
            headerEnd = HTTPClient.find(received, [13, 10, 13, 10])
            guard headerEnd != nil || end < 1 << 15 else { throw .data("feed: WebSocket handshake response headers too long") }
        }
        let head = String(decoding: UnsafeBufferPointer(start: buffer, count: headerEnd!), as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        guard let status = lines.first, status.hasPrefix("HTTP/1.1 101") else {
            throw .data("feed: WebSocket handshake with \(url.host) refused: \(lines.first.map(String.init) ?? "no status line")")
        }
        let expected = Base64.encode(Self.sha1(Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8)))
        let accept = lines.dropFirst().compactMap { line -> String? in
            let parts = line.split(separator: ":", maxSplits: 1)
            return parts.count == 2 && parts[0].lowercased() == "sec-websocket-accept" ? parts[1].trimmingSpaces : nil
        }.first
        guard accept == expected else {
            throw .data("feed: WebSocket handshake with \(url.host): Sec-WebSocket-Accept '\(accept ?? "missing")', expected '\(expected)'")
        }
        start = headerEnd! + 4 // frames may already follow the headers
    }

    static func sha1(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(SHA_DIGEST_LENGTH))
        _ = SHA1(bytes, bytes.count, &digest)
        return digest
    }

    /// The next complete message, waiting at most `timeoutMs` for bytes. Pings are answered and
    /// skipped; a close frame is answered and reported.
    func next(timeoutMs: Int32) throws(FeedError) -> Event {
        var waited = false
        while true {
            if let event = try parseFrame() { return event }
            if waited { return .nothingYet }
            // Need more bytes: make room, then read.
            if start > 0 {
                memmove(buffer, buffer + start, end - start)
                end -= start
                start = 0
            }
            guard end < bufferSize else { throw .data("feed: WebSocket frame larger than \(WebSocketClient.maxMessageBytes) bytes") }
            switch try socket.read(into: buffer + end, capacity: bufferSize - end, timeoutMs: timeoutMs) {
            case .bytes(let count):
                end += count
            case .nothingYet:
                waited = true
            case .closed:
                return .closed("the connection closed without a close frame")
            }
        }
    }

    /// One frame from the buffer, or nil if it is not all there. Returns an event for a data
    /// message or a close; control frames it handles itself return `.nothingYet`-free loops.
    private func parseFrame() throws(FeedError) -> Event? {
        while end - start >= 2 {
            let first = buffer[start]
            let second = buffer[start + 1]
            let fin = first & 0x80 != 0
            let opcode = first & 0x0F
            guard first & 0x70 == 0 else { throw .data("feed: WebSocket frame with reserved bits set (no extension was negotiated)") }
            guard second & 0x80 == 0 else { throw .data("feed: WebSocket server frame is masked (RFC 6455 5.1 forbids it)") }
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
                guard value <= UInt64(WebSocketClient.maxMessageBytes) else {
                    throw .data("feed: WebSocket frame of \(value) bytes, the limit is \(WebSocketClient.maxMessageBytes)")
                }
                length = Int(value)
                headerLength = 10
            }
            guard end - start >= headerLength + length else { return nil }
            let payload = UnsafeBufferPointer(start: buffer + start + headerLength, count: length)
            start += headerLength + length
            switch opcode {
            case 0x1, 0x2:
                guard !assembling else { throw .data("feed: WebSocket data frame inside a fragmented message") }
                if fin { return .message(payload) }
                try append(payload)
                assembling = true
            case 0x0:
                guard assembling else { throw .data("feed: WebSocket continuation frame with no message to continue") }
                try append(payload)
                if fin {
                    assembling = false
                    let message = UnsafeBufferPointer(start: assembly, count: assembled)
                    assembled = 0
                    return .message(message)
                }
            case 0x9:
                guard fin, length <= 125 else { throw .data("feed: WebSocket ping frame fragmented or longer than 125 bytes") }
                try send(opcode: 0xA, payload: payload)
                pongsSent &+= 1
            case 0xA:
                break // an unsolicited pong: allowed, ignored
            case 0x8:
                var reason = "no status"
                if length >= 2 {
                    let code = Int(payload[0]) << 8 | Int(payload[1])
                    reason = "code \(code)" + (length > 2 ? " " + String(decoding: UnsafeBufferPointer(rebasing: payload[2...]), as: UTF8.self) : "")
                }
                if !closeSent { try? send(opcode: 0x8, payload: UnsafeBufferPointer(rebasing: payload[0..<min(length, 2)])) }
                closeSent = true
                return .closed("the server closed the connection (\(reason))")
            default:
                throw .data("feed: WebSocket frame with unknown opcode \(opcode)")
            }
        }
        return nil
    }

    private func append(_ payload: UnsafeBufferPointer<UInt8>) throws(FeedError) {
        guard assembled + payload.count <= WebSocketClient.maxMessageBytes else {
            throw .data("feed: fragmented WebSocket message larger than \(WebSocketClient.maxMessageBytes) bytes")
        }
        (assembly + assembled).update(from: payload.baseAddress!, count: payload.count)
        assembled += payload.count
    }

    /// A masked client frame (control frames only: ≤ 125 bytes).
    private func send(opcode: UInt8, payload: UnsafeBufferPointer<UInt8>) throws(FeedError) {
        var frame = [UInt8](repeating: 0, count: 6 + payload.count)
        frame[0] = 0x80 | opcode
        frame[1] = 0x80 | UInt8(payload.count)
        let mask = UInt32.random(in: 0...UInt32.max, using: &random)
        for index in 0..<4 { frame[2 + index] = UInt8(truncatingIfNeeded: mask >> (8 * index)) }
        for index in 0..<payload.count { frame[6 + index] = payload[index] ^ frame[2 + index % 4] }
        try socket.write(frame)
    }

    /// Says goodbye (close frame, code 1000) if the peer has not closed first.
    func close() {
        guard !closeSent else { return }
        closeSent = true
        let code: [UInt8] = [0x03, 0xE8]
        code.withUnsafeBufferPointer { try? send(opcode: 0x8, payload: $0) }
    }
}

/// Base64 (RFC 4648) for the handshake's key and accept values.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var value: UInt32 = 0
            for (offset, byte) in chunk.enumerated() { value |= UInt32(byte) << (16 - 8 * offset) }
            for position in 0..<4 {
                output.append(position <= chunk.count ? alphabet[Int(value >> (18 - 6 * position)) & 0x3F] : UInt8(ascii: "="))
            }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }
}
