import IPC

/// What `book` was asked to do, validated.
public struct BookOptions {
    enum Output: Equatable, CustomStringConvertible {
        /// Book tops (and the trades and definitions passed through) as frames.
        case frames(Endpoint)
        /// The top levels and the analytics as text, every `interval` and at the end.
        case dump
        /// One JSON line per published book top.
        case json
        /// The operator's full screen: the books, exec's positions, risk, processes, rings.
        case dashboard

        var description: String {
            switch self {
            case .frames(let endpoint): endpoint == .standardStream ? "tops to stdout" : "tops to a ring"
            case .dump: "dump"
            case .json: "json"
            case .dashboard: "dashboard"
            }
        }
    }

    var input: Endpoint = .standardStream
    var output: Output = .dump
    /// With --json: trades as lines of their own (--trades), and the top `jsonDepth` levels a
    /// side in each top's line (--depth N; 0: none).
    var jsonTrades = false
    var jsonDepth = 0
    var levels = 10
    var intervalSeconds = 1.0
    /// With --dashboard: exec's output ring, read lossy for positions and PnL.
    var execOutput: Endpoint?
    /// With --dashboard: a directory of logs to show the last line of.
    var logDirectory: String?
    /// Sizes (in units of the base asset) for the effective-spread analytics.
    var sizes = [0.1, 1, 5, 10]
    public var idle: IdleStrategy.Mode = .block
    /// With a ring output: readers to wait for before the first frame.
    var readers = 1
    /// The session to join: its registry, and resync requests to the feed on a gap.
    var session: SessionName?
    /// With --out: pass the deltas on too.
    var passDeltas = false
    /// With --out: a progress frame after each batch (for exec reading the market itself).
    var progress = false
    /// Read the input ring as a lossy consumer: a display that never holds the feed back.
    var lossy = false

    public static let usage = """
        usage: book [--in shm:NAME|-] [--out shm:NAME|- [--readers N] [--pass-deltas|--progress] | --dump
                    | --json [--trades] [--depth N]
                    | --dashboard --session NAME [--exec shm:NAME] [--logs DIR]]
                    [--levels N] [--interval SECONDS] [--sizes 0.1,1,5,10] [--idle spin|yield|block]
                    [--session NAME] [--lossy]
        Local L2 books from feed's frames (stdin by default), kept by the venue's update-id rules.
          --out     book tops as frames, trades and definitions passed through (and the deltas,
                    ahead of the tops they move, with --pass-deltas: exec's paper venue needs them,
                    unless it reads feed's ring itself; then --progress: after each batch, a
                    progress frame naming the last market message whose outputs are all out)
          --dump    the top levels and liquidity analytics as text (the default)
          --json    one line per published top ("type":"top": symbol, update_id, bid, bid_size, ask,
                    ask_size, ...); --trades: each trade a line too ("type":"trade"); --depth N: the
                    top N levels a side in each top's line (bids, asks)
          --dashboard  the operator's screen for a terminal, redrawn every --interval (0.25 s): the
                    books, position and PnL from exec's ring (--exec), orders, risk's state and
                    limits, each process's health and latency, each ring's lag and drops, and
                    the last line of each DIR/*.log (--logs)
          --session join the session: registry, heartbeat, and a resync request to the feed on a gap
          --lossy   read the input ring without holding the feed back (a display beside the pipeline's
                    own book); frames it misses are counted as drops and mark the book invalid
        defaults (a VALUE in capitals is the unit: MS milliseconds, SECONDS, UNITS of the base asset,
        QUOTE of the quote currency):
          --in shm:NAME|-          - (stdin)
          --out shm:NAME|-         none
          --readers N              1
          --pass-deltas            off
          --progress               off
          --dump                   (the default output)
          --json                   off
          --trades                 off
          --depth N                0
          --dashboard              off
          --exec shm:NAME          none
          --logs DIR               none
          --levels N               10
          --interval SECONDS       1 (--dashboard: 0.25)
          --sizes 0.1,1,5,10       0.1,1,5,10
          --idle spin|yield|block  block
          --session NAME           none
          --lossy                  off
        exit codes: 0 done, 1 bad input data, 100 usage, 111 system call failed
        """

    public init(_ arguments: [String]) throws(InvalidArgument) {
        var flags = CommandLineArguments(tool: "book", arguments)
        if let input = try flags.value("--in") { self.input = try Endpoint(parsing: input, flag: "--in") }
        let out = try flags.value("--out")
        let dump = flags.flag("--dump")
        let json = flags.flag("--json")
        let dashboard = flags.flag("--dashboard")
        guard [out != nil, dump, json, dashboard].filter({ $0 }).count <= 1 else {
            throw InvalidArgument("choose one of --out, --dump, --json and --dashboard")
        }
        if let out { output = .frames(try Endpoint(parsing: out, flag: "--out")) }
        if json { output = .json }
        if dashboard {
            output = .dashboard
            intervalSeconds = 0.25
        }
        if let exec = try flags.value("--exec") {
            guard dashboard else { throw InvalidArgument("--exec goes with --dashboard") }
            execOutput = try Endpoint(parsing: exec, flag: "--exec")
            guard execOutput != .standardStream else { throw InvalidArgument("--exec reads a ring (shm:NAME)") }
        }
        jsonTrades = flags.flag("--trades")
        jsonDepth = try flags.integer("--depth", in: 1...1000) ?? jsonDepth
        guard json || (!jsonTrades && jsonDepth == 0) else {
            throw InvalidArgument("--trades and --depth go with --json")
        }
        levels = try flags.integer("--levels", in: 1...1000) ?? levels
        intervalSeconds = try flags.decimal("--interval", in: 0.01...3600) ?? intervalSeconds
        if let sizes = try flags.value("--sizes") {
            let parsed = sizes.split(separator: ",").map { Double($0) }
            guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil && $0! > 0 && $0!.isFinite }) else {
                throw InvalidArgument("--sizes '\(sizes)': expected positive numbers, comma-separated")
            }
            self.sizes = parsed.map { $0! }
        }
        if let idle = try flags.value("--idle") { self.idle = try IdleStrategy.mode(parsing: idle) }
        readers = try flags.integer("--readers", in: 0...64) ?? readers
        passDeltas = flags.flag("--pass-deltas")
        progress = flags.flag("--progress")
        lossy = flags.flag("--lossy")
        for (flag, given) in [("--pass-deltas", passDeltas), ("--progress", progress)] where given {
            guard case .frames = output else { throw InvalidArgument("\(flag) goes with --out") }
        }
        if let logs = try flags.value("--logs") {
            guard dashboard else { throw InvalidArgument("--logs goes with --dashboard") }
            logDirectory = logs
        }
        if let session = try flags.value("--session") { self.session = try SessionName(session) }
        if dashboard && session == nil {
            throw InvalidArgument("--dashboard needs --session: it shows the session's processes and rings")
        }
        try flags.finish()
    }
}
