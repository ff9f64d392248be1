import Glibc

/// Zeroes memory that held a secret, in a way the optimiser may not remove (`explicit_bzero`).
enum SecretMemory {
    static func wipe(_ bytes: UnsafeMutableRawBufferPointer) {
        if let base = bytes.baseAddress, bytes.count > 0 { explicit_bzero(base, bytes.count) }
    }

    static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { wipe($0) }
    }
}
