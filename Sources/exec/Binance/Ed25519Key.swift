import COpenSSL
import Glibc
import Network

/// An Ed25519 private key (PKCS#8 PEM, as `openssl genpkey -algorithm ed25519` writes it) that
/// signs with the system's OpenSSL. Binance's recommended key type: a WebSocket API session signs
/// once, its `session.logon`, and every request after that rides on it (BINANCE.md G.2).
/// Signatures are deterministic (RFC 8032), base64 in the request.
public final class Ed25519Key {
    private let key: OpaquePointer

    /// The key in `pem`; a failure says what is wrong without any of the key's bytes.
    public init(pem: [UInt8]) throws(KeyError) {
        let loaded: OpaquePointer? = pem.withUnsafeBytes { bytes in
            guard let bio = BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        ERR_clear_error()
        guard let loaded else { throw KeyError("not a PEM private key OpenSSL can read") }
        guard EVP_PKEY_get_base_id(loaded) == EVP_PKEY_ED25519 else {
            EVP_PKEY_free(loaded)
            throw KeyError("a PEM private key, but not Ed25519 (RSA keys are not supported)")
        }
        key = loaded
    }

    deinit { EVP_PKEY_free(key) } // OpenSSL clears a private key's memory as it frees it

    /// The 64-byte signature of `message`, base64 (88 characters).
    public func sign(_ message: [UInt8]) -> String {
        guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
        defer { EVP_MD_CTX_free(context) }
        var signature = [UInt8](repeating: 0, count: 64)
        var length = 64
        guard EVP_DigestSignInit(context, nil, nil, nil, key) == 1,
            EVP_DigestSign(context, &signature, &length, message, message.count) == 1, length == 64
        else { fatalError("Ed25519 signing failed: \(SecureSocket.tlsError())") }
        return Base64.encode(signature)
    }

    public func sign(_ message: String) -> String { sign(Array(message.utf8)) }
}
