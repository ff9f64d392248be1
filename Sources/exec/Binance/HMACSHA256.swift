import COpenSSL
import Glibc

/// HMAC-SHA256 (RFC 2104) with the key's inner and outer SHA-256 states computed once: a
/// signature is two context copies and two finals, with no allocation (OpenSSL's one-shot
/// `HMAC` allocates a context per call). Binance's HMAC keys sign every request with it, as a
/// lowercase hex string (BINANCE.md E.2). The key and its states are zeroed when this goes.
public final class HMACSHA256 {
    /// The states after `key ⊕ ipad` and `key ⊕ opad`.
    private let states: UnsafeMutablePointer<SHA256_CTX>
    public static let hexLength = 64

    public init(key: [UInt8]) {
        states = .allocate(capacity: 2)
        var block = [UInt8](repeating: 0, count: 64)
        if key.count > 64 {
            _ = SHA256(key, key.count, &block)
        } else {
            block.replaceSubrange(0..<key.count, with: key)
        }
        var pad = [UInt8](repeating: 0, count: 64)
        for (index, mask) in [UInt8(0x36), 0x5C].enumerated() {
            for position in 0..<64 { pad[position] = block[position] ^ mask }
            SHA256_Init(states + index)
            SHA256_Update(states + index, pad, 64)
        }
        SecretMemory.wipe(&pad)
        SecretMemory.wipe(&block)
    }

    deinit {
        SecretMemory.wipe(UnsafeMutableRawBufferPointer(start: states, count: 2 * MemoryLayout<SHA256_CTX>.size))
        states.deallocate()
    }

    /// The signature of `message` as 64 lowercase hex digits, written to `hex`.
    public func sign(_ message: UnsafeRawBufferPointer, hex: UnsafeMutablePointer<UInt8>) {
        var context = states[0]
        var digest: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digest) { digestBytes in
            let bytes = digestBytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
            SHA256_Update(&context, message.baseAddress, message.count)
            SHA256_Final(bytes, &context)
            context = states[1]
            SHA256_Update(&context, bytes, 32)
            SHA256_Final(bytes, &context)
            let digits: StaticString = "0123456789abcdef"
            for index in 0..<32 {
                hex[2 * index] = digits.utf8Start[Int(bytes[index] >> 4)]
                hex[2 * index + 1] = digits.utf8Start[Int(bytes[index] & 0x0F)]
            }
        }
        withUnsafeMutableBytes(of: &context) { SecretMemory.wipe($0) }
    }

    /// The signature as a String (tests, rare requests).
    public func sign(_ message: String) -> String {
        var hex = [UInt8](repeating: 0, count: HMACSHA256.hexLength)
        var bytes = Array(message.utf8)
        bytes.withUnsafeBytes { message in hex.withUnsafeMutableBufferPointer { sign(message, hex: $0.baseAddress!) } }
        SecretMemory.wipe(&bytes)
        return String(decoding: hex, as: UTF8.self)
    }
}
