import IPC

/// What `signal` was asked to do, validated: every parameter's range is checked, and an error
/// names the flag.
public struct SignalOptions {
    enum Strategy: String {
        case avellanedaStoikov = "as"
        case fixedSpread = "fixed"
        case volatilityBand = "band"
        case momentum, pairs

        /// The flags this strategy reads, beyond every strategy's (`commonParameters`).
        var parameters: [String] {
            switch self {
            case .avellanedaStoikov: ["--gamma", "--kappa", "--horizon", "--vol-half-life"]
            case .fixedSpread: ["--spread-ticks"]
            case .volatilityBand: ["--step-ms", "--vol-mult", "--skew-ticks"]
            case .momentum: ["--window", "--threshold", "--spread-ticks"]
            case .pairs: ["--half-life", "--entry-z", "--exit-z"]
            }
        }
        static let commonParameters = ["--quote-size", "--max-position", "--min-requote-ms", "--min-move-ticks"]
        static let all: [Strategy] = [.avellanedaStoikov, .fixedSpread, .volatilityBand, .momentum, .pairs]
    }
    enum Output: Equatable {
        case frames(Endpoint)
        case json
    }

    var input: Endpoint = .standardStream
    var output: Output = .json
    var strategy = Strategy.avellanedaStoikov
    var gamma = 0.1
    var kappa: Double?
    var horizonSeconds: Double? = 60
    /// Sizes in units of the base asset, converted to lots per instrument.
    var quoteSize = 1.0
    var maxPosition = 10.0
    var spreadTicks: Int64 = 4
    var minRequoteMs = 100
    var minMoveTicks: Int64 = 1
    var volatilityHalfLifeSeconds = 30.0
    var windowSeconds = 5.0
    var thresholdFraction = 0.001
    var pairsHalfLifeSeconds = 60.0
    var entryZ = 2.0
    var exitZ = 0.5
    var stepMs = 100
    var volMultiplier = 2.0
    var skewTicks = 5.0
    public var idle: IdleStrategy.Mode = .block
    var readers = 1
    /// With --out, the input frames passed on, each ahead of the intents it causes (for exec).
    var passing = Passing.nothing

    enum Passing: Equatable {
        case nothing
        /// --pass-through: every frame, for exec reading the market and the quotes in one stream.
        case everything
        /// --pass-tops: book's tops and control frames (its progress), for exec reading the
        /// rest of the market from feed's ring itself (`exec --market`): trades and definitions
        /// would cross one more ring for nothing.
        case topsAndControl
    }
    /// The session to join (registry, heartbeat).
    var session: SessionName?
    /// Record tick-to-quote latency and print its percentiles at the end.
    var latency = false
    /// exec's output, for our position (its position snapshots).
    var positions: Endpoint?
    /// How exec's output reaches the strategy: nil, as it arrives (read lossy: a market in real
    /// time, where wall time is market time); else this long after exec wrote it, merged with the
    /// market in market time (`ReportMerge`: a replay).
    var reportLatencyNs: Int64?

