import COpenSSL
import Glibc
import IPC

/// One HTTP/1.1 GET over a `SecureSocket`, for the venue's REST endpoints (depth snapshot,
/// exchangeInfo): status, and the body by Content-Length, chunked encoding or connection close.
/// Rare and off the hot path, so it may allocate.
enum HTTPClient {
    static let maxBodyBytes = 64 << 20

    struct Response {
        var status: Int
        var body: [UInt8]
    }

    static func get(_ url: NetworkURL, tls: TLSContext?, timeoutMs: Int32 = 10_000) throws(FeedError) -> Response {
        let socket = try SecureSocket(url, tls: tls, timeoutMs: timeoutMs)
        let request = "GET \(url.target) HTTP/1.1\r\nHost: \(url.host):\(url.port)\r\nUser-Agent: tickpipe-feed\r\n"
            + "Accept: application/json\r\nConnection: close\r\n\r\n"
        try socket.write(Array(request.utf8))
        var received: [UInt8] = []
        let chunkSize = 1 << 16
        let chunk = UnsafeMutableRawPointer.allocate(byteCount: chunkSize, alignment: 8)
        defer { chunk.deallocate() }
        let deadline = SystemClock.monotonicNanoseconds() + Int64(timeoutMs) * 1_000_000
        var headerEnd: Int?
        var contentLength: Int?
        var chunked = false
        var status = 0
        while true {
            if let end = headerEnd {
                if let contentLength, received.count - end >= contentLength {
                    return Response(status: status, body: Array(received[end..<(end + contentLength)]))
                }
                if chunked, let body = try decodeChunked(received[end...], url: url) {
                    return Response(status: status, body: body)
                }
            }
            let remaining = deadline - SystemClock.monotonicNanoseconds()
            guard remaining > 0 else { throw .system("feed: GET \(url): no complete response within \(timeoutMs) ms") }
            switch try socket.read(into: chunk, capacity: chunkSize, timeoutMs: Int32(remaining / 1_000_000) + 1) {
            case .bytes(let count):
                received.append(contentsOf: UnsafeRawBufferPointer(start: chunk, count: count))
                guard received.count <= maxBodyBytes else { throw .data("feed: GET \(url): response larger than \(maxBodyBytes) bytes") }
            case .nothingYet:
                continue
            case .closed:
                guard let end = headerEnd, contentLength == nil, !chunked else {
                    throw .system("feed: GET \(url): connection closed before the response was complete")
                }
                return Response(status: status, body: Array(received[end...]))
            }
            if headerEnd == nil, let end = find(received, [13, 10, 13, 10]) {
                headerEnd = end + 4
                let head = String(decoding: received[0..<end], as: UTF8.self)
                let lines = head.split(separator: "\r\n")
                let statusParts = lines.first?.split(separator: " ") ?? []
                guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let code = Int(statusParts[1]) else {
                    throw .data("feed: GET \(url): not an HTTP response: \(lines.first.map(String.init) ?? "")")
                }
                status = code
                for line in lines.dropFirst() {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2 else { continue }
                    let name = parts[0].lowercased()
                    let value = parts[1].trimmingSpaces
                    if name == "content-length" {
                        guard let length = Int(value), length >= 0, length <= maxBodyBytes else {
                            throw .data("feed: GET \(url): bad Content-Length '\(value)'")
                        }
                        contentLength = length
                    } else if name == "transfer-encoding" && value.lowercased().contains("chunked") {
                        chunked = true
                    }
                }
            }
        }
    }

    /// The body of a chunked response, or nil if more bytes are needed.
    private static func decodeChunked(_ bytes: ArraySlice<UInt8>, url: NetworkURL) throws(FeedError) -> [UInt8]? {
        var body: [UInt8] = []
        var index = bytes.startIndex
        while true {
            guard let lineEnd = find(Array(bytes[index...]), [13, 10]).map({ index + $0 }) else { return nil }
            let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingSpaces, radix: 16), size >= 0 else {
                throw .data("feed: GET \(url): bad chunk size '\(sizeText)'")
            }
            let start = lineEnd + 2
            if size == 0 { return body }
            guard bytes.endIndex >= start + size + 2 else { return nil }
            body.append(contentsOf: bytes[start..<(start + size)])
            index = start + size + 2
        }
    }

    static func find(_ haystack: [UInt8], _ needle: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<(start + needle.count)]) == needle { return start }
        }
        return nil
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
