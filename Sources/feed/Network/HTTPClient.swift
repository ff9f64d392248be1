import Glibc
import IPC

/// One HTTP/1.1 GET over a `SecureSocket`, for the venue's REST endpoints (depth snapshot,
/// exchangeInfo); the response is read by `HTTPResponseReader`. Rare and off the hot path, so
/// it may allocate.
public enum HTTPClient {
    public static func get(_ url: NetworkURL, tls: TLSContext?, timeoutMs: Int32 = 10_000) throws(NetworkError)
        -> HTTPResponseReader.Response
    {
        let socket = try SecureSocket(url, tls: tls, timeoutMs: timeoutMs)
        let request =
            "GET \(url.target) HTTP/1.1\r\nHost: \(url.host):\(url.port)\r\nUser-Agent: tickpipe\r\n"
            + "Accept: application/json\r\nConnection: close\r\n\r\n"
        try socket.write(Array(request.utf8))
        var reader = HTTPResponseReader(subject: "GET \(url)")
        let chunkSize = 1 << 16
        let chunk = UnsafeMutableRawPointer.allocate(byteCount: chunkSize, alignment: 8)
        defer { chunk.deallocate() }
        let deadline = SystemClock.monotonicNanoseconds() + Int64(timeoutMs) * 1_000_000
        while true {
            let remaining = deadline - SystemClock.monotonicNanoseconds()
            guard remaining > 0 else { throw .system("GET \(url): no complete response within \(timeoutMs) ms") }
            switch try socket.read(into: chunk, capacity: chunkSize, timeoutMs: Int32(remaining / 1_000_000) + 1) {
            case .bytes(let count):
                if let response = try reader.append(UnsafeRawBufferPointer(start: chunk, count: count)) {
                    return response
                }
            case .nothingYet:
                continue
            case .closed:
                return try reader.closed()
            }
        }
    }
}
