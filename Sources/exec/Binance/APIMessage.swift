import Network

/// One text message from the WebSocket API, read in place (ranges into its bytes):
///
/// ```text
///   a response   {"id":17,"status":200,"result":{…},"rateLimits":[{"rateLimitType":"ORDERS",
///                 "interval":"SECOND","intervalNum":10,"limit":50,"count":3},…]}
///   an error     {"id":17,"status":400,"error":{"code":-2010,"msg":"…","data":{…}},"rateLimits":[…]}
///   an event     {"subscriptionId":0,"event":{"e":"executionReport",…}}
///                {"event":{"e":"serverShutdown","E":1770123456789}}
/// ```
///
/// A 429 or 418 error carries `retryAfter` (epoch ms) in `error.data` (BINANCE.md G.5). A
/// revoked key arrives as a response with a null id: 401, -2015.
public struct APIMessage {
    /// The request id echoed back; nil for an event or a response to no request of ours.
    public var id: UInt64?
    public var status = 0
    /// The error's code (Binance's negative codes), 0 when none.
    public var errorCode: Int64 = 0
    public var errorMessage: Range<Int>?
    /// An error's `data` object (cancel-replace results, retryAfter).
    public var errorData: Range<Int>?
    public var result: Range<Int>?
    public var event: Range<Int>?
    /// The event's type (`e`), when the message is an event.
    public var eventType: Range<Int>?
    public var retryAfterMs: Int64?
    public var rateLimits = RateLimitReadings()

    public var isEvent: Bool { event != nil }
    public var isSuccess: Bool { status == 200 && errorCode == 0 }

    /// Reads `bytes` (one message); a failure names the byte and what was expected.
    public init(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONScanner.Failure) {
        var scanner = JSONScanner(bytes)
        var message = APIMessage(empty: ())
        try scanner.object { (scanner, key) throws(JSONScanner.Failure) in
            if scanner.equals(key, "id") {
                if scanner.peek() == 0x6E { try scanner.skipValue() } else { message.id = try scanner.unsigned() }
            } else if scanner.equals(key, "status") {
                let start = scanner.offset
                let status = try scanner.unsigned()
                guard (100...599).contains(status) else {
                    throw JSONScanner.Failure(offset: start, message: "an HTTP status of \(status)")
                }
                message.status = Int(status)
            } else if scanner.equals(key, "result") {
                message.result = try APIMessage.value(&scanner)
            } else if scanner.equals(key, "error") {
                try scanner.object { (scanner, key) throws(JSONScanner.Failure) in
                    if scanner.equals(key, "code") {
                        message.errorCode = try scanner.signed()
                    } else if scanner.equals(key, "msg") {
                        message.errorMessage = try APIMessage.value(&scanner)
                    } else if scanner.equals(key, "data") {
                        let start = scanner.offset
                        try scanner.object { (scanner, key) throws(JSONScanner.Failure) in
                            if scanner.equals(key, "retryAfter") {
                                message.retryAfterMs = try scanner.signed()
                            } else {
                                try scanner.skipValue()
                            }
                        }
                        message.errorData = start..<scanner.offset
                    } else {
                        try scanner.skipValue()
                    }
                }
            } else if scanner.equals(key, "rateLimits") {
                try scanner.array { (scanner) throws(JSONScanner.Failure) in
                    try message.rateLimits.read(&scanner)
                }
            } else if scanner.equals(key, "event") {
                let start = scanner.offset
                try scanner.object { (scanner, key) throws(JSONScanner.Failure) in
                    if scanner.equals(key, "e") {
                        message.eventType = try scanner.string()
                    } else {
                        try scanner.skipValue()
                    }
                }
                message.event = start..<scanner.offset
            } else {
                try scanner.skipValue()
            }
        }
        guard scanner.peek() == nil else { throw scanner.failure("text after the message") }
        guard message.event != nil || message.status != 0 else {
            throw JSONScanner.Failure(offset: 0, message: "neither a response (status) nor an event")
        }
        self = message
    }

    private init(empty: ()) {}

    /// Skips a value, returning where it lay (a string's range excludes its quotes).
    private static func value(_ scanner: inout JSONScanner) throws(JSONScanner.Failure) -> Range<Int> {
        if scanner.peek() == 0x22 { return try scanner.string() }
        scanner.skipWhitespace()
        let start = scanner.offset
        try scanner.skipValue()
        return start..<scanner.offset
    }
}
