import IPC

/// What `signal` was asked to do, validated: every parameter's range is checked, and an error
/// names the flag.
public struct SignalOptions {
    /// signal's own parameters every strategy's quotes go through.
    static let commonParameters = ["--quote-size", "--max-position", "--min-requote-ms", "--min-move-ticks"]
    /// What a strategy file may set besides the strategy's own parameters.
    static var fileNames: Set<String> { Set(["strategy"] + commonParameters.map { String($0.dropFirst(2)) }) }
    /// Names no strategy parameter may take: signal's own.
    static var ownNames: Set<String> {
        fileNames.union([
            "config", "in", "out", "json", "readers", "pass-through", "pass-tops", "positions", "report-latency-ms",
            "latency", "session", "bot", "idle", "cpu", "check-options", "help"
        ])
    }
    enum Output: Equatable {
        case frames(Endpoint)
        case json
    }

    var input: Endpoint = .standardStream
    var output: Output = .json
    /// The strategy (`--strategy`, the registry's first by default) and its own flags, checked.
    package let strategy: StrategyRegistry.Entry
    private(set) var strategyArguments: [(flag: String, value: String)] = []
    /// Sizes in units of the base asset, converted to lots per instrument.
    var quoteSize = 1.0
    var maxPosition = 10.0
    var minRequoteMs = 100
    var minMoveTicks: Int64 = 1
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
    /// Whose account the intents are: the bot's index (exec's input it reads them from).
    var bot: UInt16 = 0
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

    /// signal's --help, with the strategies of `strategies` and their parameters.
    public static func usage(_ strategies: StrategyRegistry = .builtIn) -> String {
        let column = 43
        func padded(_ text: String, _ width: Int) -> String {
            text + String(repeating: " ", count: max(1, width - text.count))
        }
        func line(_ option: String, _ value: String) -> String { "  " + padded(option, column - 2) + value }
        let described = strategies.entries.map { entry in
            let lines = entry.summary.split(separator: "\n", omittingEmptySubsequences: false)
            return lines.enumerated().map { index, text in
                index == 0 && entry.name.count < 8
                    ? "  " + padded(entry.name, 8) + text
                    : (index == 0 ? "  \(entry.name)\n          " : "          ") + text
            }.joined(separator: "\n")
        }.joined(separator: "\n")
        let parameters = strategies.entries.map { entry in
            (["  \(entry.name):"] + entry.parameterDefaults.map { line("  " + $0.option, $0.defaultValue) })
                .joined(separator: "\n")
        }.joined(separator: "\n")
        return """
            usage: signal [--in shm:NAME|-] [--out shm:NAME|- [--readers N] [--pass-through|--pass-tops] | --json]
                          [--strategy NAME [its parameters]] [--quote-size UNITS] [--max-position UNITS]
                          [--min-requote-ms MS] [--min-move-ticks N] [--idle spin|yield|block]
                          [--session NAME] [--positions shm:NAME [--report-latency-ms MS|arrival]] [--latency]
                          [--bot K] [--config FILE]
            Quotes from book tops and trades (book's output, stdin by default): quote intents as frames,
            or one JSON line per intent (the default). --pass-through also passes every input frame on,
            each ahead of the intents it causes, so exec reads the market and the quotes in one stream;
            --pass-tops only the tops and book's progress frames, for exec --market (feed's ring).
            strategies (--strategy NAME; the parameters each reads are listed under defaults):
            \(described)
            All: --quote-size per side, no buying at +--max-position, no selling at -max; a new quote
            goes out when a price moved --min-move-ticks and --min-requote-ms passed (a side switching
            on or off goes at once). An invalid book cancels the instrument's quotes. --positions reads
            exec's output for our position, orders and money (without it the position is what the input
            stream says), as it arrives (arrival: a market in real time, a live venue); or
            --report-latency-ms MS: each of its frames reaches the strategy MS of market time after exec
            wrote it, merged with the market in market time whatever the speed or the load, so a replay
            is a backtest (the same recording, the same journal; it needs exec --progress, and rings in
            and out).
            --bot K: this strategy is bot K of several on one feed (exec --in once per bot, input K its);
            its intents carry K, and of exec's output it reads bot K's orders and position only. Bot 0's
            signal passes the tops (--pass-tops); the others pass nothing but their intents.
            --config FILE: the strategy's parameters as 'name = value' lines (names as the flags above,
            without dashes; '#' comments); flags on the command line override the file's. A parameter
            the chosen strategy does not read is refused, in a file or on the command line. Lines named
            exec.NAME and risk.NAME are theirs (a session file: docs/operations.md, session files).
            defaults (a VALUE in capitals is the unit: MS milliseconds, SECONDS, UNITS of the base asset,
            QUOTE of the quote currency):
            \(line("--in shm:NAME|-", "- (stdin)"))
            \(line("--out shm:NAME|-", "none"))
            \(line("--json", "(the default output)"))
            \(line("--readers N", "1"))
            \(line("--pass-through", "off"))
            \(line("--pass-tops", "off"))
            \(line("--strategy NAME", strategies.entries[0].name))
            \(line("--quote-size UNITS", "1"))
            \(line("--max-position UNITS", "10"))
            \(line("--min-requote-ms MS", "100"))
            \(line("--min-move-ticks N", "1"))
            \(line("--positions shm:NAME", "none"))
            \(line("--report-latency-ms MS|arrival", "arrival"))
            \(line("--latency", "off"))
            \(line("--bot K", "0"))
            \(line("--config FILE", "none"))
            \(line("--idle spin|yield|block", "block"))
            \(line("--session NAME", "none"))
            \(parameters)
            exit codes: 0 done, 1 bad input (data, or a --config file missing or wrong), 100 usage, \
            111 system call failed
            """
    }

