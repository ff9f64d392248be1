import Glibc
import IPC
import Network

/// What a session said to the venue and heard back, as JSON lines (mode 0600, appended): every
/// request as it went, with its `apiKey` and `signature` values replaced by "(redacted)", every
/// answer and event as it came, and the stage's own notes (a reconciliation's findings):
///
/// ```text
///   {"t_ns":1770123456789012345,"sent":{"id":7,"method":"order.place","params":{…}}}
///   {"t_ns":1770123456790112345,"received":{"id":7,"status":200,"result":{…},"rateLimits":[…]}}
///   {"t_ns":1770123456790112345,"note":"BTCUSDT: order tp…-7 unknown after a lost connection"}
/// ```
///
/// Lines are gathered in a fixed buffer and written once a duty cycle (`flush`), or when the
/// buffer fills: no allocation and no system call per message.
public final class VenueJournal {
    public static let capacity = 1 << 20
    private let file: FileDescriptor
    private let path: String
    private let buffer: UnsafeMutablePointer<UInt8>
    private var count = 0
    /// The first write that failed, for the stage to stop on.
    public private(set) var failure: String?

    public init(path: String) throws(SystemError) {
        file = try FileDescriptor.open(path, .writeOnly, options: [.create, .append])
        self.path = path
        buffer = .allocate(capacity: VenueJournal.capacity)
    }

    deinit {
        flush()
        try? file.close()
        buffer.deallocate()
    }

    public func sent(_ request: UnsafeRawBufferPointer) { line("sent", request, redacting: true) }
    public func received(_ message: UnsafeBufferPointer<UInt8>) {
        line("received", UnsafeRawBufferPointer(message), redacting: false)
    }

    /// A note of the stage's own (rare: may allocate).
    public func note(_ text: String) {
        var quoted = JSONText.quoted(text)
        quoted.withUTF8 { line("note", UnsafeRawBufferPointer($0), redacting: false) }
    }

    public func flush() {
        guard count > 0 else { return }
        do { try file.writeAll(buffer, count: count) } catch {
            if failure == nil { failure = "venue journal \(path): \(error)" }
        }
        count = 0
    }

    private func line(_ key: StaticString, _ value: UnsafeRawBufferPointer, redacting: Bool) {
        // The prefix, 20 digits of time, the key, the value (two redactions may lengthen it by
        // 12 bytes each) and the closing: a line fits whole or is left out.
        let needed = value.count + key.utf8CodeUnitCount + 80
        if count + needed > VenueJournal.capacity { flush() }
        guard needed <= VenueJournal.capacity else { return }
        append("{\"t_ns\":")
        var time = UInt64(max(0, SystemClock.realtimeNanoseconds()))
        var digits = 1
        var probe = time
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        var position = count + digits
        repeat {
            position -= 1
            buffer[position] = 0x30 + UInt8(time % 10)
            time /= 10
        } while time > 0
        count += digits
        append(",\"")
        append(UnsafeRawBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        append("\":")
        if redacting { appendRedacted(value) } else { append(value) }
        append("}\n")
    }

    /// `value` with the strings after `"apiKey":` and `"signature":` replaced.
    private func appendRedacted(_ value: UnsafeRawBufferPointer) {
        var index = 0
        while index < value.count {
            append(value[index])
            index += 1
            guard value[index - 1] == 0x3A else { continue } // ':' after a name
            if endsWith("\"apiKey\":") || endsWith("\"signature\":"), index < value.count, value[index] == 0x22 {
                append("\"(redacted)\"")
                index += 1
                while index < value.count, value[index] != 0x22 { index += 1 }
                index += 1
            }
        }
    }

    private func endsWith(_ text: StaticString) -> Bool {
        let length = text.utf8CodeUnitCount
        guard count >= length else { return false }
        return memcmp(buffer + count - length, text.utf8Start, length) == 0
    }

    private func append(_ byte: UInt8) {
        buffer[count] = byte
        count += 1
    }

    private func append(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private func append(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        (buffer + count).update(from: base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        count += bytes.count
    }
}
