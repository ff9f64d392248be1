import IPC

/// What `book` was asked to do, validated.
struct BookOptions {
    enum Output: Equatable {
        /// Book tops (and the trades and definitions passed through) as frames.
        case frames(Endpoint)
        /// The top levels and the analytics as text, every `interval` and at the end.
        case dump
        /// One JSON line per published book top.
        case json
    }

    var input: Endpoint = .standardStream
    var output: Output = .dump
    var levels = 10
    var intervalSeconds = 1.0
    /// Sizes (in units of the base asset) for the effective-spread analytics.
    var sizes = [0.1, 1, 5, 10]
    var idle: IdleStrategy.Mode = .block
    /// With a ring output: readers to wait for before the first frame.
    var readers = 1
    /// The session to join: its registry, and resync requests to the feed on a gap.
    var session: SessionName?
    /// With --out: pass the deltas on too.
    var passDeltas = false
    /// Read the input ring as a lossy consumer: a display that never holds the feed back.
    var lossy = false

    static let usage = """
        usage: book [--in shm:NAME|-] [--out shm:NAME|- [--readers N] [--pass-deltas] | --dump | --json]
                    [--levels N] [--interval SECONDS] [--sizes 0.1,1,5,10] [--idle spin|yield|block]
                    [--session NAME] [--lossy]
        Local L2 books from feed's frames (stdin by default), kept by the venue's update-id rules.
          --out     book tops as frames, trades and definitions passed through (and the deltas,
                    ahead of the tops they move, with --pass-deltas: exec's paper venue needs them)
          --dump    the top levels and liquidity analytics as text (the default)
          --json    one line per published top: symbol, update_id, bid, bid_size, ask, ask_size, ...
          --session join the session: registry, heartbeat, and a resync request to the feed on a gap
          --lossy   read the input ring without holding the feed back (a display beside the pipeline's
                    own book); frames it misses are counted as drops and mark the book invalid
        exit codes: 0 done, 1 bad input data, 100 usage, 111 system call failed
        """

    init(_ arguments: [String]) throws(InvalidArgument) {
        var flags = CommandLineArguments(tool: "book", arguments)
        if let input = try flags.value("--in") { self.input = try Endpoint(parsing: input, flag: "--in") }
        let out = try flags.value("--out")
        let dump = flags.flag("--dump")
        let json = flags.flag("--json")
        guard [out != nil, dump, json].filter({ $0 }).count <= 1 else {
            throw InvalidArgument("choose one of --out, --dump and --json")
        }
        if let out { output = .frames(try Endpoint(parsing: out, flag: "--out")) }
        if json { output = .json }
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
        lossy = flags.flag("--lossy")
        if passDeltas {
            guard case .frames = output else { throw InvalidArgument("--pass-deltas goes with --out") }
        }
        if let session = try flags.value("--session") { self.session = try SessionName(session) }
        try flags.finish()
    }
}
