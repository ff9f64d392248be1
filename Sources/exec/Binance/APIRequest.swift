import Glibc
import IPC

/// One WebSocket API request as it is written, in fixed buffers (no allocation):
///
/// ```text
///   {"id":17,"method":"order.place","params":{"newClientOrderId":"tp-…","price":"61234.01",…}}
///   signing payload (HMAC keys): newClientOrderId=tp-…&price=61234.01&…&timestamp=…
/// ```
///
/// Parameters must be added in ASCII order of their names, the order Binance sorts them in to
/// check a signature (BINANCE.md E.5: `timeInForce` before `timestamp`); the payload is then
/// the parameters as written, `name=value` joined by `&`, values unquoted and not
/// percent-encoded. `finish` signs it with an HMAC key (appending `signature`) or leaves the
/// request unsigned for a session logged on with an Ed25519 key.
public struct APIRequest: ~Copyable {
    public static let capacity = 2_048
    private var json = TextBuffer(capacity: APIRequest.capacity)
    private var payload = TextBuffer(capacity: APIRequest.capacity)
    private var parameters = 0
    /// What a signed request carries besides its own parameters (`apiKey` only when the session
    /// is not logged on), set by `begin`.
    private var authentication = Authentication(apiKey: nil, timestampMs: 0, recvWindowMs: 0)

    public struct Authentication {
        /// The API key's bytes, for requests signed one by one (HMAC); nil on a logged-on session.
        public var apiKey: UnsafeRawBufferPointer?
        public var timestampMs: Int64
        public var recvWindowMs: Int64

        public init(apiKey: UnsafeRawBufferPointer?, timestampMs: Int64, recvWindowMs: Int64) {
            self.apiKey = apiKey
            self.timestampMs = timestampMs
            self.recvWindowMs = recvWindowMs
        }
    }

    public init() {}

    /// Starts a request: its id (echoed in the answer), method, and what signs it.
    public mutating func begin(
        id: UInt64, method: StaticString,
        authentication: Authentication = Authentication(apiKey: nil, timestampMs: 0, recvWindowMs: 0)
    ) {
        self.authentication = authentication
        json.reset()
        payload.reset()
        parameters = 0
        json.append("{\"id\":")
        json.appendDigits(UInt128(id), decimals: 0)
        json.append(",\"method\":\"")
        json.append(method)
        json.append("\",\"params\":{")
    }

    /// `apiKey`, if the request is signed by itself (in its place in the order: first, as a rule).
    public mutating func apiKey() {
        if let key = authentication.apiKey { string("apiKey", key) }
    }

    /// `recvWindow`, in its place in the order.
    public mutating func recvWindow() { integer("recvWindow", authentication.recvWindowMs) }

    /// `timestamp`, in its place in the order.
    public mutating func timestamp() { integer("timestamp", authentication.timestampMs) }

    /// A string parameter: quoted in the JSON, bare in the payload. The value must need no JSON
    /// escape (symbols, ids, decimals, enum names, keys: checked by their makers).
    public mutating func string(_ name: StaticString, _ value: UnsafeRawBufferPointer) {
        open(name)
        json.append("\"")
        json.append(value)
        payload.append(value)
        json.append("\"")
    }

    public mutating func string(_ name: StaticString, _ value: StaticString) {
        string(name, UnsafeRawBufferPointer(start: value.utf8Start, count: value.utf8CodeUnitCount))
    }

    /// A string parameter from a String (rare requests: logon, queries).
    public mutating func string(_ name: StaticString, _ value: String) {
        var value = value
        value.withUTF8 { string(name, UnsafeRawBufferPointer($0)) }
    }

    /// An integer parameter (timestamp, recvWindow, orderId): bare in both.
    public mutating func integer(_ name: StaticString, _ value: Int64) {
        open(name)
        let start = json.count
        if value < 0 { json.append(0x2D) }
        json.appendDigits(UInt128(value.magnitude), decimals: 0)
        payload.append(json.written(from: start))
    }

    /// A decimal parameter, `count × mantissa × 10^-decimals` written exactly with `decimals`
    /// places (a price in ticks, a quantity in lots): quoted in the JSON, as Binance's examples.
    public mutating func decimal(_ name: StaticString, count: Int64, mantissa: Int64, decimals: UInt8) {
        open(name)
        json.append("\"")
        let start = json.count
        let (value, overflow) = Int128(count).multipliedReportingOverflow(by: Int128(mantissa))
        guard !overflow, value >= 0 else {
            json.markIncomplete()
            return
        }
        json.appendDigits(UInt128(value), decimals: Int(decimals))
        payload.append(json.written(from: start))
        json.append("\"")
    }

    /// Closes the request; with `hmac`, the payload's signature is added as `signature` (the
    /// last parameter, outside the sorted payload). Nil if anything did not fit.
    public mutating func finish(hmac: HMACSHA256?) -> UnsafeRawBufferPointer? {
        if let hmac {
            let signed = payload.written(from: 0)
            open("signature")
            json.append("\"")
            json.append(count: HMACSHA256.hexLength) { hmac.sign(signed, hex: $0) }
            json.append("\"")
        }
        json.append("}}")
        guard !json.overflowed, !payload.overflowed else { return nil }
        return json.written(from: 0)
    }

    /// The signing payload so far (tests; an Ed25519 logon signs it).
    public var signingPayload: UnsafeRawBufferPointer { payload.written(from: 0) }

    private mutating func open(_ name: StaticString) {
        if parameters > 0 {
            json.append(0x2C)
            payload.append(0x26)
        }
        parameters += 1
        json.append("\"")
        json.append(name)
        json.append("\":")
        payload.append(name)
        payload.append(0x3D)
    }
}
