import COpenSSL
import Glibc
import IPC

/// A TLS client context (`SSL_CTX`): TLS 1.2 or later, peers verified against the system's CA
/// store or a given CA file. Made once per source, shared by its connections.
final class TLSContext {
    let context: OpaquePointer

    init(caFile: String?) throws(FeedError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw .system("feed: SSL_CTX_new failed: \(SecureSocket.tlsError())")
        }
        copenssl_set_min_tls12(context)
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        if let caFile {
            guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
                SSL_CTX_free(context)
                throw .system("feed: --ca-file \(caFile): \(SecureSocket.tlsError())")
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
/// store (the system's, or a test's self-signed certificate). Non-blocking underneath; every call
/// that waits takes a timeout.
final class SecureSocket {
    enum ReadResult: Equatable {
        case bytes(Int)
        case nothingYet, closed
    }

    let url: NetworkURL
    private let socket: FileDescriptor
    private var ssl: OpaquePointer?
    private let tls: TLSContext?

    /// Connects; `tls` is required for a secure URL.
    init(_ url: NetworkURL, tls: TLSContext?, timeoutMs: Int32) throws(FeedError) {
        self.url = url
        self.tls = tls
        socket = FileDescriptor(
            rawValue: try SecureSocket.connect(url, timeoutMs: timeoutMs), subject: "\(url.host):\(url.port)")
        guard url.secure, let tls else { return }
        // On failure deinit (which runs for a fully initialised object) frees and closes.
        try startTLS(tls, timeoutMs: timeoutMs)
    }

    deinit {
        if let ssl {
            SSL_shutdown(ssl)
            SSL_free(ssl)
        }
        try? socket.close()
    }

    /// `getaddrinfo` + non-blocking `connect`, waited for with `poll`; TCP_NODELAY on.
    private static func connect(_ url: NetworkURL, timeoutMs: Int32) throws(FeedError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(url.host, String(url.port), &hints, &list)
        guard status == 0, let first = list else {
            throw .system("feed: \(url.host): getaddrinfo: \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            let fd = Glibc.socket(
                address.pointee.ai_family,
                address.pointee.ai_socktype | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                address.pointee.ai_protocol)
            guard fd >= 0 else {
                lastError = "\(SystemError(call: "socket", subject: url.host, errno: errno))"
                continue
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            if Glibc.connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 || errno == EINPROGRESS {
                var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                if poll(&descriptor, 1, timeoutMs) == 1 {
                    var error: Int32 = 0
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
                    if error == 0 { return fd }
                    lastError = "\(SystemError(call: "connect", subject: url.host, errno: error))"
                } else {
                    lastError = "connect(\(url.host)) timed out after \(timeoutMs) ms"
                }
            } else {
                lastError = "\(SystemError(call: "connect", subject: url.host, errno: errno))"
            }
            close(fd)
        }
        throw .system("feed: \(url): \(lastError)")
    }

    private func startTLS(_ tls: TLSContext, timeoutMs: Int32) throws(FeedError) {
        guard let ssl = SSL_new(tls.context) else {
            throw .system("feed: SSL_new failed: \(SecureSocket.tlsError())")
        }
        self.ssl = ssl
        SSL_set_fd(ssl, socket.rawValue)
        let parameters = SSL_get0_param(ssl)
        var address = in_addr()
        if inet_pton(AF_INET, url.host, &address) == 1 || url.host.contains(":") {
            X509_VERIFY_PARAM_set1_ip_asc(parameters, url.host)
        } else {
            copenssl_set_server_name(ssl, url.host)
            X509_VERIFY_PARAM_set1_host(parameters, url.host, 0)
        }
        let deadline = SystemClock.monotonicNanoseconds() + Int64(timeoutMs) * 1_000_000
        while true {
            ERR_clear_error()
            let result = SSL_connect(ssl)
            if result == 1 { return }
            let error = SSL_get_error(ssl, result)
            guard error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE else {
                let verify = SSL_get_verify_result(ssl)
                let reason =
                    verify != X509_V_OK
                    ? String(cString: X509_verify_cert_error_string(verify)) : SecureSocket.tlsError()
                throw .system("feed: TLS handshake with \(url.host):\(url.port) failed: \(reason)")
            }
            let remaining = deadline - SystemClock.monotonicNanoseconds()
            guard remaining > 0 else { throw .system("feed: TLS handshake with \(url.host):\(url.port) timed out") }
            _ = try wait(
                for: error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, timeoutMs: Int32(remaining / 1_000_000) + 1)
        }
    }

    static func tlsError() -> String {
        let code = ERR_get_error()
        guard code != 0 else { return "unknown TLS error" }
        var buffer = [UInt8](repeating: 0, count: 256)
        buffer.withUnsafeMutableBufferPointer { raw in
            raw.withMemoryRebound(to: CChar.self) { ERR_error_string_n(code, $0.baseAddress, $0.count) }
        }
        return String(decoding: buffer.prefix(while: { $0 != 0 }), as: UTF8.self)
    }

    /// Reads what is there, waiting at most `timeoutMs` for the first byte.
    func read(into buffer: UnsafeMutableRawPointer, capacity: Int, timeoutMs: Int32) throws(FeedError) -> ReadResult {
        if let ssl {
            while true {
                ERR_clear_error()
                let count = SSL_read(ssl, buffer, Int32(capacity))
                if count > 0 { return .bytes(Int(count)) }
                let error = SSL_get_error(ssl, count)
                switch error {
                case SSL_ERROR_WANT_READ:
                    guard try wait(for: POLLIN, timeoutMs: timeoutMs) else { return .nothingYet }
                case SSL_ERROR_WANT_WRITE:
                    guard try wait(for: POLLOUT, timeoutMs: timeoutMs) else { return .nothingYet }
                case SSL_ERROR_ZERO_RETURN:
                    return .closed
                case SSL_ERROR_SYSCALL where ERR_peek_error() == 0:
                    return .closed // the peer closed without close_notify
                default:
                    throw .system("feed: TLS read from \(url.host): \(SecureSocket.tlsError())")
                }
            }
        }
        while true {
            let count: Int?
            do { count = try socket.readIfReady(into: buffer, count: capacity) } catch {
                if error.errno == ECONNRESET { return .closed }
                throw .system("feed: \(error)")
            }
            if let count { return count > 0 ? .bytes(count) : .closed }
            guard try wait(for: POLLIN, timeoutMs: timeoutMs) else { return .nothingYet }
        }
    }

    /// Writes every byte, waiting for the socket as needed (small control frames and requests).
    func writeAll(_ bytes: UnsafeRawBufferPointer) throws(FeedError) {
        var done = 0
        while done < bytes.count {
            if let ssl {
                ERR_clear_error()
                let count = SSL_write(ssl, bytes.baseAddress! + done, Int32(bytes.count - done))
                if count > 0 {
                    done += Int(count)
                    continue
                }
                let error = SSL_get_error(ssl, count)
                guard error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE else {
                    throw .system("feed: TLS write to \(url.host): \(SecureSocket.tlsError())")
                }
                _ = try wait(for: error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, timeoutMs: 1_000)
            } else {
                let count: Int?
                do { count = try socket.writeIfReady(bytes.baseAddress! + done, count: bytes.count - done) } catch {
                    throw .system("feed: \(error)")
                }
                if let count {
                    done += count
                    continue
                }
                _ = try wait(for: POLLOUT, timeoutMs: 1_000)
            }
        }
    }

    /// `writeAll` for an array (requests, handshakes).
    func write(_ bytes: [UInt8]) throws(FeedError) {
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        defer { pointer.deallocate() }
        pointer.copyMemory(from: bytes, byteCount: bytes.count)
        try writeAll(UnsafeRawBufferPointer(start: pointer, count: bytes.count))
    }

    private func wait(for events: Int32, timeoutMs: Int32) throws(FeedError) -> Bool {
        guard timeoutMs != 0 else { return false }
        do { return try socket.await(events, timeoutMs: timeoutMs) } catch { throw .system("feed: \(error)") }
    }
}
