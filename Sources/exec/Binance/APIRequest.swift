import Glibc

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
    private let json: UnsafeMutablePointer<UInt8>
    private let payload: UnsafeMutablePointer<UInt8>
    private var jsonCount = 0
    private var payloadCount = 0
    private var parameters = 0
    /// Set when a value would not fit: `finish` then refuses the request.
    private var overflowed = false
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

    public init() {
        json = .allocate(capacity: APIRequest.capacity)
        payload = .allocate(capacity: APIRequest.capacity)
    }

    deinit {
        json.deallocate()
        payload.deallocate()
    }

    /// Starts a request: its id (echoed in the answer), method, and what signs it.
    public mutating func begin(
        id: UInt64, method: StaticString,
        authentication: Authentication = Authentication(apiKey: nil, timestampMs: 0, recvWindowMs: 0)
    ) {
        self.authentication = authentication
        jsonCount = 0
        payloadCount = 0
        parameters = 0
        overflowed = false
        appendJSON("{\"id\":")
        appendJSONInteger(Int64(bitPattern: id))
        appendJSON(",\"method\":\"")
        appendJSON(method)
        appendJSON("\",\"params\":{")
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
        appendJSON("\"")
        appendBoth(value)
        appendJSON("\"")
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
        let start = jsonCount
        appendJSONInteger(value)
        appendPayload(UnsafeRawBufferPointer(start: json + start, count: jsonCount - start))
    }

    /// A decimal parameter, `count × mantissa × 10^-decimals` written exactly with `decimals`
    /// places (a price in ticks, a quantity in lots): quoted in the JSON, as Binance's examples.
    public mutating func decimal(_ name: StaticString, count: Int64, mantissa: Int64, decimals: UInt8) {
        open(name)
        appendJSON("\"")
        let start = jsonCount
        let (value, overflow) = Int128(count).multipliedReportingOverflow(by: Int128(mantissa))
        guard !overflow, value >= 0 else {
            overflowed = true
            return
        }
        var digits: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0) // 40 bytes of scratch
        withUnsafeMutableBytes(of: &digits) { scratch in
            var magnitude = UInt128(value)
            var written = 0
            repeat {
                scratch[written] = UInt8(0x30 + magnitude % 10)
                magnitude /= 10
                written += 1
            } while magnitude > 0 || written <= Int(decimals)
            var index = written - 1
            while index >= 0 {
                if index == Int(decimals) - 1 { appendJSONByte(0x2E) }
                appendJSONByte(scratch[index])
                index -= 1
            }
        }
        appendPayload(UnsafeRawBufferPointer(start: json + start, count: jsonCount - start))
        appendJSON("\"")
    }

    /// Closes the request; with `hmac`, the payload's signature is added as `signature` (the
    /// last parameter, outside the sorted payload). Nil if anything did not fit.
    public mutating func finish(hmac: HMACSHA256?) -> UnsafeRawBufferPointer? {
        if let hmac {
            let signed = UnsafeRawBufferPointer(start: payload, count: payloadCount)
            open("signature")
            appendJSON("\"")
            guard jsonCount + HMACSHA256.hexLength + 3 <= APIRequest.capacity else { return nil }
            hmac.sign(signed, hex: json + jsonCount)
            jsonCount += HMACSHA256.hexLength
            appendJSON("\"")
        }
        appendJSON("}}")
        guard !overflowed else { return nil }
        return UnsafeRawBufferPointer(start: json, count: jsonCount)
    }

    /// The signing payload so far (tests; an Ed25519 logon signs it).
    public var signingPayload: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: payload, count: payloadCount) }

    private mutating func open(_ name: StaticString) {
        if parameters > 0 {
            appendJSONByte(0x2C)
            appendPayloadByte(0x26)
        }
        parameters += 1
        appendJSON("\"")
        appendJSON(name)
        appendJSON("\":")
        appendPayload(UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        appendPayloadByte(0x3D)
    }

    private mutating func appendJSON(_ text: StaticString) {
        appendJSON(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private mutating func appendJSON(_ bytes: UnsafeRawBufferPointer) {
        guard jsonCount + bytes.count <= APIRequest.capacity else {
            overflowed = true
            return
        }
        if let base = bytes.baseAddress {
            UnsafeMutableRawPointer(json + jsonCount).copyMemory(from: base, byteCount: bytes.count)
        }
        jsonCount += bytes.count
    }

    private mutating func appendJSONByte(_ byte: UInt8) {
        guard jsonCount < APIRequest.capacity else {
            overflowed = true
            return
        }
        json[jsonCount] = byte
        jsonCount += 1
    }

    private mutating func appendJSONInteger(_ value: Int64) {
        if value < 0 { appendJSONByte(0x2D) }
        var magnitude = value.magnitude
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &scratch) { digits in
            var count = 0
            repeat {
                digits[count] = UInt8(0x30 + magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            while count > 0 {
                count -= 1
                appendJSONByte(digits[count])
            }
        }
    }

    private mutating func appendBoth(_ bytes: UnsafeRawBufferPointer) {
        appendJSON(bytes)
        appendPayload(bytes)
    }

    private mutating func appendPayload(_ bytes: UnsafeRawBufferPointer) {
        guard payloadCount + bytes.count <= APIRequest.capacity else {
            overflowed = true
            return
        }
        if let base = bytes.baseAddress {
            UnsafeMutableRawPointer(payload + payloadCount).copyMemory(from: base, byteCount: bytes.count)
        }
        payloadCount += bytes.count
    }

    private mutating func appendPayloadByte(_ byte: UInt8) {
        guard payloadCount < APIRequest.capacity else {
            overflowed = true
            return
        }
        payload[payloadCount] = byte
        payloadCount += 1
    }
}
