import COpenSSL
import Glibc
import IPC

/// A TLS client context (`SSL_CTX`): TLS 1.2 or later, peers verified against the system's CA
/// store or a given CA file. Made once per source, shared by its connections.
public final class TLSContext {
    let context: OpaquePointer

    public init(caFile: String?) throws(NetworkError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw .system("SSL_CTX_new failed: \(SecureSocket.tlsError())")
        }
        copenssl_set_min_tls12(context)
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        if let caFile {
            guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
                SSL_CTX_free(context)
                throw .system("CA file \(caFile): \(SecureSocket.tlsError())")
            }
        } else {
            SSL_CTX_set_default_verify_paths(context)
        }
        self.context = context
    }

    deinit { SSL_CTX_free(context) }
}

/// A TCP connection, TLS-wrapped when the URL is secure, through the system's OpenSSL: the
/// certificate chain and the host name (or IP address) are verified by the `TLSContext`'s CA
/// store (the system's, or a test's self-signed certificate).
///
/// Non-blocking throughout. A connection is opened in steps (`continueConnecting`, called until
/// it answers true: TCP connect, then the TLS handshake), so a duty cycle can open one while it
/// goes on working; the blocking initialiser runs the same steps, waiting with `poll`. Reads
/// and `send` never wait unless given a timeout.
public final class SecureSocket {
    public enum ReadResult: Equatable {
        case bytes(Int)
        case nothingYet, closed
    }

    private enum Stage {
        case connecting, handshaking, open
    }

    public let url: NetworkURL
    private var socket: FileDescriptor
    private var ssl: OpaquePointer?
    private let tls: TLSContext?
    private var stage = Stage.connecting
    /// The addresses `getaddrinfo` gave, tried in turn; the one being tried.
    private let addresses: [[UInt8]]
    private var addressIndex = 0
    private var lastConnectError = "no address"
    /// The event the next step of opening waits for (`POLLIN` or `POLLOUT`).
    public private(set) var awaitedEvent = Int32(POLLOUT)

    /// Starts connecting (a non-blocking `connect` to the first of `addresses`, or of what
    /// `getaddrinfo` gives, which may wait on the resolver); `tls` is required for a secure URL.
    /// `continueConnecting` does the rest.
    public init(startingTo url: NetworkURL, tls: TLSContext?, addresses: [[UInt8]]? = nil) throws(NetworkError) {
        self.url = url
        self.tls = tls
        if let addresses { self.addresses = addresses } else { self.addresses = try SecureSocket.resolve(url) }
        socket = FileDescriptor(rawValue: -1, subject: "\(url.host):\(url.port)")
        try startConnect()
    }

    /// Connects and completes the TLS handshake, waiting at most `timeoutMs` in all.
    public convenience init(_ url: NetworkURL, tls: TLSContext?, timeoutMs: Int32) throws(NetworkError) {
        try self.init(startingTo: url, tls: tls)
        let deadline = SystemClock.monotonicNanoseconds() + Int64(timeoutMs) * 1_000_000
        while try !continueConnecting() {
            let remaining = deadline - SystemClock.monotonicNanoseconds()
            guard remaining > 0 else {
                throw .system(
                    stage == .connecting
                        ? "connect(\(url.host):\(url.port)) timed out after \(timeoutMs) ms"
                        : "TLS handshake with \(url.host):\(url.port) timed out")
            }
            _ = try wait(for: awaitedEvent, timeoutMs: Int32(remaining / 1_000_000) + 1)
        }
    }

    deinit {
        if let ssl {
            if stage == .open { SSL_shutdown(ssl) }
            SSL_free(ssl)
        }
        if socket.rawValue >= 0 { try? socket.close() }
    }

