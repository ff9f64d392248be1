import BinanceAPI
import IPC

/// What `exec` was asked to do, validated.
public struct ExecOptions {
    /// Signal's output; with `--market`, one per bot (`--in` repeated): input k is bot k's.
    var inputs: [Endpoint] = [.standardStream]
    /// The market read from feed's ring itself, merged with `inputs` (signals' tops and intents).
    var market: Endpoint?
    /// The accounts exec keeps: one per input (bot) reading signals' rings, else one.
    var bots: Int { inputs.count }
    var output: Endpoint?
    /// With --out: a progress frame after each cycle that moved exec's clock, for signal reading
    /// exec's output in market time (`signal --report-latency-ms`).
    var progress = false
    var journalPath: String?
    /// Continue a journal that holds records (this run's, after exec stopped); else refused.
    var appendJournal = false
    var sync = Journal.SyncPolicy.batch
    /// Where orders go: the paper venue, or Binance spot (docs/live-trading.md).
    var venue = VenueChoice.paper
    /// The live venue's session: its journal, endpoint, recvWindow, CA store.
    var binance = BinanceSessionOptions()
    /// A live spot venue's position is the base asset's balance minus its target (10^-18 of the
    /// asset), by asset name; an asset not named: its balance at the start less the position
    /// carried on.
    var inventoryTargets: [String: Int128] = [:]
    /// `--on-start`: what becomes of the orders the journal's runs left open at the venue.
    public enum StartPolicy: String, Sendable {
        case cancel, adopt
    }
    var onStart = StartPolicy.cancel
    /// `--shadow-paper FILE`: the paper venue beside the live one, journaled to FILE.
    var shadowJournal: String?

    /// A live venue's keys, read and checked before exec starts: what is wrong, if anything.
    public mutating func readKeys() -> String? { venue == .binanceSpot ? binance.readKeys(tool: "exec") : nil }

    enum VenueChoice: String {
        case paper
        case binanceSpot = "binance-spot"
    }

    /// The paper venue's models (docs/models.md): latency, queue, fees.
    var entryLatencyNs: Int64 = 5_000_000
    var latencyFile: String?
    var marketDataLatencyNs: Int64 = 0
    var queue = QueueChoice.proportional
    /// Binance spot's default rate, maker and taker: 0.1 % of the notional (a regular account,
    /// no BNB discount). `--maker-fee-ppm 0 --taker-fee-ppm 0` for none.
    var fees = NotionalFees(
        makerMillionths: ExecOptions.binanceSpotFeePpm, takerMillionths: ExecOptions.binanceSpotFeePpm)
    static var binanceSpotFeePpm: Int64 { 1_000 }
    /// A fee flag was given (the paper venue's models mean nothing to a live venue).
    private var feeFlagGiven = false
    var feeSchedule: String?

    enum QueueChoice: Equatable {
        case proportional
        case power(Double)
        case riskAverse
    }
    /// Pre-trade limits; sizes in units of the base asset, converted per instrument.
    var maxOrderSize: Double?
    /// The largest position of one bot, and per bot (`--bot-max-position K=UNITS`) in its place.
    var maxPosition: Double?
    var botMaxPosition: [Int: Double] = [:]
    /// The largest position of every bot's together on an instrument (`--max-total-position`).
    var maxTotalPosition: Double?
    var priceBandBps: Int64?
    var maxOpenOrders = 32
    var maxOrdersPerSecond = 50
    public var idle: IdleStrategy.Mode = .block
    var session: SessionName?
    var readers = 1
    /// Record tick-to-order latency and print its percentiles at the end.
    var latency = false
    /// Print the summary line every this many seconds while running (0: only at the end).
    var summaryEverySeconds = 0

