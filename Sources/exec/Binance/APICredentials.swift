import CPlatform
import Glibc
import IPC

/// The API key and what signs for it, from the environment: `TICKPIPE_BINANCE_API_KEY` names
/// the key, `TICKPIPE_BINANCE_KEY_FILE` is a file only its owner may read (mode 0600 or
/// stricter, owned by this user) holding an Ed25519 private key (PEM; preferred: one
/// `session.logon` per connection) or an HMAC secret (one line; every request signed).
///
/// Nothing here ever prints the key or the secret: errors name the variables and the file, and
/// `description` says only which kind of key it is. After reading, the variable's value is wiped
/// from this process's environment block (`/proc/<pid>/environ`) and left out of children's.
public struct APICredentials: CustomStringConvertible, CustomReflectable {
    public enum Signer {
        case ed25519(Ed25519Key)
        case hmac(HMACSHA256)
    }

    public static let keyVariable = "TICKPIPE_BINANCE_API_KEY"
    public static let fileVariable = "TICKPIPE_BINANCE_KEY_FILE"

    public let apiKey: String
    public let signer: Signer
    /// Where the secret came from, for the operator: the file's path.
    public let keyFile: String

    public var description: String {
        switch signer {
        case .ed25519: "Ed25519 key from \(keyFile)"
        case .hmac: "HMAC key from \(keyFile)"
        }
    }

    /// No field shows in `dump` or a debugger's summary.
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }

    /// Both variables, checked; the file's owner and mode checked before it is read.
    public static func fromEnvironment() throws(KeyError) -> APICredentials {
        guard let apiKey = getenv(keyVariable).map({ String(cString: $0) }), !apiKey.isEmpty,
            let path = getenv(fileVariable).map({ String(cString: $0) }), !path.isEmpty
        else {
            throw KeyError(
                "live trading needs \(keyVariable) (the API key) and \(fileVariable) (a file of mode 0600 holding "
                    + "the Ed25519 private key as PEM, or the HMAC secret)")
        }
        guard apiKey.utf8.count <= 256, apiKey.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw KeyError("\(keyVariable) is not an API key: expected up to 256 printable ASCII characters, no spaces")
        }
        let signer = try readSigner(path)
        wipe(keyVariable)
        return APICredentials(apiKey: apiKey, signer: signer, keyFile: path)
    }

    private static func readSigner(_ path: String) throws(KeyError) -> Signer {
        let file: FileDescriptor
        do { file = try FileDescriptor.open(path, .readOnly) } catch {
            throw KeyError("\(fileVariable) \(path): \(error.errnoDescription)")
        }
        defer { try? file.close() }
        let status: stat
        do { status = try file.status() } catch { throw KeyError("\(fileVariable) \(path): \(error.errnoDescription)") }
        guard status.st_mode & S_IFMT == S_IFREG else { throw KeyError("\(fileVariable) \(path): not a regular file") }
        guard status.st_uid == geteuid(), status.st_mode & 0o077 == 0 else {
            throw KeyError(
                "\(fileVariable) \(path): mode \(String(status.st_mode & 0o777, radix: 8)) owned by uid "
                    + "\(status.st_uid): the key file must be readable by its owner alone (chmod 600) and owned by "
                    + "this user (uid \(geteuid())); refusing \(keyVariable) with it")
        }
        let limit = 16_384
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: limit, alignment: 1)
        defer {
            SecretMemory.wipe(buffer)
            buffer.deallocate()
        }
        var count = 0
        while count < limit {
            let got: Int
            do { got = try file.read(into: buffer.baseAddress! + count, count: limit - count) } catch {
                throw KeyError("\(fileVariable) \(path): \(error.errnoDescription)")
            }
            if got == 0 { break }
            count += got
        }
        guard count < limit else { throw KeyError("\(fileVariable) \(path): larger than any key file") }
        var content = Array(buffer[0..<count])
        defer { SecretMemory.wipe(&content) }
        if content.starts(with: Array("-----BEGIN".utf8)) {
            do { return .ed25519(try Ed25519Key(pem: content)) } catch {
                throw KeyError("\(fileVariable) \(path): \(error)")
            }
        }
        var secret = content.filter { $0 != 0x0A && $0 != 0x0D }
        defer { SecretMemory.wipe(&secret) }
        guard !secret.isEmpty, secret.count <= 256, secret.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw KeyError(
                "\(fileVariable) \(path): neither a PEM private key nor an HMAC secret (one line of printable "
                    + "ASCII, up to 256 characters)")
        }
        return .hmac(HMACSHA256(key: secret))
    }

    /// Overwrites the variable's value where the kernel shows it (`/proc/<pid>/environ` reads the
    /// original block, which `unsetenv` leaves as it was), then removes it for children.
    private static func wipe(_ name: String) {
        if let value = getenv(name) { explicit_bzero(value, strlen(value)) }
        unsetenv(name)
    }

    /// For a process that holds keys: no core dump, no ptrace, no `/proc` memory for others.
    public static func forbidDumps() {
        var limit = rlimit(rlim_cur: 0, rlim_max: 0)
        setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &limit)
        _ = cplatform_forbid_dumps()
    }
}
