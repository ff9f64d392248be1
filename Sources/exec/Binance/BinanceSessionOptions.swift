import Glibc
import IPC
import Network

/// How a tool reaches Binance's WebSocket API, the flags exec and risk share: `--venue-journal
/// FILE`, `--testnet` | `--demo`, `--recv-window-ms MS` (5000), `--ca-file FILE`
/// (`TICKPIPE_CA_FILE`, else the system's store).
public struct BinanceSessionOptions {
    public var journal: String?
    public var testnet = false
    public var demo = false
    public var recvWindowMs = 5_000
    public var caFile: String?
    /// The keys, once `readKeys` has read them.
    public private(set) var credentials: APICredentials?

    /// The defaults: the exchange, 5000 ms, the system's CA store.
    public init() {}

    public init(parsing flags: inout CommandLineArguments) throws(InvalidArgument) {
        journal = try flags.value("--venue-journal")
        testnet = flags.flag("--testnet")
        demo = flags.flag("--demo")
        recvWindowMs = try flags.integer("--recv-window-ms", in: 1...60_000) ?? recvWindowMs
        caFile = try flags.value("--ca-file") ?? getenv("TICKPIPE_CA_FILE").map { String(cString: $0) }
        guard !(testnet && demo) else { throw InvalidArgument("--testnet and --demo: give one") }
    }

    /// A flag that only a venue session uses was given.
    public var venueFlagGiven: Bool { journal != nil || testnet || demo }

    /// Reads the keys (`APICredentials.fromEnvironment`, which wipes the variable) and checks
    /// the endpoint; what is wrong, as `tool`'s one line. Tools read them before they start
    /// (`--check-options` too), so a script checking its command lines learns of a missing key
    /// before anything runs.
    public mutating func readKeys(tool: String) -> String? {
        do {
            credentials = try APICredentials.fromEnvironment()
            _ = try BinanceEndpoint.url(testnet: testnet, demo: demo)
        } catch {
            return "\(tool): \(error)"
        }
        return nil
    }

    /// The keys (`readKeys` first, else read here: a bad or missing one is one line, exit 100,
    /// nothing sent), core dumps forbidden, the session made (it connects from the duty cycle).
    /// `tool` names it.
    public func session(tool: String) throws(AgentStop) -> WebSocketAPISession {
        let credentials: APICredentials
        let url: NetworkURL
        do {
            credentials = try self.credentials ?? APICredentials.fromEnvironment()
            url = try BinanceEndpoint.url(testnet: testnet, demo: demo)
        } catch {
            throw AgentStop(code: ExitCode.usage, message: "\(tool): \(error)")
        }
        APICredentials.forbidDumps()
        let tls: TLSContext
        do { tls = try TLSContext(caFile: caFile) } catch {
            throw AgentStop(code: error.exitCode, message: "\(tool): \(error)")
        }
        return WebSocketAPISession(
            url: url, tls: tls, credentials: credentials, recvWindowMs: Int64(recvWindowMs), name: tool,
            report: StandardError.line)
    }
}
