import BinanceAPI
import IPC
import Network

/// What `risk` watches and its limits, validated. Sizes in units of the base asset, money in the
/// quote currency.
public struct RiskOptions {
    var session: SessionName
    /// exec's output (position snapshots), read as a lossy consumer: risk never holds exec back.
    var execOutput: Endpoint?
    /// Market data (tops), lossy, for marks and staleness.
    var market: Endpoint?
    var maxPosition: Double?
    /// A position over all bots (exec's accounts) on one instrument.
    var maxTotalPosition: Double?
    var maxNotional: Double?
    var maxDrawdown: Double?
    var staleMs: Int?
    var heartbeatTimeoutMs = 2_000
    var flattenDeadlineMs = 1_000
    /// Risk's own session on the venue (`--venue binance-spot`): the kill that needs no exec.
    var venue: VenueChoice?
    /// Its journal, endpoint, recvWindow, CA store (the CA store also the webhook's).
    var binance = BinanceSessionOptions()
    /// Where alerts are POSTed (https, or http to this machine).
    var alertWebhook: String?
    /// Rejects within `RiskMonitor.rejectWindowNs` that make a reject storm (alerted).
    var rejectStorm = 20

    /// The venue session's keys, read and checked before risk starts: what is wrong, if anything.
    public mutating func readKeys() -> String? { venue != nil ? binance.readKeys(tool: "risk") : nil }

    public enum VenueChoice: String {
        case binanceSpot = "binance-spot"
    }

    public static let usage = """
        usage: risk --session NAME [--exec shm:NAME] [--market shm:NAME]
                    [--max-position UNITS] [--max-total-position UNITS] [--max-notional QUOTE]
                    [--max-drawdown QUOTE] [--stale-ms MS]
                    [--heartbeat-timeout-ms MS] [--flatten-deadline-ms MS]
                    [--venue binance-spot --venue-journal FILE [--testnet|--demo] [--recv-window-ms MS]
                     [--ca-file FILE]] [--alert-webhook URL] [--reject-storm N] [--config FILE]
               risk status SESSION
               risk flatten SESSION
               risk resume SESSION
        Watches a session and halts its trading (the control block's halt flag, with the reason) when
        a limit is breached: a bot's position over --max-position, the bots' together on an instrument
        over --max-total-position, exposure (the bots' positions netted) over --max-notional, a loss of
        --max-drawdown from the peak PnL, no market data for --stale-ms. kill -USR1 <risk pid> flattens:
        exec cancels every order and closes every position with marketable orders, and trading stays
        halted; if exec has not confirmed within --flatten-deadline-ms, risk kills it and says so.
        The watchdog: a registered process that died, or whose heartbeat is older than
        --heartbeat-timeout-ms (2000; stopped, hung), fails the session: trading halts, exec
        flattens (if it is running), and risk exits 1. On exit it prints, per instrument, the
        position, realized PnL and fees it last had from exec. `risk flatten SESSION` does what
        kill -USR1 does without a risk process: halt, flatten, wait up to 2 s for exec (exit 0 flat, 1 not).
        `risk resume SESSION` asks the session's risk to lift the halt: it does once the cause is gone
        (exit 0), and refuses, naming it, while a limit is still breached, a flatten is under way,
        the session failed or its own venue session cancelled at the venue (exit 1).
        --venue binance-spot: risk opens its own session on Binance's spot WebSocket API at start (the
        key from TICKPIPE_BINANCE_API_KEY and TICKPIPE_BINANCE_KEY_FILE, as exec's) and keeps it alive;
        when trading halts it cancels every open order on the session's instruments itself
        (openOrders.cancelAll, then openOrders.status until none shows), exec or no exec; a flatten
        exec did not confirm in time, or a failed session with exec dead, it finishes itself: each
        position (the base balance less the inventory target exec published) sold or bought back
        with MARKET orders. It writes what it sent and what the venue answered to --venue-journal
        FILE (JSON lines). The URL: --testnet, --demo, else TICKPIPE_BINANCE_WS_API_URL, else the
        exchange; --recv-window-ms (5000) bounds a request's age at the venue; --ca-file
        (TICKPIPE_CA_FILE) replaces the system's CA store.
        --alert-webhook URL: a halt, a flatten, risk's venue session lost, the kill's outcome and
        risk's own flatten are POSTed there as JSON (https://, or http:// to 127.0.0.1 or
        localhost), retried, never in the way of risk's loop; so are a reject storm (--reject-storm N
        of exec's orders rejected within 10 s, 20 by default) and each balance difference a live exec
        finds at the venue. --config FILE: a session file's risk.NAME = VALUE lines (the limits' and
        alerts' flags above, without dashes: risk.max-drawdown = 50); flags on the command line
        override them (docs/operations.md, session files).
        defaults (a VALUE in capitals is the unit: MS milliseconds, SECONDS, UNITS of the base asset,
        QUOTE of the quote currency):
          --session NAME             (required)
          --exec shm:NAME            none
          --market shm:NAME          none
          --max-position UNITS       none
          --max-total-position UNITS none
          --max-notional QUOTE       none
          --max-drawdown QUOTE       none
          --stale-ms MS              none
          --heartbeat-timeout-ms MS  2000
          --flatten-deadline-ms MS   1000
          --venue binance-spot       none
          --venue-journal FILE       (required with --venue)
          --testnet, --demo          off
          --recv-window-ms MS        5000
          --ca-file FILE             TICKPIPE_CA_FILE, else the system's
          --alert-webhook URL        none
          --reject-storm N           20
          --config FILE              none
        exit codes: 0 done, 1 the watchdog failed the session, 100 usage, 111 system call failed
        """

