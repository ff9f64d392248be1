import Network

/// The `rateLimits` of a response: what the request counted against each of the venue's limits
/// (BINANCE.md G.5), up to eight of them.
public struct RateLimitReadings {
    public enum Kind: UInt8 {
        case requestWeight, orders, rawRequests, other
    }

    public struct Reading: Equatable {
        public var kind: Kind
        /// The interval in seconds (10 SECOND = 10, 1 DAY = 86,400).
        public var intervalSeconds: Int64
        public var limit: Int64
        public var count: Int64

        public init(kind: Kind, intervalSeconds: Int64, limit: Int64, count: Int64) {
            self.kind = kind
            self.intervalSeconds = intervalSeconds
            self.limit = limit
            self.count = count
        }
    }

    public static let capacity = 8
    private var storage: (Reading, Reading, Reading, Reading, Reading, Reading, Reading, Reading)
    public private(set) var count = 0

    public init() {
        let empty = Reading(kind: .other, intervalSeconds: 0, limit: 0, count: 0)
        storage = (empty, empty, empty, empty, empty, empty, empty, empty)
    }

    public subscript(index: Int) -> Reading {
        precondition(index < count)
        return withUnsafeBytes(of: storage) {
            $0.load(fromByteOffset: index * MemoryLayout<Reading>.stride, as: Reading.self)
        }
    }

    mutating func read(_ scanner: inout JSONScanner) throws(JSONScanner.Failure) {
        var reading = Reading(kind: .other, intervalSeconds: 0, limit: 0, count: 0)
        var unit: Int64 = 0
        var number: Int64 = 0
        try scanner.object { (scanner, key) throws(JSONScanner.Failure) in
            if scanner.equals(key, "rateLimitType") {
                let value = try scanner.string()
                reading.kind =
                    scanner.equals(value, "ORDERS")
                    ? .orders
                    : scanner.equals(value, "REQUEST_WEIGHT")
                        ? .requestWeight : scanner.equals(value, "RAW_REQUESTS") ? .rawRequests : .other
            } else if scanner.equals(key, "interval") {
                let value = try scanner.string()
                unit =
                    scanner.equals(value, "SECOND")
                    ? 1 : scanner.equals(value, "MINUTE") ? 60 : scanner.equals(value, "HOUR") ? 3_600 : 86_400
            } else if scanner.equals(key, "intervalNum") {
                number = try scanner.signed()
            } else if scanner.equals(key, "limit") {
                reading.limit = try scanner.signed()
            } else if scanner.equals(key, "count") {
                reading.count = try scanner.signed()
            } else {
                try scanner.skipValue()
            }
        }
        reading.intervalSeconds = unit &* number
        guard count < RateLimitReadings.capacity else { return }
        withUnsafeMutableBytes(of: &storage) {
            $0.storeBytes(of: reading, toByteOffset: count * MemoryLayout<Reading>.stride, as: Reading.self)
        }
        count += 1
    }
}
