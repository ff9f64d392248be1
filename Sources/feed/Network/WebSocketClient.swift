import COpenSSL
import Glibc
import IPC

/// An RFC 6455 WebSocket client over a `SecureSocket`: the upgrade handshake (with the
/// `Sec-WebSocket-Accept` check), masked client frames, ping answered with pong, close
/// answered with close; frames are read by `WebSocketFrameReader` (messages handed out in
/// place, no allocation per message).
///
/// Non-blocking: opened in steps (`continueOpening`: connect, TLS, upgrade), so a duty cycle can
/// open a connection while it goes on working; messages sent go through a fixed send queue that
/// `flush` drains as the socket takes it. The blocking initialiser runs the same steps.
public final class WebSocketClient {
    public enum Event {
        /// A text or binary message; the bytes are valid until the next call.
        case message(UnsafeBufferPointer<UInt8>)
        case nothingYet
        /// The connection ended: the peer's close frame (code and reason) or the socket closing.
        case closed(String)
    }

    private enum Stage {
        case connecting, upgrading, open
    }

    /// The send queue's size: far more than any request, so that it only fills when the peer
    /// stops reading.
    public static let sendQueueBytes = 1 << 20

    public let url: NetworkURL
    private let socket: SecureSocket
    private let frames = WebSocketFrameReader()
    private var stage = Stage.connecting
    private let key: String
    @exclusivity(unchecked) private var closeSent = false
    /// Masking keys: SplitMix64 from a random seed (no system call per frame).
    @exclusivity(unchecked) private var maskState: UInt64
    private let queue: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var queueStart = 0
    @exclusivity(unchecked) private var queueEnd = 0
    /// Pings answered, for the operator and the tests.
    @exclusivity(unchecked) public private(set) var pongsSent: UInt64 = 0

    /// Starts connecting (to `addresses` if given, resolved before); `continueOpening` does the rest.
    public init(startingTo url: NetworkURL, tls: TLSContext?, addresses: [[UInt8]]? = nil) throws(NetworkError) {
        self.url = url
        var random = SystemRandomNumberGenerator()
        maskState = random.next()
        var nonce = [UInt8](repeating: 0, count: 16)
        for index in nonce.indices { nonce[index] = UInt8.random(in: 0...255, using: &random) }
        key = Base64.encode(nonce)
        queue = .allocate(capacity: WebSocketClient.sendQueueBytes)
        socket = try SecureSocket(startingTo: url, tls: tls, addresses: addresses)
    }

    /// Connects and upgrades, waiting at most `timeoutMs` in all: the handshake must answer 101
    /// with the right accept key.
    public convenience init(_ url: NetworkURL, tls: TLSContext?, timeoutMs: Int32 = 10_000) throws(NetworkError) {
        try self.init(startingTo: url, tls: tls)
        let deadline = SystemClock.monotonicNanoseconds() + Int64(timeoutMs) * 1_000_000
        while try !continueOpening() {
            let remaining = deadline - SystemClock.monotonicNanoseconds()
            guard remaining > 0 else {
                throw .system(
                    stage == .upgrading
                        ? "WebSocket handshake with \(url.host) timed out"
                        : "connecting to \(url.host):\(url.port) timed out after \(timeoutMs) ms")
            }
            _ = try socket.wait(for: awaitedEvent, timeoutMs: Int32(remaining / 1_000_000) + 1)
        }
    }

    deinit { queue.deallocate() }

    /// What the next step of opening waits for on the socket.
    private var awaitedEvent: Int32 {
        switch stage {
        case .connecting: socket.awaitedEvent
        case .upgrading: Int32(queueEnd > queueStart ? POLLOUT : POLLIN)
        case .open: Int32(POLLIN)
        }
    }

    public var isOpen: Bool { stage == .open }

    /// One step of opening: true once the upgrade is done. Never waits.
    public func continueOpening() throws(NetworkError) -> Bool {
        switch stage {
        case .open:
            return true
        case .connecting:
            guard try socket.continueConnecting() else { return false }
            let request =
                "GET \(url.target) HTTP/1.1\r\nHost: \(url.host):\(url.port)\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
                + "User-Agent: tickpipe\r\n\r\n"
            try Array(request.utf8).withUnsafeBytes { bytes in
                Result { () throws(NetworkError) in try enqueue(bytes) }
            }.get()
            stage = .upgrading
            return try continueOpening()
        case .upgrading:
            try flush()
            let space = try frames.freeSpace()
            switch try socket.read(into: space.baseAddress!, capacity: min(space.count, 1 << 16), timeoutMs: 0) {
            case .bytes(let count): frames.received(count)
            case .nothingYet: return false
            case .closed: throw .system("\(url.host) closed the connection during the WebSocket handshake")
            }
            guard let headerEnd = HTTPResponseReader.find(Array(frames.unread)[...], [13, 10, 13, 10]) else {
                guard frames.unread.count < 1 << 15 else {
                    throw .data("WebSocket handshake response headers from \(url.host) too long")
                }
                return false
            }
            try checkUpgrade(headerEnd: headerEnd)
            frames.skip(headerEnd + 4) // frames may already follow the headers
            stage = .open
            return true
        }
    }