    /// What a session's config file may set for risk (`risk.NAME = VALUE`): its limits and alerts.
    /// The position limits are the strategy's `max-position` (run.sh passes risk twice it).
    static let fileNames: Set<String> = [
        "max-notional", "max-drawdown", "stale-ms", "heartbeat-timeout-ms", "flatten-deadline-ms", "reject-storm",
        "alert-webhook"
    ]

    /// The command line, with a session file's `risk.` lines under it (`--config FILE`).
    public init(_ arguments: [String]) throws(InvalidArgument) {
        self = try ConfigFile.parse(
            arguments, section: "risk", parameters: RiskOptions.fileNames, kind: "a risk parameter"
        ) {
            (flags) throws(InvalidArgument) in try RiskOptions(parsing: flags)
        }
    }

    private init(parsing arguments: [String]) throws(InvalidArgument) {
        var flags = CommandLineArguments(tool: "risk", arguments)
        guard let session = try flags.value("--session") else { throw InvalidArgument("--session is required") }
        self.session = try SessionName(session)
        if let exec = try flags.value("--exec") { execOutput = try Endpoint(parsing: exec, flag: "--exec") }
        if let market = try flags.value("--market") { self.market = try Endpoint(parsing: market, flag: "--market") }
        guard execOutput != .standardStream, market != .standardStream else {
            throw InvalidArgument("risk reads rings (shm:NAME), never standard input")
        }
        maxPosition = try flags.decimal("--max-position", in: 0...1e12)
        maxTotalPosition = try flags.decimal("--max-total-position", in: 0...1e12)
        maxNotional = try flags.decimal("--max-notional", in: 0...1e15)
        maxDrawdown = try flags.decimal("--max-drawdown", in: 0...1e15)
        staleMs = try flags.integer("--stale-ms", in: 1...86_400_000)
        heartbeatTimeoutMs = try flags.integer("--heartbeat-timeout-ms", in: 10...600_000) ?? heartbeatTimeoutMs
        flattenDeadlineMs = try flags.integer("--flatten-deadline-ms", in: 10...600_000) ?? flattenDeadlineMs
        rejectStorm = try flags.integer("--reject-storm", in: 1...RiskMonitor.rejectMemory) ?? rejectStorm
        if let venue = try flags.value("--venue") {
            guard let choice = VenueChoice(rawValue: venue) else {
                throw InvalidArgument("--venue '\(venue)': expected binance-spot")
            }
            self.venue = choice
        }
        binance = try BinanceSessionOptions(parsing: &flags)
        alertWebhook = try flags.value("--alert-webhook")
        if let alertWebhook {
            let url: NetworkURL
            do { url = try NetworkURL(alertWebhook) } catch { throw InvalidArgument("--alert-webhook: \(error)") }
            guard url.scheme == "https" || (url.scheme == "http" && ["127.0.0.1", "localhost"].contains(url.host))
            else {
                throw InvalidArgument(
                    "--alert-webhook '\(alertWebhook)': expected https://, or http:// to 127.0.0.1 or localhost")
            }
        }
        guard venue == nil || binance.journal != nil else {
            throw InvalidArgument("--venue needs --venue-journal FILE: what risk sends the venue is journaled")
        }
        guard venue != nil || !binance.venueFlagGiven else {
            throw InvalidArgument("--venue-journal, --testnet and --demo go with --venue binance-spot")
        }
        try flags.finish()
    }
}
