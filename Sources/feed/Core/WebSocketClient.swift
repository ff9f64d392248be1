import COpenSSL
import Glibc
import IPC

/// An RFC 6455 WebSocket client over a `SecureSocket`: the upgrade handshake (with the
/// `Sec-WebSocket-Accept` check), masked client frames, ping answered with pong, close
/// answered with close; frames are read by `WebSocketFrameReader` (messages handed out in
/// place, no allocation per message).
final class WebSocketClient {
    enum Event {
        /// A text or binary message; the bytes are valid until the next call.
        case message(UnsafeBufferPointer<UInt8>)
        case nothingYet
        /// The connection ended: the peer's close frame (code and reason) or the socket closing.
        case closed(String)
    }

    private let socket: SecureSocket
    private let frames = WebSocketFrameReader()
    @exclusivity(unchecked) private var closeSent = false
    private var random = SystemRandomNumberGenerator()
    /// Pings answered, for the operator and the tests.
    @exclusivity(unchecked) private(set) var pongsSent: UInt64 = 0

    /// Connects and upgrades: the handshake must answer 101 with the right accept key.
    init(_ url: NetworkURL, tls: TLSContext?, timeoutMs: Int32 = 10_000) throws(FeedError) {
        socket = try SecureSocket(url, tls: tls, timeoutMs: timeoutMs)
        try handshake(url, timeoutMs: timeoutMs)
    }

    private func handshake(_ url: NetworkURL, timeoutMs: Int32) throws(FeedError) {
        var nonce = [UInt8](repeating: 0, count: 16)
        for index in nonce.indices { nonce[index] = UInt8.random(in: 0...255, using: &random) }
        let key = Base64.encode(nonce)
        let request =
            "GET \(url.target) HTTP/1.1\r\nHost: \(url.host):\(url.port)\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
            + "User-Agent: tickpipe-feed\r\n\r\n"
        try socket.write(Array(request.utf8))
        let deadline = SystemClock.monotonicNanoseconds() + Int64(timeoutMs) * 1_000_000
        var headerEnd: Int?
        while headerEnd == nil {
            let remaining = deadline - SystemClock.monotonicNanoseconds()
            guard remaining > 0 else { throw .system("feed: WebSocket handshake with \(url.host) timed out") }
            let space = try frames.freeSpace()
            switch try socket.read(
                into: space.baseAddress!, capacity: min(space.count, 1 << 16),
                timeoutMs: Int32(remaining / 1_000_000) + 1)
            {
            case .bytes(let count): frames.received(count)
            case .nothingYet: continue
            case .closed: throw .system("feed: \(url.host) closed the connection during the WebSocket handshake")
            }
            headerEnd = HTTPResponseReader.find(Array(frames.unread)[...], [13, 10, 13, 10])
            guard headerEnd != nil || frames.unread.count < 1 << 15 else {
                throw .data("feed: WebSocket handshake response headers too long")
            }
        }
        let head = String(decoding: UnsafeBufferPointer(rebasing: frames.unread[0..<headerEnd!]), as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        guard let status = lines.first, status.hasPrefix("HTTP/1.1 101") else {
            throw .data(
                "feed: WebSocket handshake with \(url.host) refused: "
                    + "\(lines.first.map(String.init) ?? "no status line")"
            )
        }
        let expected = Base64.encode(Self.sha1(Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8)))
        let accept = lines.dropFirst().compactMap { line -> String? in
            let parts = line.split(separator: ":", maxSplits: 1)
            return parts.count == 2 && parts[0].lowercased() == "sec-websocket-accept" ? parts[1].trimmingSpaces : nil
        }.first
        guard accept == expected else {
            throw .data(
                "feed: WebSocket handshake with \(url.host): Sec-WebSocket-Accept '\(accept ?? "missing")', expected "
                    + "'\(expected)'"
            )
        }
        frames.skip(headerEnd! + 4) // frames may already follow the headers
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
            while let frame = try frames.next() {
                switch frame {
                case .message(let bytes):
                    return .message(bytes)
                case .ping(let payload):
                    try send(opcode: 0xA, payload: payload)
                    pongsSent &+= 1
                case .close(let reason, let echo):
                    if !closeSent { try? send(opcode: 0x8, payload: echo) }
                    closeSent = true
                    return .closed("the server closed the connection (\(reason))")
                }
            }
            if waited { return .nothingYet }
            let space = try frames.freeSpace()
            switch try socket.read(into: space.baseAddress!, capacity: space.count, timeoutMs: timeoutMs) {
            case .bytes(let count):
                frames.received(count)
            case .nothingYet:
                waited = true
            case .closed:
                return .closed("the connection closed without a close frame")
            }
        }
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
                output.append(
                    position <= chunk.count ? alphabet[Int(value >> (18 - 6 * position)) & 0x3F] : UInt8(ascii: "="))
            }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }
}