    public static let usage = """
        usage: signal [--in shm:NAME|-] [--out shm:NAME|- [--readers N] [--pass-through|--pass-tops] | --json]
                      [--strategy as|fixed|band|momentum|pairs] [--quote-size UNITS] [--max-position UNITS]
                      [--gamma G] [--kappa K|estimate] [--horizon SECONDS|inf] [--vol-half-life SECONDS]
                      [--spread-ticks N] [--min-requote-ms MS] [--min-move-ticks N] [--idle spin|yield|block]
                      [--step-ms MS] [--vol-mult M] [--skew-ticks T]
                      [--window SECONDS] [--threshold FRACTION] [--half-life SECONDS] [--entry-z Z] [--exit-z Z]
                      [--session NAME] [--positions shm:NAME [--report-latency-ms MS|arrival]] [--latency]
                      [--config FILE]
        Quotes from book tops and trades (book's output, stdin by default): quote intents as frames,
        or one JSON line per intent (the default). --pass-through also passes every input frame on,
        each ahead of the intents it causes, so exec reads the market and the quotes in one stream;
        --pass-tops only the tops and book's progress frames, for exec --market (feed's ring).
          as      Avellaneda-Stoikov: reservation price skewed by inventory, spread from gamma, the
                  mid's volatility (estimated online) and kappa (set, or estimated from trades);
                  finite horizon restarting every --horizon seconds, or inf for the infinite-horizon variant
          fixed   a fixed spread of --spread-ticks around the mid
          band    hftbacktest's market-making example, to compare with it: every --step-ms, a half
                  spread of max(1 tick, --vol-mult x the EWMA volatility of the mid per step + 1/2
                  tick) around the mid skewed by --skew-ticks per unit of position, never inside
                  the touch
          momentum  leans with a move of more than --threshold (a fraction) over --window seconds:
                  bids at the touch only after a rise, offers only after a fall, else quotes
                  --spread-ticks around the mid
          pairs   the first two instruments as a pair: rolling hedge ratio and z-score of the spread
                  (--half-life), in at |z| > --entry-z, out at |z| < --exit-z, --quote-size per leg
        All: --quote-size per side, no buying at +--max-position, no selling at -max; a new quote
        goes out when a price moved --min-move-ticks and --min-requote-ms passed (a side switching
        on or off goes at once). An invalid book cancels the instrument's quotes. --positions reads
        exec's output for our position (without it the position is what the input stream says), as
        it arrives (arrival: a market in real time, a live venue); or --report-latency-ms MS: each
        of its frames reaches the strategy MS of market time after exec wrote it, merged with the
        market in market time whatever the speed or the load, so a replay is a backtest (the same
        recording, the same journal; it needs exec --progress, and rings in and out).
        --config FILE: the strategy's parameters as 'name = value' lines (names as the flags above,
        without dashes; '#' comments); flags on the command line override the file's. A parameter
        the chosen strategy does not read is refused, in a file or on the command line.
        defaults (a VALUE in capitals is the unit: MS milliseconds, SECONDS, UNITS of the base asset,
        QUOTE of the quote currency):
          --in shm:NAME|-                          - (stdin)
          --out shm:NAME|-                         none
          --json                                   (the default output)
          --readers N                              1
          --pass-through                           off
          --pass-tops                              off
          --strategy as|fixed|band|momentum|pairs  as
          --quote-size UNITS                       1
          --max-position UNITS                     10
          --gamma G                                0.1
          --kappa K|estimate                       estimate
          --horizon SECONDS|inf                    60
          --vol-half-life SECONDS                  30
          --spread-ticks N                         4
          --step-ms MS                             100
          --vol-mult M                             2
          --skew-ticks T                           5
          --window SECONDS                         5
          --threshold FRACTION                     0.001
          --half-life SECONDS                      60
          --entry-z Z                              2
          --exit-z Z                               0.5
          --min-requote-ms MS                      100
          --min-move-ticks N                       1
          --positions shm:NAME                     none
          --report-latency-ms MS|arrival           arrival
          --latency                                off
          --config FILE                            none
          --idle spin|yield|block                  block
          --session NAME                           none
        exit codes: 0 done, 1 bad input (data, or a --config file missing or wrong), 100 usage, 111 system call failed
        """

    /// The command line, with a strategy file's parameters under it (`--config FILE`).
    public init(_ arguments: [String]) throws(InvalidArgument) {
        guard let index = arguments.firstIndex(of: "--config") else {
            try self.init(parsing: arguments)
            return
        }
        guard index + 1 < arguments.count, !arguments[index + 1].hasPrefix("--") else {
            throw InvalidArgument("--config needs a value")
        }
        var commandLine = arguments
        let file = try StrategyFile(path: commandLine[index + 1])
        commandLine.removeSubrange(index...(index + 1))
        guard !commandLine.contains("--config") else { throw InvalidArgument("--config given twice") }
        do {
            try self.init(parsing: file.arguments(overriddenBy: commandLine))
        } catch {
            throw file.locate(error, commandLine: commandLine)
        }
    }

