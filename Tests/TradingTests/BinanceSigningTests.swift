import BinanceAPI
import Foundation
import Glibc
import XCTest

/// Signing and request writing against the published vectors (BINANCE.md E.2, E.5, G.2; RFC
/// 4231, RFC 8032), and the key file's rules.
final class BinanceSigningTests: XCTestCase {
    static let docsSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
    static let docsAPIKey = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
    /// RFC 8032 TEST 1's secret key as PKCS#8 PEM.
    static let rfc8032Test1 = """
        -----BEGIN PRIVATE KEY-----
        MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g
        -----END PRIVATE KEY-----

        """

    func testHMACMatchesTheRESTDocsVectors() {
        let hmac = HMACSHA256(key: Array(Self.docsSecret.utf8))
        XCTAssertEqual(
            hmac.sign(
                "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000"
                    + "&timestamp=1499827319559"),
            "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71")
        XCTAssertEqual(
            hmac.sign(
                "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce=GTC"
                    + "&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"),
            "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3")
    }

    /// RFC 4231 test case 6: a key longer than SHA-256's block is hashed first.
    func testHMACWithAKeyLongerThanABlock() {
        let hmac = HMACSHA256(key: Array(repeating: 0xAA, count: 131))
        XCTAssertEqual(
            hmac.sign("Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    /// The WebSocket API's `order.place` example: parameters sorted, unquoted, signed; the
    /// request written as JSON with the signature last.
    func testRequestWriterSignsTheWebSocketDocsExample() throws {
        var request = APIRequest()
        let key = Array(Self.docsAPIKey.utf8)
        let json = key.withUnsafeBytes { apiKey -> String in
            request.begin(
                id: 7, method: "order.place",
                authentication: .init(apiKey: apiKey, timestampMs: 1_645_423_376_532, recvWindowMs: 100))
            request.apiKey()
            request.decimal("price", count: 5_200_000, mantissa: 1, decimals: 2)
            request.decimal("quantity", count: 1_000_000, mantissa: 1, decimals: 8)
            request.recvWindow()
            request.string("side", "SELL")
            request.string("symbol", "BTCUSDT")
            request.string("timeInForce", "GTC")
            request.timestamp()
            request.string("type", "LIMIT")
            XCTAssertEqual(
                String(decoding: request.signingPayload, as: UTF8.self),
                "apiKey=\(Self.docsAPIKey)&price=52000.00&quantity=0.01000000&recvWindow=100&side=SELL"
                    + "&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&type=LIMIT")
            let bytes = request.finish(hmac: HMACSHA256(key: Array(Self.docsSecret.utf8)))!
            return String(decoding: bytes, as: UTF8.self)
        }
        XCTAssertEqual(
            json,
            "{\"id\":7,\"method\":\"order.place\",\"params\":{\"apiKey\":\"\(Self.docsAPIKey)\",\"price\":\"52000.00\","
                + "\"quantity\":\"0.01000000\",\"recvWindow\":100,\"side\":\"SELL\",\"symbol\":\"BTCUSDT\","
                + "\"timeInForce\":\"GTC\",\"timestamp\":1645423376532,\"type\":\"LIMIT\","
                + "\"signature\":\"aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24\"}}")
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        XCTAssertEqual(parsed?["method"] as? String, "order.place")
    }

    func testDecimalsAreWrittenExactly() {
        var request = APIRequest()
        request.begin(id: 1, method: "t")
        request.decimal("a", count: 0, mantissa: 1, decimals: 8)
        request.decimal("b", count: 7, mantissa: 5, decimals: 1)
        request.decimal("c", count: 1_000_000_000, mantissa: 1, decimals: 8)
        request.decimal("d", count: Int64.max, mantissa: Int64(UInt32.max), decimals: 18)
        XCTAssertEqual(
            String(decoding: request.signingPayload, as: UTF8.self),
            "a=0.00000000&b=3.5&c=10.00000000&d=39614081247.908796755622232065")
        request.decimal("e", count: -1, mantissa: 1, decimals: 0)
        XCTAssertNil(request.finish(hmac: nil), "a negative quantity is never written")
    }

    func testEd25519MatchesRFC8032AndTheVerifiedDocsPayloads() throws {
        let key = try Ed25519Key(pem: Array(Self.rfc8032Test1.utf8))
        XCTAssertEqual(
            key.sign([UInt8]()),
            "5VZDAMNgrHKQhuLMgG6CioSHfx645dl02HPgZSJJAVVfuIIVkKM7rMYeOXAc+bRr0lv18FlbviRlUUFDjnoQCw==")
        XCTAssertEqual(
            key.sign(
                "apiKey=4yNzx3yWC5bS6YTwEkSRaC0nRmSQIIStAUOh1b6kqaBrTLIhjCpI5lJH8q8R8WNO&price=52000.00"
                    + "&quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC"
                    + "&timestamp=1645423376532&type=LIMIT"),
            "Ws+5m/CMnpkko0uBFxGTZ2+fjqqBXsUjRiaz173fPhXTkhoDBYNZ6wcYNeWItdrGn1pvG7vkwx2fhmJdAZ3KDQ==")
        XCTAssertEqual(
            key.sign("apiKey=\(Self.docsAPIKey)&timestamp=1649729878532"),
            "763GJeFgG09B/06V/dq24cLu6f0R57whgDMyOCubDex4CTTElmDgPSIQqLdOsvW5TBxyaaFotVCI8tUmQMChAA==")
    }

    func testAnRSAKeyIsRefusedByName() throws {
        let directory = NSTemporaryDirectory() + "tickpipe-rsa-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pem = directory + "/rsa.pem"
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", pem]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        XCTAssertThrowsError(try Ed25519Key(pem: Array(try Data(contentsOf: URL(fileURLWithPath: pem))))) {
            XCTAssertEqual("\($0)", "a PEM private key, but not Ed25519 (RSA keys are not supported)")
        }
    }

    /// The key file must be the user's and readable by no one else; an error names both
    /// variables and never the key.
    func testKeyFileRules() throws {
        let directory = NSTemporaryDirectory() + "tickpipe-keys-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/key"
        try Self.docsSecret.write(toFile: file, atomically: false, encoding: .utf8)

        func load(mode: mode_t, apiKey: String? = BinanceSigningTests.docsAPIKey) -> Result<APICredentials, KeyError> {
            chmod(file, mode)
            if let apiKey {
                setenv(APICredentials.keyVariable, apiKey, 1)
            } else {
                unsetenv(APICredentials.keyVariable)
            }
            setenv(APICredentials.fileVariable, file, 1)
            defer { unsetenv(APICredentials.fileVariable) }
            return Result { () throws(KeyError) in try APICredentials.fromEnvironment() }
        }
        guard case .failure(let open) = load(mode: 0o644) else { return XCTFail("a 0644 key file was accepted") }
        XCTAssertTrue("\(open)".contains("mode 644"), "\(open)")
        XCTAssertTrue("\(open)".contains(APICredentials.fileVariable) && "\(open)".contains(APICredentials.keyVariable))
        XCTAssertFalse("\(open)".contains(Self.docsSecret) || "\(open)".contains(Self.docsAPIKey))
        guard case .failure(let missing) = load(mode: 0o600, apiKey: nil) else {
            return XCTFail("no API key, accepted")
        }
        XCTAssertTrue("\(missing)".contains(APICredentials.keyVariable), "\(missing)")

        guard case .success(let credentials) = load(mode: 0o600) else { return XCTFail("a 0600 key file refused") }
        XCTAssertEqual(credentials.apiKey, Self.docsAPIKey)
        XCTAssertEqual("\(credentials)", "HMAC key from \(file)")
        var dumped = ""
        dump(credentials, to: &dumped)
        XCTAssertFalse(dumped.contains(Self.docsAPIKey) || dumped.contains(Self.docsSecret), dumped)
        XCTAssertNil(getenv(APICredentials.keyVariable), "the key variable stays in the environment")
        guard case .hmac(let hmac) = credentials.signer else { return XCTFail("not read as an HMAC secret") }
        XCTAssertEqual(
            hmac.sign("apiKey=\(Self.docsAPIKey)&timestamp=1"),
            HMACSHA256(key: Array(Self.docsSecret.utf8)).sign("apiKey=\(Self.docsAPIKey)&timestamp=1"))

        try Self.rfc8032Test1.write(toFile: file, atomically: false, encoding: .utf8)
        guard case .success(let ed25519) = load(mode: 0o400) else { return XCTFail("a 0400 PEM key refused") }
        XCTAssertEqual("\(ed25519)", "Ed25519 key from \(file)")
    }

    func testAnswersAndEventsAreRead() throws {
        func read(_ text: String) throws -> (APIMessage, [UInt8]) {
            let bytes = Array(text.utf8)
            return (try bytes.withUnsafeBufferPointer { try APIMessage($0) }, bytes)
        }
        let (ok, _) = try read(
            """
            {"id":3,"status":200,"result":{"serverTime":1},"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT",\
            "interval":"MINUTE","intervalNum":1,"limit":6000,"count":3},{"rateLimitType":"ORDERS","interval":\
            "SECOND","intervalNum":10,"limit":50,"count":12},{"rateLimitType":"ORDERS","interval":"DAY",\
            "intervalNum":1,"limit":160000,"count":40}]}
            """)
        XCTAssertEqual(ok.id, 3)
        XCTAssertTrue(ok.isSuccess)
        XCTAssertEqual(ok.rateLimits.count, 3)
        XCTAssertEqual(ok.rateLimits[1], .init(kind: .orders, intervalSeconds: 10, limit: 50, count: 12))
        XCTAssertEqual(ok.rateLimits[2].intervalSeconds, 86_400)

        let (banned, bannedBytes) = try read(
            """
            {"id":"x","status":418,"error":{"code":-1003,"msg":"Way too much request weight used; IP banned until \
            1659146400000.","data":{"serverTime":1659142907531,"retryAfter":1659146400000}}}
            """.replacingOccurrences(of: "\"x\"", with: "9"))
        XCTAssertEqual(banned.errorCode, -1003)
        XCTAssertEqual(banned.retryAfterMs, 1_659_146_400_000)
        XCTAssertTrue(
            bannedBytes.withUnsafeBufferPointer { WebSocketAPISession.describe(banned, $0) }.hasPrefix(
                "status 418, code -1003: Way too much"))

        let (revoked, _) = try read(
            #"{"id": null, "status": 401, "error": {"code": -2015, "msg": "Invalid API-key, IP, or permissions "#
                + #"for action."}}"#
        )
        XCTAssertNil(revoked.id)
        XCTAssertEqual(revoked.errorCode, -2015)

        let (event, eventBytes) = try read(#"{"subscriptionId":0,"event":{"e":"executionReport","E":1,"s":"BTCUSDT"}}"#)
        XCTAssertTrue(event.isEvent)
        XCTAssertEqual(String(decoding: eventBytes[event.eventType!], as: UTF8.self), "executionReport")

        XCTAssertThrowsError(try read(#"{"id":1}"#))
        XCTAssertThrowsError(try read(#"{"id":1,"status":200} x"#))
        // A status past 64 bits (found by the fuzzer: it trapped) or outside HTTP's is refused.
        XCTAssertThrowsError(try read(#"{"id":3,"status":00012626062823937713494}"#))
        XCTAssertThrowsError(try read(#"{"id":3,"status":99}"#))
    }
}
