import Glibc
import IPC
import Network

/// Where the spot WebSocket API is (BINANCE.md G.1): the exchange, its testnet, its demo mode,
/// or `TICKPIPE_BINANCE_WS_API_URL` (a stand-in of your own); `TICKPIPE_CA_FILE` replaces the
/// system's CA store.
public enum BinanceEndpoint {
    public static let urlVariable = "TICKPIPE_BINANCE_WS_API_URL"
    public static let production = "wss://ws-api.binance.com:443/ws-api/v3"
    public static let testnet = "wss://ws-api.testnet.binance.vision/ws-api/v3"
    public static let demo = "wss://demo-ws-api.binance.com/ws-api/v3"

    /// The URL: `--testnet` or `--demo` if given, else the variable, else the exchange.
    public static func url(testnet: Bool, demo: Bool) throws(InvalidArgument) -> NetworkURL {
        guard !(testnet && demo) else { throw InvalidArgument("--testnet and --demo: choose one") }
        let text =
            testnet
            ? BinanceEndpoint.testnet
            : demo ? BinanceEndpoint.demo : getenv(urlVariable).map { String(cString: $0) } ?? production
        do { return try NetworkURL(text) } catch { throw InvalidArgument("\(urlVariable): \(error)") }
    }
}
