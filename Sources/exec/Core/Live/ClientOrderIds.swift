import Glibc
import IPC

/// exec's client order ids as the venue sees them: `tp`, this run's start (ms since the epoch,
/// base 36), `-`, the order manager's 32-bit id: `tpmdk3v2q8-17`. Unique per run (ids count up,
/// each run starts later than the last), deterministic within it, and within Binance's
/// `^[\.A-Z\:/a-z0-9_-]{1,36}$`. A run that continues a journal (`--append`) keeps the prefix
/// of the run that began it (`init(prefix:)`, from the venue journal) and counts on from its
/// ids, so the orders the runs before left are still this run's. An id of that shape from any
/// run is tickpipe's: what the start cancels.
struct ClientOrderIds {
    static let maxLength = 36
    /// `tp<start>-`.
    private let prefix: [UInt8]
    /// Where ids are written (the prefix, then up to 10 digits).
    private let scratch: UnsafeMutablePointer<UInt8>

    init(startMs: Int64) {
        var start: [UInt8] = []
        var value = UInt64(max(0, startMs))
        repeat {
            let digit = UInt8(value % 36)
            start.insert(digit < 10 ? 0x30 + digit : 0x61 + digit - 10, at: 0)
            value /= 36
        } while value > 0
        self.init(prefix: Array("tp".utf8) + start + [0x2D])
    }

    /// An earlier run's `tp<start>-` (`isTickpipe` holds for it with an id after it).
    init(prefix: [UInt8]) {
        self.prefix = prefix
        scratch = .allocate(capacity: ClientOrderIds.maxLength)
        scratch.update(from: prefix, count: prefix.count)
    }

    /// The prefix the first exec session of venue journal `path` noted (`sessionNote`), if any:
    /// it is near the start, so only the first 64 KiB are read.
    static func firstPrefix(inVenueJournal path: String) -> [UInt8]? {
        guard let bytes = try? FileDescriptor.readAll(path, limit: 65_536) else { return nil }
        let count = bytes.count
        let marker = Array(sessionNote.utf8)
        guard count >= marker.count else { return nil }
        for start in 0...(count - marker.count) where bytes[start..<(start + marker.count)].elementsEqual(marker) {
            var end = start + marker.count
            while end < count, bytes[end] != 0x2D, bytes[end] != 0x22 { end += 1 }
            guard end < count, bytes[end] == 0x2D else { return nil }
            let prefix = Array(bytes[(start + marker.count)...end])
            return isTickpipe(String(decoding: prefix + [0x31], as: UTF8.self)) ? prefix : nil
        }
        return nil
    }

    /// How the venue journal's note of a session's start begins; the prefix follows.
    static let sessionNote = "exec session started: client order ids "

    /// Frees the scratch buffer: the owner's deinit calls it once.
    func deallocate() { scratch.deallocate() }

    var prefixText: String { String(decoding: prefix, as: UTF8.self) }

    /// `id` in the venue's form, valid until the next call.
    func text(_ id: UInt32) -> UnsafeRawBufferPointer {
        var digits = 1
        var probe = id
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        var value = id
        var position = prefix.count + digits
        repeat {
            position -= 1
            scratch[position] = 0x30 + UInt8(value % 10)
            value /= 10
        } while value > 0
        return UnsafeRawBufferPointer(start: scratch, count: prefix.count + digits)
    }

    /// The id, if `bytes[range]` is one of this run's.
    func id(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt32? {
        guard range.count > prefix.count, range.count <= prefix.count + 10 else { return nil }
        for index in 0..<prefix.count where bytes[range.lowerBound + index] != prefix[index] { return nil }
        var value: UInt64 = 0
        for index in (range.lowerBound + prefix.count)..<range.upperBound {
            let digit = bytes[index] &- 0x30
            guard digit < 10 else { return nil }
            value = value * 10 + UInt64(digit)
        }
        return value <= UInt64(UInt32.max) ? UInt32(value) : nil
    }

    /// Whether `text` has the shape of a tickpipe id, of any run: `tp`, base-36 digits, `-`, digits.
    static func isTickpipe(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 5, bytes.count <= maxLength, bytes[0] == 0x74, bytes[1] == 0x70,
            let dash = bytes.firstIndex(of: 0x2D), dash > 2, dash < bytes.count - 1
        else { return false }
        let start = bytes[2..<dash].allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) }
        return start && bytes[(dash + 1)...].allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}