    public static let usage = """
        usage: exec [--in shm:NAME|- | --in shm:NAME... --market shm:NAME] [--out shm:NAME|- [--readers N] [--progress]]
                    [--journal FILE]
                    [--append] [--fsync none|batch|always]
                    [--entry-latency-ms MS | --latency-file FILE] [--md-latency-ms MS]
                    [--queue-model proportional|power|risk-averse] [--queue-power N]
                    [--maker-fee-ppm N] [--taker-fee-ppm N] [--fee-schedule FILE]
                    [--max-order-size UNITS] [--max-position UNITS] [--bot-max-position K=UNITS]...
                    [--max-total-position UNITS]
                    [--price-band-bps N] [--max-open-orders N] [--max-orders-per-second N]
                    [--idle spin|yield|block] [--session NAME] [--latency] [--summary-every SECONDS]
                    [--config FILE]
                    [--venue paper|binance-spot [--venue-journal FILE] [--testnet|--demo] [--recv-window-ms MS]
                     [--ca-file FILE] [--inventory-target ASSET:QTY]... [--on-start cancel|adopt]
                     [--shadow-paper FILE]]
               exec journal FILE [--orders|--fills]
               exec report FILE [--venue-journal FILE] [--shadow FILE] [--title TEXT] [--bot-name K=NAME]...
               exec compare [--html FILE] [--title TEXT] RUN JOURNAL [RUN JOURNAL]...
        Orders from quote intents, on the paper venue: the input is signal's output with --pass-through
        (market data and intents in one stream, in causal order); or, with --market, signal's ring
        for tops and intents (book --progress, no --pass-deltas; signal --pass-tops) and feed's ring
        for the market, merged in the same order: every market frame then crosses two rings, not
        four. With --market, --in may be repeated: one signal per bot (signal --bot K), input K being
        bot K's, each with its own account (orders, position, PnL, limits) on the same market; the
        inputs are merged in market order too, bot by bot at equal times, and an order that would trade
        against another bot's is not sent (self-trade prevention). Every order command, execution report
        and position snapshot goes to the journal (a new file, mode 0600; one that holds records is
        another run's and refused, unless --append continues it: its fills booked again, client order
        ids counting on, a live venue asked about the orders it left working) and, with --out, to the
        next stage. At the end of the stream every open order is cancelled and the result printed (and
        every --summary-every seconds while it runs). --progress writes a progress frame to --out after
        each cycle that moved exec's clock (never to the journal): every frame stamped earlier is out,
        for signal merging exec's output with the market in market time (docs/signal.md, reports in
        market time). --max-position stops the side that would grow a bot's position past it, whatever
        the strategy asks; --bot-max-position K=UNITS (repeatable) sets bot K's instead;
        --max-total-position UNITS holds the bots' positions together (a bot's room is what the
        others' positions and working orders leave of it). The paper
        venue's models (docs/models.md): an order or cancel meets the book --entry-latency-ms (5) after
        it was sent, or the latency recorded orders had (--latency-file, interpolated), plus
        --md-latency-ms (0): how old the market data is when it
        arrives here. --queue-model: where cancels at a resting order's price were: in proportion
        to the size ahead and behind (proportional, the default), ahead^n / (ahead^n + behind^n)
        of them ahead (power, n = --queue-power, 2 by default), or all behind: only trades move the
        order up (risk-averse). Fees in millionths of the notional (100 = 1 bp, negative = rebate):
        --maker-fee-ppm and --taker-fee-ppm (1000 each: Binance spot's default rate, 0.1 %; 0 for
        none), or per instrument from --fee-schedule FILE. --config FILE: a session file's
        exec.NAME = VALUE lines (the models' and limits' flags above, without dashes:
        exec.taker-fee-ppm = 750); flags on the command line override them (docs/operations.md,
        session files).
        --venue binance-spot trades on Binance spot instead (docs/live-trading.md): orders over its
        WebSocket API, fills from the user data stream, the symbol's exchange filters checked before
        anything is sent; the key from TICKPIPE_BINANCE_API_KEY and TICKPIPE_BINANCE_KEY_FILE (mode
        0600); at start, open orders an earlier run left are cancelled. Every request and answer goes
        to --venue-journal FILE (JSON lines; required). The URL: --testnet, --demo, else
        TICKPIPE_BINANCE_WS_API_URL, else the exchange; --recv-window-ms (5000) bounds a request's
        age at the venue; --ca-file (TICKPIPE_CA_FILE) replaces the system's CA store. On spot the
        position is the base asset's balance minus a target: --inventory-target BTC:0.5 (repeatable),
        else the balance at the start less the position the journal carries on. --on-start adopt
        (with --append) keeps the newest order a side that the journal's run left open at the
        venue as the order manager's, so an unchanged quote keeps its queue place; the rest are
        cancelled, as all are with --on-start cancel (the default). --shadow-paper FILE runs the
        paper venue, with the model flags above, beside the live one on the same market and orders,
        its reports journaled to FILE only (docs/live-trading.md#the-shadow-paper-venue).
        `exec journal FILE` prints a journal as CSV (only
        the order commands with --orders, only the fills with --fills);
        `exec report FILE` prints the run's report (HTML, SVG charts, metrics) rebuilt from it;
        with --venue-journal FILE, a live run's, with the venue's trades and commissions by asset;
        with --shadow FILE, its orders and fills beside those of the shadow paper venue's journal;
        --title TEXT heads it (run.sh names the session and the market there); with several bots, a
        section per bot and instrument and a table of the bots together, --bot-name K=NAME naming bot K.
        `exec compare` sets runs side by side, a row per run and instrument (fills, volume,
        turnover, realized PnL, fees, total PnL, max drawdown, final position): CSV on stdout,
        with --html FILE an HTML table (./run.sh sweep writes both).
        defaults (a VALUE in capitals is the unit: MS milliseconds, SECONDS, UNITS of the base asset,
        QUOTE of the quote currency):
          --in shm:NAME|-                               - (stdin)
          --market shm:NAME                             none
          --out shm:NAME|-                              none
          --readers N                                   1
          --progress                                    off
          --journal FILE                                none
          --append                                      off
          --fsync none|batch|always                     batch
          --entry-latency-ms MS                         5
          --latency-file FILE                           none
          --md-latency-ms MS                            0
          --queue-model proportional|power|risk-averse  proportional
          --queue-power N                               2 with power
          --maker-fee-ppm N                             1000
          --taker-fee-ppm N                             1000
          --fee-schedule FILE                           none
          --max-order-size UNITS                        none
          --max-position UNITS                          none
          --bot-max-position K=UNITS                    --max-position
          --max-total-position UNITS                    none
          --price-band-bps N                            none
          --max-open-orders N                           32
          --max-orders-per-second N                     50
          --venue paper|binance-spot                    paper
          --venue-journal FILE                          none
          --testnet, --demo                             off
          --recv-window-ms MS                           5000
          --ca-file FILE                                TICKPIPE_CA_FILE, else the system's
          --inventory-target ASSET:QTY                  the balance at the start less the position carried on
          --on-start cancel|adopt                       cancel
          --shadow-paper FILE                           none
          --latency                                     off
          --summary-every SECONDS                       0 (only at the end)
          --config FILE                                 none
          --idle spin|yield|block                       block
          --session NAME                                none
        exit codes: 0 done, 1 bad input or a damaged journal, 100 usage, 111 system call failed
        """

