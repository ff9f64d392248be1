/// An HTTP/1.1 response read from bytes as they arrive: the status line, the headers that
/// frame the body (Content-Length, chunked Transfer-Encoding), and the body, or the end of
/// the connection as its end. Off the hot path (snapshots, exchangeInfo), so it may allocate;
/// every length it reads is bounded by `maxBodyBytes`.
///
/// ```text
///   HTTP/1.1 200 OK\r\n                      status line: "HTTP/1." version, space, 3-digit code
///   Content-Length: 1234\r\n  (or)           body framing: a length, or
///   Transfer-Encoding: chunked\r\n           chunks of "<hex size>[;ext]\r\n<bytes>\r\n", "0\r\n" ends
///   \r\n                                     end of the head
///   <body>                                   (neither: the body runs to the connection's close)
/// ```
public struct HTTPResponseReader {
    public struct Response {
        public var status: Int
        public var body: [UInt8]
    }

    static let maxBodyBytes = 64 << 20

    /// Names the request in every error, e.g. `GET https://host/path`.
    let subject: String
    private(set) var received: [UInt8] = []
    private var headEnd: Int?
    private var contentLength: Int?
    private var chunked = false
    private var status = 0

    init(subject: String) {
        self.subject = subject
    }

    /// Takes the next bytes; the response once it is complete, nil while more are needed.
    mutating func append(_ bytes: UnsafeRawBufferPointer) throws(NetworkError) -> Response? {
        received.append(contentsOf: bytes)
        guard received.count <= HTTPResponseReader.maxBodyBytes else {
            throw .data("\(subject): response larger than \(HTTPResponseReader.maxBodyBytes) bytes")
        }
        if headEnd == nil, let end = HTTPResponseReader.find(received[...], [13, 10, 13, 10]) {
            try readHead(upTo: end)
            headEnd = end + 4
        }
        guard let start = headEnd else { return nil }
        if let contentLength {
            return received.count - start >= contentLength
                ? Response(status: status, body: Array(received[start..<(start + contentLength)])) : nil
        }
        if chunked {
            return try decodeChunked(received[start...]).map { Response(status: status, body: $0) }
        }
        return nil
    }

    /// The connection closed: the response, if its body runs to the close; else why not.
    func closed() throws(NetworkError) -> Response {
        guard let start = headEnd, contentLength == nil, !chunked else {
            throw .system("\(subject): connection closed before the response was complete")
        }
        return Response(status: status, body: Array(received[start...]))
    }

    private mutating func readHead(upTo end: Int) throws(NetworkError) {
        let head = String(decoding: received[0..<end], as: UTF8.self)
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), statusParts[1].utf8.count == 3,
            let code = Int(statusParts[1]), code >= 100
        else {
            throw .data("\(subject): not an HTTP response: '\(String(lines.first ?? "").prefix(80))'")
        }
        status = code
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let name = parts[0].lowercased()
            let value = parts[1].trimmingSpaces
            if name == "content-length" {
                guard let length = Int(value), length >= 0, length <= HTTPResponseReader.maxBodyBytes else {
                    throw .data("\(subject): bad Content-Length '\(value.prefix(80))'")
                }
                contentLength = length
            } else if name == "transfer-encoding" && value.lowercased().contains("chunked") {
                chunked = true
            }
        }
    }

    /// The body of a chunked response, or nil if more bytes are needed.
    private func decodeChunked(_ bytes: ArraySlice<UInt8>) throws(NetworkError) -> [UInt8]? {
        var body: [UInt8] = []
        var index = bytes.startIndex
        while true {
            guard let lineEnd = HTTPResponseReader.find(bytes[index...], [13, 10]) else { return nil }
            let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard sizeText.utf8.count <= 16, let size = Int(sizeText.trimmingSpaces, radix: 16), size >= 0,
                size <= HTTPResponseReader.maxBodyBytes
            else {
                throw .data("\(subject): bad chunk size '\(sizeText.prefix(80))'")
            }
            let start = lineEnd + 2
            if size == 0 { return body }
            guard bytes.endIndex >= start + size + 2 else { return nil }
            guard bytes[start + size] == 13, bytes[start + size + 1] == 10 else {
                throw .data("\(subject): chunk of \(size) bytes not followed by CRLF")
            }
            body.append(contentsOf: bytes[start..<(start + size)])
            index = start + size + 2
        }
    }

    /// Where `needle` first starts in `haystack` (an index of the haystack's base), or nil.
    static func find(_ haystack: ArraySlice<UInt8>, _ needle: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var start = haystack.startIndex
        while start <= haystack.endIndex - needle.count {
            if haystack[start] == needle[0] && haystack[start..<(start + needle.count)].elementsEqual(needle) {
                return start
            }
            start += 1
        }
        return nil
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