    /// The command line, with a strategy file's parameters under it (`--config FILE`: its
    /// unprefixed lines; exec's and risk's are theirs).
    public init(_ arguments: [String], strategies: StrategyRegistry = .builtIn) throws(InvalidArgument) {
        self = try ConfigFile.parse(
            arguments, section: nil, parameters: strategies.parameterNames.union(SignalOptions.fileNames),
            kind: "a strategy parameter"
        ) { (flags) throws(InvalidArgument) in try SignalOptions(parsing: flags, strategies: strategies) }
    }

    private init(parsing arguments: [String], strategies: StrategyRegistry) throws(InvalidArgument) {
        var flags = CommandLineArguments(tool: "signal", arguments)
        if let input = try flags.value("--in") { self.input = try Endpoint(parsing: input, flag: "--in") }
        let out = try flags.value("--out")
        let json = flags.flag("--json")
        guard !(out != nil && json) else { throw InvalidArgument("choose one of --out and --json") }
        if let out { output = .frames(try Endpoint(parsing: out, flag: "--out")) }
        if let name = try flags.value("--strategy") {
            guard let entry = strategies.entry(named: name) else {
                throw InvalidArgument("--strategy '\(name)': expected \(strategies.namesListed)")
            }
            strategy = entry
        } else if arguments.contains("--external"), let external = strategies.entry(named: ExternalStrategy.name) {
            // `signal --external 'COMMAND'`: the external strategy, named by its one required flag.
            strategy = external
        } else {
            strategy = strategies.entries[0]
        }
        for name in strategy.parameterNames {
            if let value = try flags.value("--\(name)") { strategyArguments.append(("--\(name)", value)) }
        }
        quoteSize = try flags.decimal("--quote-size", in: 1e-12...1e12) ?? quoteSize
        maxPosition = try flags.decimal("--max-position", in: 0...1e12) ?? maxPosition
        minRequoteMs = try flags.integer("--min-requote-ms", in: 0...3_600_000) ?? minRequoteMs
        minMoveTicks = Int64(try flags.integer("--min-move-ticks", in: 0...1_000_000) ?? Int(minMoveTicks))
        if let idle = try flags.value("--idle") { self.idle = try IdleStrategy.mode(parsing: idle) }
        readers = try flags.integer("--readers", in: 0...64) ?? readers
        switch (flags.flag("--pass-through"), flags.flag("--pass-tops")) {
        case (true, true): throw InvalidArgument("--pass-through and --pass-tops: one or the other")
        case (true, false): passing = .everything
        case (false, true): passing = .topsAndControl
        case (false, false): passing = .nothing
        }
        latency = flags.flag("--latency")
        bot = UInt16(try flags.integer("--bot", in: 0...(FrameLayout.maxBots - 1)) ?? 0)
        guard bot == 0 || passing == .nothing else {
            throw InvalidArgument(
                "--bot \(bot) with --pass-through or --pass-tops: the market and its tops reach exec once, by bot 0's "
                    + "signal")
        }
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
        // A parameter the chosen strategy does not read is a mistake, not a no-op.
        let others = strategies.parameterNames.subtracting(strategy.parameterNames).map { "--\($0)" }
        if let unused = arguments.first(where: { others.contains($0) }) {
            let names = { (flags: [String]) in flags.map { $0.hasPrefix("--") ? String($0.dropFirst(2)) : $0 } }
            throw InvalidArgument(
                "\(unused) is not a parameter of --strategy \(strategy.name) (its own: "
                    + "\(names(strategy.parameterNames).joined(separator: ", ")); every strategy's: "
                    + "\(names(SignalOptions.commonParameters).joined(separator: ", ")))")
        }
        try flags.finish()
        try strategy.validate(strategyArguments)
    }
}
