import Glibc
import IPC

/// One HTTP/1.1 request and its response, moved on in steps from a duty cycle and never waiting
/// (a webhook's POST from risk's loop): connect and TLS through `SecureSocket`'s steps, the
/// request written as the socket takes it, the response read by `HTTPResponseReader`. Made per
/// request; it may allocate (alerts are rare).
public final class HTTPExchange {
    public enum Progress {
        case working
        case answered(HTTPResponseReader.Response)
        case failed(String)
    }

    private let socket: SecureSocket
    private var connected = false
    private let request: [UInt8]
    private var sent = 0
    private var reader: HTTPResponseReader
    /// Where the response's bytes are read to.
    private var chunk = [UInt8](repeating: 0, count: 16_384)
    private let deadlineNs: Int64
    private let subject: String

    /// Starts `method` on `url` with `body` (JSON), to be answered within `timeoutMs`.
    public init(method: String, url: NetworkURL, body: [UInt8], tls: TLSContext?, timeoutMs: Int64) throws(NetworkError)
    {
        subject = "\(method) \(url)"
        socket = try SecureSocket(startingTo: url, tls: tls)
        request =
            Array(
                ("\(method) \(url.target) HTTP/1.1\r\nHost: \(url.host):\(url.port)\r\nUser-Agent: tickpipe\r\n"
                    + "Content-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n")
                    .utf8) + body
        reader = HTTPResponseReader(subject: subject)
        deadlineNs = SystemClock.monotonicNanoseconds() + timeoutMs * 1_000_000
    }

    /// One step; never waits.
    public func progress(nowNs: Int64) -> Progress {
        guard nowNs < deadlineNs else { return .failed("\(subject): no answer in time") }
        do {
            if !connected {
                guard try socket.continueConnecting() else { return .working }
                connected = true
            }
            while sent < request.count {
                let count = try request.withUnsafeBytes { bytes in
                    Result { () throws(NetworkError) in
                        try socket.send(UnsafeRawBufferPointer(rebasing: bytes[sent...]))
                    }
                }.get()
                guard count > 0 else { return .working }
                sent += count
            }
            while true {
                let result = try chunk.withUnsafeMutableBytes { bytes in
                    Result { () throws(NetworkError) in
                        try socket.read(into: bytes.baseAddress!, capacity: bytes.count, timeoutMs: 0)
                    }
                }.get()
                switch result {
                case .nothingYet:
                    return .working
                case .closed:
                    return .answered(try reader.closed())
                case .bytes(let count):
                    if let response = try chunk.withUnsafeBytes({ bytes in
                        Result { () throws(NetworkError) in
                            try reader.append(UnsafeRawBufferPointer(rebasing: bytes[0..<count]))
                        }
                    }).get() {
                        return .answered(response)
                    }
                }
            }
        } catch {
            return .failed(error.description)
        }
    }
}
