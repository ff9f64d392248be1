import Glibc
import IPC

/// What `feed` runs after its options: the source they name, its session and outputs opened,
/// on a `FeedAgent` specialised for that source's type.
public enum FeedTool {
    public static func run(_ options: FeedOptions) -> Never {
        let membership: SessionMembership?
        do {
            membership = try options.session.map { (session) throws(SegmentError) in
                try SessionMembership(session, role: .feed, detail: options.source.summary)
            }
        } catch {
            ToolStart.fail("feed: \(error)", ExitCode.system)
        }
        func run<Source: MarketDataSource>(_ source: Source) -> Never {
            ToolStart.run(idle: options.idle) { () throws(AgentStop) in
                let output: FrameSink
                var recorder: FrameSink?
                do {
                    output = try FrameSink(options.output)
                    if let path = options.recordPath {
                        let file = try FileDescriptor.open(
                            path, .writeOnly, options: [.create, .truncate], permissions: 0o644)
                        recorder = try FrameSink(fd: file.rawValue, subject: path)
                    }
                } catch {
                    throw .system("feed: \(error)")
                }
                return FeedAgent(
                    source: source, output: output, recorder: recorder, speed: options.speed,
                    durationSeconds: options.durationSeconds, idle: options.idle, readers: options.readers,
                    membership: membership)
            }
        }
        switch options.source {
        case .synthetic(let symbols, let seed, let startPrice, let medianSize):
            do {
                run(
                    try SyntheticSource(
                        symbols: symbols, seed: seed, startTimeNs: SystemClock.realtimeNanoseconds(),
                        catalog: options.catalog, startPrice: startPrice, medianSize: medianSize))
            } catch {
                ToolStart.fail("feed: \(error)", ExitCode.usage)
            }
        case .live(let symbols, let venue):
            do {
                run(
                    try LiveBinanceSource(
                        venue: venue, symbols: symbols, streamURL: options.streamURL, restURL: options.restURL,
                        caFile: options.caFile,
                        catalog: options.catalog, pollTimeoutMs: options.idle == .spin ? 0 : 100,
                        controlBlock: membership?.controlBlock,
                        report: { StandardError.line($0) }))
            } catch {
                ToolStart.fail(error.description, error.exitCode)
            }
        case .replay(let files):
            for file in files where file != "-" {
                do { try FileDescriptor.checkAccess(file) } catch {
                    ToolStart.fail("feed: cannot read \(file): \(error.errnoDescription)", ExitCode.failure)
                }
            }
            if files.contains(where: CaptureSource.isCapture) {
                guard files.count == 1 else {
                    ToolStart.fail("feed: replay one --record capture at a time, without other files", ExitCode.usage)
                }
                do { run(try CaptureSource(path: files[0], paced: options.speed != nil)) } catch {
                    ToolStart.fail(error.description, error.exitCode)
                }
            }
            var catalog = options.catalog
            do {
                if let path = options.exchangeInfoPath { try catalog.add(exchangeInfo: path) }
                run(try ReplaySource(paths: files, catalog: catalog, report: { StandardError.line($0) }))
            } catch {
                ToolStart.fail(error.description, error.exitCode)
            }
        }
    }
}
