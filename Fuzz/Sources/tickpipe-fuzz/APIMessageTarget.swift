import BinanceAPI

/// One text message from Binance's WebSocket API (an answer or a user-data event): it is read or
/// refused with a reason, and every range it hands out lies inside the message.
enum APIMessageTarget {
    static func run(_ input: UnsafeRawBufferPointer) {
        let bytes = input.bindMemory(to: UInt8.self)
        guard let message = try? APIMessage(bytes) else { return }
        for range in [message.errorMessage, message.errorData, message.result, message.event, message.eventType] {
            guard let range else { continue }
            guard range.lowerBound >= 0, range.upperBound <= bytes.count else {
                fatalError("a range \(range) outside the message's \(bytes.count) bytes")
            }
        }
        guard message.rateLimits.count <= RateLimitReadings.capacity, message.isEvent || message.status != 0 else {
            fatalError("a message neither an answer nor an event was accepted")
        }
        _ = WebSocketAPISession.describe(message, bytes)
    }
}