    /// Every address of the URL's host, as `sockaddr` bytes: resolved once, for a connection that
    /// is opened again from a duty cycle (`getaddrinfo` waits on the resolver).
    public static func resolve(_ url: NetworkURL) throws(NetworkError) -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(url.host, String(url.port), &hints, &list)
        guard status == 0, let first = list else {
            throw .system("\(url.host): getaddrinfo: \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var addresses: [[UInt8]] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            addresses.append(
                Array(UnsafeRawBufferPointer(start: address.pointee.ai_addr, count: Int(address.pointee.ai_addrlen))))
        }
        return addresses
    }

    /// A non-blocking socket and `connect` to the current address; on to the next one if the
    /// call fails at once.
    private func startConnect() throws(NetworkError) {
        while addressIndex < addresses.count {
            let address = addresses[addressIndex]
            let family = address.withUnsafeBytes { Int32($0.load(as: sa_family_t.self)) }
            let fd = Glibc.socket(
                family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else {
                lastConnectError = "\(SystemError(call: "socket", subject: url.host, errno: errno))"
                addressIndex += 1
                continue
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let result = address.withUnsafeBytes {
                Glibc.connect(fd, $0.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t($0.count))
            }
            if result == 0 || errno == EINPROGRESS {
                socket = FileDescriptor(rawValue: fd, subject: socket.subject)
                awaitedEvent = Int32(POLLOUT)
                return
            }
            lastConnectError = "\(SystemError(call: "connect", subject: url.host, errno: errno))"
            close(fd)
            addressIndex += 1
        }
        throw .system("\(url): \(lastConnectError)")
    }

    /// One step of opening: true once connected (and, for a secure URL, the handshake done).
    /// Never waits; between calls, wait for `awaitedEvent` on the socket if there is nothing else to do.
    public func continueConnecting() throws(NetworkError) -> Bool {
        switch stage {
        case .open:
            return true
        case .connecting:
            guard try wait(for: Int32(POLLOUT), timeoutMs: 0) else { return false }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(socket.rawValue, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else {
                lastConnectError = "\(SystemError(call: "connect", subject: url.host, errno: error))"
                try? socket.close()
                socket = FileDescriptor(rawValue: -1, subject: socket.subject)
                addressIndex += 1
                try startConnect()
                return false
            }
            guard url.secure, let tls else {
                stage = .open
                return true
            }
            try startTLS(tls)
            stage = .handshaking
            return try continueConnecting()
        case .handshaking:
            ERR_clear_error()
            let result = SSL_connect(ssl)
            if result == 1 {
                stage = .open
                return true
            }
            let error = SSL_get_error(ssl, result)
            guard error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE else {
                let verify = SSL_get_verify_result(ssl)
                let reason =
                    verify != X509_V_OK
                    ? String(cString: X509_verify_cert_error_string(verify)) : SecureSocket.tlsError()
                throw .system("TLS handshake with \(url.host):\(url.port) failed: \(reason)")
            }
            awaitedEvent = Int32(error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT)
            return false
        }
    }

    private func startTLS(_ tls: TLSContext) throws(NetworkError) {
        guard let ssl = SSL_new(tls.context) else {
            throw .system("SSL_new failed: \(SecureSocket.tlsError())")
        }
        self.ssl = ssl
        SSL_set_fd(ssl, socket.rawValue)
        copenssl_set_partial_writes(ssl)
        let parameters = SSL_get0_param(ssl)
        var address = in_addr()
        if inet_pton(AF_INET, url.host, &address) == 1 || url.host.contains(":") {
            X509_VERIFY_PARAM_set1_ip_asc(parameters, url.host)
        } else {
            copenssl_set_server_name(ssl, url.host)
            X509_VERIFY_PARAM_set1_host(parameters, url.host, 0)
        }
    }

    /// The oldest error on OpenSSL's queue, in its words.
    public static func tlsError() -> String {
        let code = ERR_get_error()
        guard code != 0 else { return "unknown TLS error" }
        var buffer = [UInt8](repeating: 0, count: 256)
        buffer.withUnsafeMutableBufferPointer { raw in
            raw.withMemoryRebound(to: CChar.self) { ERR_error_string_n(code, $0.baseAddress, $0.count) }
        }
        return String(decoding: buffer.prefix(while: { $0 != 0 }), as: UTF8.self)
    }

    /// Reads what is there, waiting at most `timeoutMs` for the first byte (0: not at all).
    public func read(into buffer: UnsafeMutableRawPointer, capacity: Int, timeoutMs: Int32) throws(NetworkError)
        -> ReadResult
    {
        if let ssl {
            while true {
                ERR_clear_error()
                let count = SSL_read(ssl, buffer, Int32(capacity))
                if count > 0 { return .bytes(Int(count)) }
                let error = SSL_get_error(ssl, count)
                switch error {
                case SSL_ERROR_WANT_READ:
                    guard timeoutMs != 0, try wait(for: POLLIN, timeoutMs: timeoutMs) else { return .nothingYet }
                case SSL_ERROR_WANT_WRITE:
                    guard timeoutMs != 0, try wait(for: POLLOUT, timeoutMs: timeoutMs) else { return .nothingYet }
                case SSL_ERROR_ZERO_RETURN:
                    return .closed
                case SSL_ERROR_SYSCALL where ERR_peek_error() == 0:
                    return .closed // the peer closed without close_notify
                default:
                    throw .system("TLS read from \(url.host): \(SecureSocket.tlsError())")
                }
            }
        }
        while true {
            let count: Int?
            do { count = try socket.readIfReady(into: buffer, count: capacity) } catch {
                if error.errno == ECONNRESET { return .closed }
                throw .system("\(error)")
            }
            if let count { return count > 0 ? .bytes(count) : .closed }
            guard timeoutMs != 0, try wait(for: POLLIN, timeoutMs: timeoutMs) else { return .nothingYet }
        }
    }

    /// Writes what the socket takes now, without waiting: the count written (0: none yet; the
    /// caller keeps the rest and sends it again, from wherever it has moved it).
    public func send(_ bytes: UnsafeRawBufferPointer) throws(NetworkError) -> Int {
        guard bytes.count > 0 else { return 0 }
        if let ssl {
            ERR_clear_error()
            let count = SSL_write(ssl, bytes.baseAddress!, Int32(min(bytes.count, Int(Int32.max))))
            if count > 0 { return Int(count) }
            let error = SSL_get_error(ssl, count)
            guard error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE else {
                throw .system("TLS write to \(url.host): \(SecureSocket.tlsError())")
            }
            return 0
        }
        do { return try socket.writeIfReady(bytes.baseAddress!, count: bytes.count) ?? 0 } catch {
            throw .system("\(error)")
        }
    }

    /// Writes every byte, waiting for the socket as needed (a request, a handshake).
    public func write(_ bytes: [UInt8]) throws(NetworkError) {
        var done = 0
        while done < bytes.count {
            let count = try bytes.withUnsafeBytes { raw in
                Result { () throws(NetworkError) in try send(UnsafeRawBufferPointer(rebasing: raw[done...])) }
            }.get()
            done += count
            if count == 0 { _ = try wait(for: POLLOUT, timeoutMs: 1_000) }
        }
    }

    /// Waits up to `timeoutMs` for `events` on the socket (0: only looks).
    public func wait(for events: Int32, timeoutMs: Int32) throws(NetworkError) -> Bool {
        do { return try socket.await(events, timeoutMs: timeoutMs) } catch { throw .system("\(error)") }
    }
}