    private init(parsing arguments: [String]) throws(InvalidArgument) {
        var flags = CommandLineArguments(tool: "signal", arguments)
        if let input = try flags.value("--in") { self.input = try Endpoint(parsing: input, flag: "--in") }
        let out = try flags.value("--out")
        let json = flags.flag("--json")
        guard !(out != nil && json) else { throw InvalidArgument("choose one of --out and --json") }
        if let out { output = .frames(try Endpoint(parsing: out, flag: "--out")) }
        if let name = try flags.value("--strategy") {
            guard let parsed = Strategy(rawValue: name) else {
                throw InvalidArgument("--strategy '\(name)': expected as, fixed, band, momentum or pairs")
            }
            strategy = parsed
        }
        gamma = try flags.decimal("--gamma", in: 1e-9...1e6) ?? gamma
        if let kappa = try flags.value("--kappa") {
            if kappa == "estimate" {
                self.kappa = nil
            } else if let value = Double(kappa), value.isFinite, value > 0 {
                self.kappa = value
            } else {
                throw InvalidArgument("--kappa '\(kappa)': expected a positive number or estimate")
            }
        }
        if let horizon = try flags.value("--horizon") {
            if horizon == "inf" {
                horizonSeconds = nil
            } else if let value = Double(horizon), value.isFinite, value > 0 {
                horizonSeconds = value
            } else {
                throw InvalidArgument("--horizon '\(horizon)': expected seconds or inf")
            }
        }
        quoteSize = try flags.decimal("--quote-size", in: 1e-12...1e12) ?? quoteSize
        maxPosition = try flags.decimal("--max-position", in: 0...1e12) ?? maxPosition
        spreadTicks = Int64(try flags.integer("--spread-ticks", in: 1...1_000_000) ?? Int(spreadTicks))
        minRequoteMs = try flags.integer("--min-requote-ms", in: 0...3_600_000) ?? minRequoteMs
        minMoveTicks = Int64(try flags.integer("--min-move-ticks", in: 0...1_000_000) ?? Int(minMoveTicks))
        volatilityHalfLifeSeconds = try flags.decimal("--vol-half-life", in: 0.001...1e6) ?? volatilityHalfLifeSeconds
        stepMs = try flags.integer("--step-ms", in: 1...3_600_000) ?? stepMs
        volMultiplier = try flags.decimal("--vol-mult", in: 0...1_000) ?? volMultiplier
        skewTicks = try flags.decimal("--skew-ticks", in: 0...1e6) ?? skewTicks
        windowSeconds = try flags.decimal("--window", in: 0.001...1e6) ?? windowSeconds
        thresholdFraction = try flags.decimal("--threshold", in: 1e-9...1) ?? thresholdFraction
        pairsHalfLifeSeconds = try flags.decimal("--half-life", in: 0.001...1e6) ?? pairsHalfLifeSeconds
        entryZ = try flags.decimal("--entry-z", in: 0.01...100) ?? entryZ
        exitZ = try flags.decimal("--exit-z", in: 0...100) ?? exitZ
        guard exitZ < entryZ else { throw InvalidArgument("--exit-z \(exitZ) must be below --entry-z \(entryZ)") }
        if let idle = try flags.value("--idle") { self.idle = try IdleStrategy.mode(parsing: idle) }
        readers = try flags.integer("--readers", in: 0...64) ?? readers
        switch (flags.flag("--pass-through"), flags.flag("--pass-tops")) {
        case (true, true): throw InvalidArgument("--pass-through and --pass-tops: one or the other")
        case (true, false): passing = .everything
        case (false, true): passing = .topsAndControl
        case (false, false): passing = .nothing
        }
        latency = flags.flag("--latency")
        if let session = try flags.value("--session") { self.session = try SessionName(session) }
        if let positions = try flags.value("--positions") {
            self.positions = try Endpoint(parsing: positions, flag: "--positions")
            guard self.positions != .standardStream else {
                throw InvalidArgument("--positions reads a ring (shm:NAME)")
            }
        }
        if let latency = try flags.value("--report-latency-ms") {
            guard positions != nil else { throw InvalidArgument("--report-latency-ms goes with --positions") }
            if latency == "arrival" {
                reportLatencyNs = nil
            } else if let ms = Double(latency), let ns = ReportMerge.latencyNs(milliseconds: ms) {
                reportLatencyNs = ns
            } else {
                throw InvalidArgument(
                    "--report-latency-ms '\(latency)': expected milliseconds above 0 up to 60000 (a strategy sees "
                        + "a report after what caused it), or arrival")
            }
        }
        if positions != nil, reportLatencyNs != nil {
            guard case .frames(.ring) = output, case .ring = input else {
                throw InvalidArgument(
                    "--positions merged in market time needs rings in and out (--in shm:NAME --out shm:NAME: exec "
                        + "reads how far signal has come); --report-latency-ms arrival reads it as it arrives")
            }
        }
        guard passing == .nothing || output != .json else {
            throw InvalidArgument("--pass-through and --pass-tops go with --out")
        }
        try flags.finish()
        // A parameter the chosen strategy does not read is a mistake, not a no-op.
        let others = Set(Strategy.all.flatMap(\.parameters)).subtracting(strategy.parameters)
        if let unused = arguments.first(where: { others.contains($0) }) {
            let names = { (flags: [String]) in flags.map { $0.dropFirst(2) }.joined(separator: ", ") }
            throw InvalidArgument(
                "\(unused) is not a parameter of --strategy \(strategy.rawValue) (its own: "
                    + "\(names(strategy.parameters)); every strategy's: \(names(Strategy.commonParameters)))")
        }
    }
}