    /// What a session's config file may set for exec (`exec.NAME = VALUE`): the paper venue's
    /// models and the pre-trade limits. The position limit is the strategy's `max-position`
    /// (run.sh passes it), not exec's own line.
    static let fileNames: Set<String> = [
        "entry-latency-ms", "latency-file", "md-latency-ms", "queue-model", "queue-power", "maker-fee-ppm",
        "taker-fee-ppm", "fee-schedule", "max-order-size", "price-band-bps", "max-open-orders",
        "max-orders-per-second"
    ]

    /// The command line, with a session file's `exec.` lines under it (`--config FILE`).
    public init(_ arguments: [String]) throws(InvalidArgument) {
        self = try ConfigFile.parse(
            arguments, section: "exec", parameters: ExecOptions.fileNames, kind: "an exec parameter"
        ) {
            (flags) throws(InvalidArgument) in try ExecOptions(parsing: flags)
        }
    }

    private init(parsing arguments: [String]) throws(InvalidArgument) {
        var flags = CommandLineArguments(tool: "exec", arguments)
        let inputs = try flags.values("--in")
        if !inputs.isEmpty {
            self.inputs = try inputs.map { input throws(InvalidArgument) in try Endpoint(parsing: input, flag: "--in") }
        }
        if let out = try flags.value("--out") { output = try Endpoint(parsing: out, flag: "--out") }
        if let market = try flags.value("--market") {
            self.market = try Endpoint(parsing: market, flag: "--market")
            guard self.market != .standardStream, !self.inputs.contains(.standardStream) else {
                throw InvalidArgument("--market reads feed's ring (shm:NAME) beside signal's (--in shm:NAME)")
            }
        }
        guard self.inputs.count == 1 || market != nil else {
            throw InvalidArgument("--in is repeated (one signal per bot) only with --market: the market read once")
        }
        guard self.inputs.count <= FrameLayout.maxBots else {
            throw InvalidArgument("--in given \(self.inputs.count) times: at most \(FrameLayout.maxBots) bots")
        }
        journalPath = try flags.value("--journal")
        appendJournal = flags.flag("--append")
        if appendJournal && journalPath == nil {
            throw InvalidArgument("--append continues a --journal FILE; none given")
        }
        if let sync = try flags.value("--fsync") {
            guard let policy = Journal.SyncPolicy(rawValue: sync) else {
                throw InvalidArgument("--fsync '\(sync)': expected none, batch or always")
            }
            self.sync = policy
        }
        let entryLatency = try flags.decimal("--entry-latency-ms", in: 0...60_000)
        if let entryLatency { entryLatencyNs = Int64(entryLatency * 1e6) }
        latencyFile = try flags.value("--latency-file")
        if latencyFile != nil && entryLatency != nil {
            throw InvalidArgument("--latency-file and --entry-latency-ms both say what the entry latency is: give one")
        }
        if let latency = try flags.decimal("--md-latency-ms", in: 0...60_000) {
            marketDataLatencyNs = Int64(latency * 1e6)
        }
        if let fee = try flags.integer("--maker-fee-ppm", in: -10_000...10_000) {
            fees.makerMillionths = Int64(fee)
            feeFlagGiven = true
        }
        if let fee = try flags.integer("--taker-fee-ppm", in: -10_000...10_000) {
            fees.takerMillionths = Int64(fee)
            feeFlagGiven = true
        }
        feeSchedule = try flags.value("--fee-schedule")
        let power = try flags.decimal("--queue-power", in: 1...10)
        switch try flags.value("--queue-model") {
        case nil,
            "power" where power != nil:
            // --queue-power alone picks the power model; a power of 1 is the proportional one.
            queue = power.map { $0 == 1 ? .proportional : .power($0) } ?? .proportional
        case "power": queue = .power(2)
        case "proportional" where power == nil: queue = .proportional
        case "risk-averse" where power == nil: queue = .riskAverse
        case "proportional", "risk-averse":
            throw InvalidArgument(
                "--queue-power is the power model's; not with --queue-model proportional or risk-averse")
        case let other?: throw InvalidArgument("--queue-model '\(other)': expected proportional, power or risk-averse")
        }
        maxOrderSize = try flags.decimal("--max-order-size", in: 1e-12...1e12)
        maxPosition = try flags.decimal("--max-position", in: 0...1e12)
        for limit in try flags.values("--bot-max-position") {
            let parts = limit.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2, let bot = Int(parts[0]), bot >= 0, bot < self.inputs.count,
                let units = Double(parts[1]), units >= 0, units <= 1e12
            else {
                throw InvalidArgument(
                    "--bot-max-position '\(limit)': expected K=UNITS, K a bot 0 ... \(self.inputs.count - 1) "
                        + "(one per --in) and UNITS 0 ... 1e12 of the base asset")
            }
            botMaxPosition[bot] = units
        }
        maxTotalPosition = try flags.decimal("--max-total-position", in: 0...1e12)
        priceBandBps = try flags.integer("--price-band-bps", in: 1...100_000).map(Int64.init)
        maxOpenOrders = try flags.integer("--max-open-orders", in: 0...1_000) ?? maxOpenOrders
        maxOrdersPerSecond = try flags.integer("--max-orders-per-second", in: 1...100_000) ?? maxOrdersPerSecond
        if let idle = try flags.value("--idle") { self.idle = try IdleStrategy.mode(parsing: idle) }
        if let session = try flags.value("--session") { self.session = try SessionName(session) }
        readers = try flags.integer("--readers", in: 0...64) ?? readers
        latency = flags.flag("--latency")
        progress = flags.flag("--progress")
        guard !progress || output != nil else { throw InvalidArgument("--progress goes with --out") }
        summaryEverySeconds = try flags.integer("--summary-every", in: 0...86_400) ?? summaryEverySeconds
        if let venue = try flags.value("--venue") {
            guard let choice = VenueChoice(rawValue: venue) else {
                throw InvalidArgument("--venue '\(venue)': expected paper or binance-spot")
            }
            self.venue = choice
        }
        binance = try BinanceSessionOptions(parsing: &flags)
        for target in try flags.values("--inventory-target") {
            let parts = target.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty,
                let amount = Array(parts[1].utf8).withUnsafeBufferPointer({
                    AccountBalance.attoUnits($0, 0..<$0.count)
                })
            else {
                throw InvalidArgument(
                    "--inventory-target '\(target)': expected ASSET:QTY, a quantity of the asset like BTC:0.5")
            }
            inventoryTargets[String(parts[0])] = amount
        }
        if let policy = try flags.value("--on-start") {
            guard let choice = StartPolicy(rawValue: policy) else {
                throw InvalidArgument("--on-start '\(policy)': expected cancel or adopt")
            }
            onStart = choice
        }
        shadowJournal = try flags.value("--shadow-paper")
        try flags.finish()
        if onStart == .adopt && !appendJournal {
            throw InvalidArgument(
                "--on-start adopt keeps the orders of the journal exec continues: it needs --append")
        }
        // The paper venue's models mean nothing to a live one.
        let modelFlagGiven =
            entryLatency != nil || latencyFile != nil || marketDataLatencyNs != 0 || queue != .proportional
            || feeFlagGiven || feeSchedule != nil
        if venue == .binanceSpot {
            guard binance.journal != nil else {
                throw InvalidArgument(
                    "--venue binance-spot needs --venue-journal FILE: every request and answer is journaled")
            }
            guard !modelFlagGiven || shadowJournal != nil else {
                throw InvalidArgument(
                    "the paper venue's model flags (latency, queue, fees) go with --venue binance-spot only for its "
                        + "--shadow-paper")
            }
            let files = [journalPath, binance.journal, shadowJournal].compactMap { $0 }
            guard Set(files).count == files.count else {
                throw InvalidArgument(
                    "--journal, --venue-journal and --shadow-paper name one file twice: give each its own")
            }
        } else if binance.venueFlagGiven || !inventoryTargets.isEmpty || onStart != .cancel || shadowJournal != nil {
            throw InvalidArgument(
                "--venue-journal, --testnet, --demo, --inventory-target, --on-start and --shadow-paper go with "
                    + "--venue binance-spot")
        }
    }
}
