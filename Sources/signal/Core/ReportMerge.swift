import IPC

/// exec's output merged into the market in market time, so that a replay is a backtest you can
/// trust: the strategy sees each of exec's frames (its position, its orders' reports) at the
/// market time exec wrote it plus the report latency, whatever the replay's speed or the
/// machine's load, and the same recording writes the same journal.
///
/// ```text
///   feed ──md──► book ──tops──► signal ──quotes──► exec ◄──md── feed
///                                  ▲                 │
///                                  └───── exec ──────┘  reports, positions, progress
/// ```
///
/// exec stamps every frame it writes with its clock, which never goes back, and after each batch
/// writes a progress frame with that clock (`exec --progress`): every frame of an earlier time is
/// out. A frame of exec's at time t reaches the strategy before a market frame at time T when
/// t + latency < T. So before signal handles a market frame at T it reads exec's ring as far as
/// that (frames later than that stay in the ring, read in place when they are due), and waits
/// until it knows nothing earlier than T − latency can still come: exec's progress or any frame
/// of exec's reached T − latency, or exec's output ended.
///
/// exec in turn handles a market message only once signal has said it derived everything from
/// the messages before it (exec's `MarketMerge`), so a waiting signal says how far it has come:
/// a progress frame through min(T − 1, progress + latency − 1), below anything a report not yet
/// seen could make it write. With a latency above zero each such round trip moves exec on by
/// a message or more, so the two never wait for each other forever.
package struct ReportMerge {
    /// How long after exec wrote a frame the strategy sees it (market time, > 0).
    let latencyNs: Int64
    /// Every frame exec writes from now on is stamped at or after this (its progress).
    private(set) var execProgressNs = Int64.min
    /// A progress frame was seen: exec runs with `--progress` (without, a quiet exec would leave
    /// signal waiting: the stage says so).
    private(set) var sawProgress = false
    /// exec's output ended: everything it wrote is in the ring.
    private(set) var execEnded = false
    /// The last progress frame signal wrote for exec (`claim`).
    private var claimedNs = Int64.min
    /// The market frame time the last `admits` refused, waiting for exec.
    private(set) var waitingForNs: Int64?

    /// `exec` is exec's output as just attached: a frame exec wrote before signal came (its
    /// progress after its first market message) says how far its clock was then.
    init(latencyNs: Int64, exec: FrameSource) {
        precondition(latencyNs > 0, "a report reaches the strategy after what caused it")
        self.latencyNs = latencyNs
        if let before = exec.precedingFrame() {
            sawProgress = withUnsafePointer(to: before) { ReportMerge.isProgress($0) }
            execProgressNs = sawProgress ? before.as(Control.self).value : before.header.receiveTimeNs
        }
    }

    /// The report latency `milliseconds` gives, in ns: nil unless above 0 (a strategy sees a
    /// report after what caused it) and up to a minute.
    package static func latencyNs(milliseconds: Double) -> Int64? {
        guard milliseconds >= 0.000_001, milliseconds <= 60_000 else { return nil }
        return Int64((milliseconds * 1e6).rounded())
    }

    /// exec's frames stamped before this reach the strategy before a market frame at `timeNs`:
    /// t + latency < T.
    @inline(__always)
    package static func dueBeforeNs(_ timeNs: Int64, latencyNs: Int64) -> Int64 {
        timeNs < Int64.min + latencyNs ? Int64.min : timeNs - latencyNs
    }

    /// When a frame exec wrote at `timeNs` reaches the strategy: t + latency.
    @inline(__always)
    package static func visibleAtNs(_ timeNs: Int64, latencyNs: Int64) -> Int64 {
        timeNs > Int64.max - latencyNs ? Int64.max : timeNs + latencyNs
    }

    /// May the market frame at `timeNs` be handled now? First hands `deliver` every frame of
    /// exec's due before it, in exec's order.
    @inline(__always)
    mutating func admits(
        _ timeNs: Int64, exec: inout FrameSource, deliver: (UnsafePointer<Frame>) -> Void
    ) -> Bool {
        let dueBeforeNs = ReportMerge.dueBeforeNs(timeNs, latencyNs: latencyNs)
        // Until nothing more is due (or exec's end is reached: a read that handed out frames
        // cannot say so, the next one does).
        while !execEnded {
            let polled = exec.poll(
                limit: .max,
                while: { frame in
                    let timeNs = frame.pointee.header.receiveTimeNs
                    if timeNs < dueBeforeNs || ReportMerge.isProgress(frame) { return true }
                    // Left in the ring until it is due; written, it says exec's clock reached its time.
                    execProgressNs = max(execProgressNs, timeNs)
                    return false
                }
            ) { frame in
                if ReportMerge.isProgress(frame) {
                    sawProgress = true
                    execProgressNs = max(execProgressNs, frame.pointee.as(Control.self).value)
                } else {
                    execProgressNs = max(execProgressNs, frame.pointee.header.receiveTimeNs)
                    deliver(frame)
                }
            }
            if polled == .endOfStream { execEnded = true }
            guard case .frames = polled else { break }
        }
        let admitted = execEnded || execProgressNs >= dueBeforeNs
        waitingForNs = admitted ? nil : timeNs
        return admitted
    }

    /// While waiting for exec at market time T: how far signal has derived everything, if that is
    /// further than it last said. Nothing signal writes later is stamped earlier: a market frame
    /// before T would have been handled, and a report not yet seen is due after exec's progress
    /// plus the latency.
    mutating func claim() -> Int64? {
        guard let waiting = waitingForNs, execProgressNs > Int64.min else { return nil }
        let reportsFrom = execProgressNs > Int64.max - latencyNs ? Int64.max : execProgressNs + latencyNs
        let through = min(waiting &- 1, reportsFrom &- 1)
        guard through > claimedNs else { return nil }
        claimedNs = through
        return through
    }

    @inline(__always)
    static func isProgress(_ frame: UnsafePointer<Frame>) -> Bool {
        frame.pointee.header.type == MessageType.control.rawValue
            && frame.pointee.as(Control.self).commandRaw == Control.Command.progress.rawValue
    }
}
