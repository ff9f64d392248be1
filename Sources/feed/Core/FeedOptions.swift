import Glibc
import IPC
import Network

/// What `feed` was asked to do, validated: every problem is an `InvalidArgument` naming the flag.
public struct FeedOptions {
    enum Source: Equatable {
        /// `startPrice` and `medianSize` as written (decimals), nil for the defaults.
        case synthetic(symbols: [String], seed: UInt64, startPrice: String? = nil, medianSize: String? = nil)
        case replay(files: [String])
        case live(symbols: [String], venue: LiveBinanceSource.Venue)

        /// A few words for the session registry.
        var summary: String {
            switch self {
            case .synthetic(let symbols, _, _, _): return "synthetic " + symbols.joined(separator: ",")
            case .replay(let files): return "replay of \(files.count) file\(files.count == 1 ? "" : "s")"
            case .live(let symbols, let venue): return "live \(venue.rawValue) " + symbols.joined(separator: ",")
            }
        }
    }

    var source: Source = .synthetic(symbols: ["SYNUSDT"], seed: 42)
    /// 1 = the recording's or the market's own pace; nil = as fast as possible.
    var speed: Double?
    var durationSeconds: Double?
    var output: Endpoint = .standardStream
    var recordPath: String?
    public var idle: IdleStrategy.Mode = .block
    /// With a ring output: readers to wait for before the first frame.
    var readers = 1
    var exchangeInfoPath: String?
    /// Tick and lot sizes from --instrument flags (exchangeInfo is read when the replay starts).
    var catalog = InstrumentCatalog()
    /// Live endpoints (defaults: Binance's) and a CA file for a test's self-signed certificate;
    /// flags first, then TICKPIPE_BINANCE_WS_URL, TICKPIPE_BINANCE_REST_URL, TICKPIPE_CA_FILE.
    var session: SessionName?
    var streamURL: String?
    var restURL: String?
    var caFile: String?

    public static let usage = """
        usage: feed [--synthetic] [--symbols A,B] [--seed N] [--start-price PRICE] [--median-size UNITS]
                    [--replay FILE...] [--exchange-info FILE] [--instrument SYMBOL:TICK:LOT]...
                    [--live SYMBOLS] [--venue spot|usdm] [--ws-url URL] [--rest-url URL] [--ca-file PEM]
                    [--allow-plaintext]
                    [--speed N|max] [--duration SECONDS] [--out shm:NAME|-] [--readers N] [--record FILE]
                    [--idle spin|yield|block] [--session NAME]
        Market data in, frames out (stdout by default). Sources: a synthetic market (the default;
        ticks of 0.01 and lots of 0.001 unless --instrument gives a symbol's, the first symbol opening
        at --start-price (100.00) and the others at 0.5, 2 and 0.25 times it, resting orders of
        --median-size units (0.4) in the median),
        a replay of recorded files (Binance collector lines, gzip or plain; cryptofeed captures;
        feed's own --record captures), or live Binance (--live BTCUSDT,ETHUSDT: WebSocket streams
        and REST snapshots; spot or USD-M futures). With --out shm:NAME, feed waits for --readers readers
        (default 1) before the first frame, so none misses the snapshot. With --session, feed joins
        the session's control block: its registry, its instrument table, and the books' resync
        requests (live sources fetch a new snapshot when a book asks). Endpoints are wss:// and
        https://: plain ws:// or http:// only with --allow-plaintext (a test server of your own).
        defaults (a VALUE in capitals is the unit: MS milliseconds, SECONDS, UNITS of the base asset,
        QUOTE of the quote currency):
          --synthetic                   (the default source)
          --symbols A,B                 SYNUSDT
          --seed N                      42
          --start-price PRICE           100.00
          --median-size UNITS           0.4
          --replay FILE...              none
          --exchange-info FILE          none
          --instrument SYMBOL:TICK:LOT  none
          --live SYMBOLS                none
          --venue spot|usdm             spot
          --ws-url URL                  Binance's (TICKPIPE_BINANCE_WS_URL)
          --rest-url URL                Binance's (TICKPIPE_BINANCE_REST_URL)
          --ca-file PEM                 the system's (TICKPIPE_CA_FILE)
          --allow-plaintext             off
          --speed N|max                 1 (synthetic, live), max (replay)
          --duration SECONDS            until the source ends
          --out shm:NAME|-              - (stdout)
          --readers N                   1
          --record FILE                 none
          --idle spin|yield|block       block
          --session NAME                none
        exit codes: 0 done, 1 bad input data, 100 usage, 111 system call failed
        """

