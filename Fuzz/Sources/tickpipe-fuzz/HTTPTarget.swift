@testable import Network

/// Bytes from an HTTP server (the REST snapshot and exchangeInfo answers): the response reader
/// takes them in pieces of the sizes the input's first byte gives, then the connection closes;
/// a body it returns is never longer than what arrived.
enum HTTPTarget {
    static func run(_ input: UnsafeRawBufferPointer) {
        guard let first = input.first else { return }
        var reader = HTTPResponseReader(subject: "GET fuzz")
        let piece = Int(first) + 1
        var offset = 1
        do {
            while offset < input.count {
                let count = min(piece, input.count - offset)
                if let response = try reader.append(UnsafeRawBufferPointer(rebasing: input[offset..<(offset + count)]))
                {
                    return check(response, received: offset + count - 1)
                }
                offset += count
            }
            check(try reader.closed(), received: input.count - 1)
        } catch {
            return
        }
    }

    static func check(_ response: HTTPResponseReader.Response, received: Int) {
        guard (100...999).contains(response.status), response.body.count <= received else {
            fatalError(
                "HTTP response with status \(response.status) and \(response.body.count) bytes of body from "
                    + "\(received) bytes"
            )
        }
    }
}
