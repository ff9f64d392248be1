import Foundation
import Glibc
import XCTest

/// What the loopback stand-ins need: a certificate the tools are told to trust, keys, and the
/// stand-in's standard output read a line at a time.
public enum LoopbackTLS {
    /// Runs a command (on the PATH), its output discarded; its exit status.
    public static func run(_ executable: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// A self-signed certificate for 127.0.0.1 in `directory`, the CA the tools are told to trust.
    public static func makeCertificate(in directory: URL) throws -> (cert: String, key: String) {
        let cert = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let status = try run(
            "openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                "-days", "1", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"
            ])
        guard status == 0 else { throw XCTSkip("the openssl command is needed to make a test certificate") }
        return (cert, key)
    }

    /// A new Ed25519 key pair in `directory`: the private key (PEM, mode 0600) and the public one.
    public static func makeEd25519Key(in directory: URL) throws -> (privateKey: String, publicKey: String) {
        let privateKey = directory.appendingPathComponent("ed25519.pem").path
        let publicKey = directory.appendingPathComponent("ed25519.pub.pem").path
        guard try run("openssl", ["genpkey", "-algorithm", "ed25519", "-out", privateKey]) == 0,
            try run("openssl", ["pkey", "-in", privateKey, "-pubout", "-out", publicKey]) == 0
        else { throw XCTSkip("the openssl command is needed to make an Ed25519 key") }
        chmod(privateKey, 0o600)
        return (privateKey, publicKey)
    }

    /// Skips the test unless Python has the stand-ins' packages.
    public static func requirePython(_ modules: [String]) throws {
        guard try run("python3", ["-c", "import " + modules.joined(separator: ", ")]) == 0 else {
            throw XCTSkip(
                "Python's \(modules.joined(separator: " and ")) packages are needed "
                    + "(pip install; .ci/run installs them)"
            )
        }
    }
}

/// Reads a child's stdout a line at a time.
public final class LineReader: @unchecked Sendable {
    private let handle: FileHandle
    private var pending = Data()
    public init(_ handle: FileHandle) { self.handle = handle }

    public func line(timeout: TimeInterval) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let newline = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                return line
            }
            // Waits for bytes at most until the deadline (availableData alone would block).
            var descriptor = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
            let waitMs = Int32(max(1, min(1_000, deadline.timeIntervalSinceNow * 1_000)))
            guard poll(&descriptor, 1, waitMs) > 0 else { continue }
            let chunk = handle.availableData
            if chunk.isEmpty { return nil }
            pending.append(chunk)
        }
        return nil
    }
}