    public init(_ arguments: [String]) throws(InvalidArgument) {
        var flags = CommandLineArguments(tool: "feed", arguments)
        let synthetic = flags.flag("--synthetic")
        let symbols = try flags.value("--symbols")
        let seed = try flags.value("--seed")
        let startPrice = try flags.value("--start-price")
        let medianSize = try flags.value("--median-size")
        let replay = flags.flag("--replay")
        let live = try flags.value("--live")
        let venue = try flags.value("--venue")
        let environment = { (name: String) -> String? in getenv(name).map { String(cString: $0) } }
        streamURL = try flags.value("--ws-url") ?? environment("TICKPIPE_BINANCE_WS_URL")
        restURL = try flags.value("--rest-url") ?? environment("TICKPIPE_BINANCE_REST_URL")
        caFile = try flags.value("--ca-file") ?? environment("TICKPIPE_CA_FILE")
        let allowPlaintext = flags.flag("--allow-plaintext")
        for (url, name) in [
            (streamURL, "--ws-url (TICKPIPE_BINANCE_WS_URL)"), (restURL, "--rest-url (TICKPIPE_BINANCE_REST_URL)")
        ] {
            guard let url else { continue }
            let parsed: NetworkURL
            do { parsed = try NetworkURL(url) } catch { throw InvalidArgument("\(name): \(error)") }
            guard parsed.secure || allowPlaintext else {
                throw InvalidArgument(
                    "\(name) '\(url)': plain text, unencrypted and unauthenticated; use wss:// or https://, or "
                        + "--allow-plaintext for a server of your own"
                )
            }
        }
        if let speed = try flags.value("--speed") {
            if speed == "max" {
                self.speed = nil
            } else if let value = Double(speed), value > 0, value.isFinite {
                self.speed = value
            } else {
                throw InvalidArgument("--speed '\(speed)': expected a positive number or max")
            }
        } else {
            // A synthetic market runs in real time; a replay as fast as it can unless asked.
            speed = replay ? nil : 1
        }
        durationSeconds = try flags.decimal("--duration", in: 0.001...1e9)
        if let out = try flags.value("--out") { output = try Endpoint(parsing: out, flag: "--out") }
        readers = try flags.integer("--readers", in: 0...64) ?? readers
        if let session = try flags.value("--session") { self.session = try SessionName(session) }
        recordPath = try flags.value("--record")
        if let idle = try flags.value("--idle") { self.idle = try IdleStrategy.mode(parsing: idle) }
        exchangeInfoPath = try flags.value("--exchange-info")
        for flag in try flags.values("--instrument") { try catalog.add(flag: flag) }
        let files = flags.positionals()
        try flags.finish()

        if !(live == nil && !replay) {
            for (value, flag) in [(startPrice, "--start-price"), (medianSize, "--median-size")] where value != nil {
                throw InvalidArgument("\(flag) goes with the synthetic market")
            }
        }
        guard exchangeInfoPath == nil || replay else {
            throw InvalidArgument(
                "--exchange-info gives recorded symbols' tick and lot sizes: it goes with --replay (live, the "
                    + "venue's own is read; the synthetic market takes --instrument SYMBOL:TICK:LOT)")
        }
        if let live {
            guard !replay, !synthetic, symbols == nil, seed == nil, files.isEmpty else {
                throw InvalidArgument(
                    "--live cannot be combined with --replay, --synthetic, --symbols, --seed or files")
            }
            let names = live.split(separator: ",").map { $0.uppercased() }
            guard !names.isEmpty, names.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber } })
            else {
                throw InvalidArgument("--live '\(live)': expected symbols like BTCUSDT,ETHUSDT")
            }
            var venueValue = LiveBinanceSource.Venue.spot
            if let venue {
                guard let parsed = LiveBinanceSource.Venue(rawValue: venue) else {
                    throw InvalidArgument("--venue '\(venue)': expected spot or usdm")
                }
                venueValue = parsed
            }
            source = .live(symbols: names, venue: venueValue)
            speed = nil
        } else if replay {
            guard venue == nil else { throw InvalidArgument("--venue goes with --live") }
            guard !synthetic, symbols == nil, seed == nil else {
                throw InvalidArgument("--replay cannot be combined with --synthetic, --symbols or --seed")
            }
            guard !files.isEmpty else { throw InvalidArgument("--replay needs at least one FILE") }
            source = .replay(files: files)
        } else {
            guard venue == nil else { throw InvalidArgument("--venue goes with --live") }
            guard files.isEmpty else {
                throw InvalidArgument("unexpected argument '\(files[0])' (files go after --replay)")
            }
            var seedValue: UInt64 = 42
            if let seed {
                guard let value = UInt64(seed) else {
                    throw InvalidArgument("--seed '\(seed)': expected a non-negative integer")
                }
                seedValue = value
            }
            let names = symbols.map { $0.split(separator: ",").map(String.init) } ?? ["SYNUSDT"]
            guard (1...8).contains(names.count) else {
                throw InvalidArgument("--symbols: 1 to 8 symbols, comma-separated")
            }
            guard Set(names).count == names.count else {
                throw InvalidArgument("--symbols '\(symbols!)': a symbol is repeated")
            }
            source = .synthetic(symbols: names, seed: seedValue, startPrice: startPrice, medianSize: medianSize)
        }
    }
}
