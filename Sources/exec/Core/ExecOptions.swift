import IPC

/// What `exec` was asked to do, validated.
public struct ExecOptions {
    var input: Endpoint = .standardStream
    /// The market read from feed's ring itself, merged with `input` (signal's tops and intents).
    var market: Endpoint?
    var output: Endpoint?
    var journalPath: String?
    /// Continue a journal that holds records (this run's, after exec stopped); else refused.
    var appendJournal = false
    var sync = Journal.SyncPolicy.batch
    var venue = PaperVenue.Parameters()
    /// Pre-trade limits; sizes in units of the base asset, converted per instrument.
    var maxOrderSize: Double?
    var maxPosition: Double?
    var priceBandBps: Int64?
    var maxOpenOrders = 2
    var maxOrdersPerSecond = 50
    public var idle: IdleStrategy.Mode = .block
    var session: SessionName?
    var readers = 1
    /// Record tick-to-order latency and print its percentiles at the end.
    var latency = false
    /// Print the summary line every this many seconds while running (0: only at the end).
    var summaryEverySeconds = 0

    public static let usage = """
        usage: exec [--in shm:NAME|- [--market shm:NAME]] [--out shm:NAME|- [--readers N]] [--journal FILE]
                    [--append] [--fsync none|batch|always]
                    [--entry-latency-ms MS] [--md-latency-ms MS] [--maker-fee-ppm N] [--taker-fee-ppm N]
                    [--queue-power N]
                    [--max-order-size UNITS] [--max-position UNITS] [--price-band-bps N] [--max-open-orders N]
                    [--max-orders-per-second N]
                    [--idle spin|yield|block] [--session NAME] [--latency] [--summary-every SECONDS]
               exec journal FILE [--orders|--fills]
               exec report FILE
        Orders from quote intents, on the paper venue: the input is signal's output with --pass-through
        (market data and intents in one stream, in causal order); or, with --market, signal's ring
        for tops and intents (book --progress, no --pass-deltas; signal --pass-tops) and feed's ring for the market,
        merged in the same order: every market frame then crosses two rings, not four. Every order command, execution report
        and position snapshot goes to the journal (a new file, mode 0600; one that holds records is
        another run's and refused, unless --append continues it) and, with --out, to the next stage. At the end of the
        stream every open order is cancelled and the result printed (and every --summary-every
        seconds while it runs). Fees in millionths of the notional (100 = 1 bp, negative = rebate). --max-position stops the side that would grow the position
        past it, whatever the strategy asks. An order or cancel meets the book --entry-latency-ms
        (5) after it was sent, plus --md-latency-ms (0): how old the market data is when it arrives
        here. --queue-power: how cancels at a resting order's price
        split between the size ahead of it and behind it: 1 (the default) in proportion, n > 1 the
        share ahead is ahead^n / (ahead^n + behind^n), as hftbacktest's power_prob_queue_model(n). `exec journal FILE` prints a journal as CSV (only
        the order commands with --orders, only the fills with --fills);
        `exec report FILE` prints the run's report (HTML, SVG charts, metrics) rebuilt from it.
        exit codes: 0 done, 1 bad input or a damaged journal, 100 usage, 111 system call failed
        """

    public init(_ arguments: [String]) throws(InvalidArgument) {
        var flags = CommandLineArguments(tool: "exec", arguments)
        if let input = try flags.value("--in") { self.input = try Endpoint(parsing: input, flag: "--in") }
        if let out = try flags.value("--out") { output = try Endpoint(parsing: out, flag: "--out") }
        if let market = try flags.value("--market") {
            self.market = try Endpoint(parsing: market, flag: "--market")
            guard self.market != .standardStream, input != .standardStream else {
                throw InvalidArgument("--market reads feed's ring (shm:NAME) beside signal's (--in shm:NAME)")
            }
        }
        journalPath = try flags.value("--journal")
        appendJournal = flags.flag("--append")
        if appendJournal && journalPath == nil { throw InvalidArgument("--append continues a --journal FILE; none given") }
        if let sync = try flags.value("--fsync") {
            guard let policy = Journal.SyncPolicy(rawValue: sync) else {
                throw InvalidArgument("--fsync '\(sync)': expected none, batch or always")
            }
            self.sync = policy
        }
        if let latency = try flags.decimal("--entry-latency-ms", in: 0...60_000) { venue.entryLatencyNs = Int64(latency * 1e6) }
        if let latency = try flags.decimal("--md-latency-ms", in: 0...60_000) { venue.marketDataLatencyNs = Int64(latency * 1e6) }
        if let fee = try flags.integer("--maker-fee-ppm", in: -10_000...10_000) { venue.makerFeeMillionths = Int64(fee) }
        if let fee = try flags.integer("--taker-fee-ppm", in: -10_000...10_000) { venue.takerFeeMillionths = Int64(fee) }
        if let power = try flags.decimal("--queue-power", in: 1...10) { venue.queuePower = power }
        maxOrderSize = try flags.decimal("--max-order-size", in: 1e-12...1e12)
        maxPosition = try flags.decimal("--max-position", in: 0...1e12)
        priceBandBps = try flags.integer("--price-band-bps", in: 1...100_000).map(Int64.init)
        maxOpenOrders = try flags.integer("--max-open-orders", in: 0...1_000) ?? maxOpenOrders
        maxOrdersPerSecond = try flags.integer("--max-orders-per-second", in: 1...100_000) ?? maxOrdersPerSecond
        if let idle = try flags.value("--idle") { self.idle = try IdleStrategy.mode(parsing: idle) }
        if let session = try flags.value("--session") { self.session = try SessionName(session) }
        readers = try flags.integer("--readers", in: 0...64) ?? readers
        latency = flags.flag("--latency")
        summaryEverySeconds = try flags.integer("--summary-every", in: 0...86_400) ?? summaryEverySeconds
        try flags.finish()
    }
}