    private func checkUpgrade(headerEnd: Int) throws(NetworkError) {
        let head = String(decoding: UnsafeBufferPointer(rebasing: frames.unread[0..<headerEnd]), as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        guard let status = lines.first, status.hasPrefix("HTTP/1.1 101") else {
            throw .data(
                "WebSocket handshake with \(url.host) refused: \(lines.first.map(String.init) ?? "no status line")")
        }
        let expected = Base64.encode(Self.sha1(Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8)))
        let accept = lines.dropFirst().compactMap { line -> String? in
            let parts = line.split(separator: ":", maxSplits: 1)
            return parts.count == 2 && parts[0].lowercased() == "sec-websocket-accept" ? parts[1].trimmingSpaces : nil
        }.first
        guard accept == expected else {
            throw .data(
                "WebSocket handshake with \(url.host): Sec-WebSocket-Accept '\(accept ?? "missing")', expected "
                    + "'\(expected)'"
            )
        }
    }

    static func sha1(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(SHA_DIGEST_LENGTH))
        _ = SHA1(bytes, bytes.count, &digest)
        return digest
    }

    /// The next complete message, waiting at most `timeoutMs` for bytes (0: not at all). Pings
    /// are answered and skipped; a close frame is answered and reported. Queued bytes are sent first.
    public func next(timeoutMs: Int32) throws(NetworkError) -> Event {
        if queueEnd > queueStart { try flush() }
        var waited = false
        while true {
            while let frame = try frames.next() {
                switch frame {
                case .message(let bytes):
                    return .message(bytes)
                case .ping(let payload):
                    try send(opcode: 0xA, payload: UnsafeRawBufferPointer(payload))
                    pongsSent &+= 1
                case .close(let reason, let echo):
                    if !closeSent { try? send(opcode: 0x8, payload: UnsafeRawBufferPointer(echo)) }
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

    /// Sends a text message (a request): framed and masked into the send queue, then as much of
    /// the queue as the socket takes now. No allocation.
    public func sendText(_ payload: UnsafeRawBufferPointer) throws(NetworkError) {
        try send(opcode: 0x1, payload: payload)
    }

    /// Bytes queued and not yet taken by the socket.
    public var unsentBytes: Int { queueEnd - queueStart }

    /// A masked client frame into the send queue, then a flush.
    private func send(opcode: UInt8, payload: UnsafeRawBufferPointer) throws(NetworkError) {
        let lengthBytes = payload.count < 126 ? 0 : payload.count <= 0xFFFF ? 2 : 8
        let frameBytes = 2 + lengthBytes + 4 + payload.count
        try reserve(frameBytes)
        let frame = queue + queueEnd
        frame[0] = 0x80 | opcode
        switch lengthBytes {
        case 0:
            frame[1] = 0x80 | UInt8(payload.count)
        case 2:
            frame[1] = 0x80 | 126
            frame[2] = UInt8(payload.count >> 8)
            frame[3] = UInt8(truncatingIfNeeded: payload.count)
        default:
            frame[1] = 0x80 | 127
            for index in 0..<8 { frame[2 + index] = UInt8(truncatingIfNeeded: payload.count >> (56 - 8 * index)) }
        }
        maskState &+= 0x9E37_79B9_7F4A_7C15
        var mixed = maskState
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        mixed ^= mixed >> 31
        let mask = frame + 2 + lengthBytes
        for index in 0..<4 { mask[index] = UInt8(truncatingIfNeeded: mixed >> (8 * index)) }
        let body = mask + 4
        for index in 0..<payload.count { body[index] = payload[index] ^ mask[index & 3] }
        queueEnd += frameBytes
        try flush()
    }

    private func enqueue(_ bytes: UnsafeRawBufferPointer) throws(NetworkError) {
        try reserve(bytes.count)
        UnsafeMutableRawPointer(queue + queueEnd).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        queueEnd += bytes.count
    }

    /// Room for `count` more bytes at the queue's end (what was sent moved out of the way first).
    private func reserve(_ count: Int) throws(NetworkError) {
        if queueEnd + count > WebSocketClient.sendQueueBytes && queueStart > 0 {
            memmove(queue, queue + queueStart, queueEnd - queueStart)
            queueEnd -= queueStart
            queueStart = 0
        }
        guard queueEnd + count <= WebSocketClient.sendQueueBytes else {
            throw .system(
                "\(url.host) is not reading: \(queueEnd - queueStart) bytes wait to be sent, "
                    + "the queue holds \(WebSocketClient.sendQueueBytes)")
        }
    }

    /// Sends as much of the queue as the socket takes now.
    public func flush() throws(NetworkError) {
        guard stage != .connecting else { return }
        while queueEnd > queueStart {
            let count = try socket.send(UnsafeRawBufferPointer(start: queue + queueStart, count: queueEnd - queueStart))
            guard count > 0 else { return }
            queueStart += count
        }
        queueStart = 0
        queueEnd = 0
    }

    /// Says goodbye (close frame, code 1000) if the peer has not closed first.
    public func close() {
        guard !closeSent, stage == .open else { return }
        closeSent = true
        let code: [UInt8] = [0x03, 0xE8]
        code.withUnsafeBytes { try? send(opcode: 0x8, payload: $0) }
    }
}

/// Base64 (RFC 4648) for the handshake's key and accept values.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
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
