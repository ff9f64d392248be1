// feed: market data in, frames out. See FeedOptions.usage.
import Glibc
import IPC

let options = ToolStart.options(tool: "feed", usage: FeedOptions.usage) { (arguments) throws(InvalidArgument) in
    try FeedOptions(arguments)
}

func fail(_ message: String, _ code: Int32) -> Never { ToolStart.fail(message, code) }

let membership: SessionMembership?
do {
    membership = try options.session.map { (session) throws(SegmentError) in
        try SessionMembership(session, role: .feed, detail: options.source.summary)
    }
} catch {
    fail("feed: \(error)", ExitCode.system)
}

func openSinks() -> (FrameSink, FrameSink?) {
    do {
        let output = try FrameSink(options.output)
        guard let path = options.recordPath else { return (output, nil) }
        let fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o644)
        guard fd >= 0 else { fail("feed: --record \(path): \(String(cString: strerror(errno)))", ExitCode.system) }
        return (output, try FrameSink(fd: fd, subject: path))
    } catch {
        fail("feed: \(error)", ExitCode.system)
    }
}

func run<Source: MarketDataSource>(_ source: Source) -> Never {
    let (output, recorder) = openSinks()
    var feed = Feed(source: source, output: output, recorder: recorder, speed: options.speed,
                    durationSeconds: options.durationSeconds, idle: options.idle, membership: membership)
    do {
        try feed.run(readers: options.readers)
    } catch {
        fail(error.description, error.exitCode)
    }
    exit(ExitCode.success)
}

switch options.source {
case .synthetic(let symbols, let seed, let startPrice, let medianSize):
    do {
        run(try SyntheticSource(symbols: symbols, seed: seed, startTimeNs: SystemClock.realtimeNanoseconds(),
                                catalog: options.catalog, startPrice: startPrice, medianSize: medianSize))
    } catch {
        fail("feed: \(error)", ExitCode.usage)
    }
case .live(let symbols, let venue):
    do {
        run(try LiveBinanceSource(
            venue: venue, symbols: symbols, streamURL: options.streamURL, restURL: options.restURL, caFile: options.caFile,
            catalog: options.catalog, pollTimeoutMs: options.idle == .spin ? 0 : 100, controlBlock: membership?.controlBlock,
            report: { StandardError.line($0) }))
    } catch {
        fail(error.description, error.exitCode)
    }
case .replay(let files):
    for file in files where access(file, R_OK) != 0 && file != "-" {
        fail("feed: cannot read \(file): \(String(cString: strerror(errno)))", ExitCode.failure)
    }
    let captures = files.filter(CaptureSource.isCapture)
    if !captures.isEmpty {
        guard files.count == 1 else { fail("feed: replay one --record capture at a time, without other files", ExitCode.usage) }
        do { run(try CaptureSource(path: files[0], paced: options.speed != nil)) } catch { fail(error.description, error.exitCode) }
    }
    var catalog = options.catalog
    do {
        if let path = options.exchangeInfoPath { try catalog.add(exchangeInfo: path) }
        run(try ReplaySource(paths: files, catalog: catalog, report: { StandardError.line($0) }))
    } catch {
        fail(error.description, error.exitCode)
    }
}
