import Glibc
import IPC

/// The feed stage on the agent runner, over any source: instrument definitions first, then each
/// batch the source produces, released at `speed` × the source's own pace (or at once), written
/// to the output and to the capture file if recording.
final class FeedAgent<Source: MarketDataSource>: Agent {
    public let name = "feed"
    @exclusivity(unchecked) var source: Source
    @exclusivity(unchecked) public var output: FrameSink?
    @exclusivity(unchecked) var recorder: FrameSink?
    let speed: Double?
    let durationNs: Int64?
    let idleMode: IdleStrategy.Mode
    public let readers: Int
    /// The session, if the feed joined one: heartbeats and the instrument table.
    public let membership: SessionMembership?
    @exclusivity(unchecked) private var instrumentsPublished = 0
    private let batch = FrameBatch(capacity: 1 << 16)
    @exclusivity(unchecked) private var timeline = MessageTimeline()
    @exclusivity(unchecked) private(set) var framesWritten: UInt64 = 0
    @exclusivity(unchecked) private var framesAtFlush: UInt64 = 0
    @exclusivity(unchecked) private var startWall: Int64?
    @exclusivity(unchecked) private var firstSourceTime: Int64?
    /// At full speed, frames go out in batches of about this many: one write (or one publish)
    /// per batch, not one per message; readers asleep on the ring wake for a batch (or when the
    /// feed idles).
    static var maxSpeedFlushFrames: UInt64 { 256 }
    /// Source steps per duty cycle at full speed, at most (a cycle ends sooner with a batch of
    /// frames to flush): a replay step takes well under a microsecond, less than reading the
    /// clock, which the runner does once a cycle.
    static var maxStepsPerCycle: Int { 1_024 }

    init(
        source: Source, output: FrameSink, recorder: FrameSink?, speed: Double?, durationSeconds: Double?,
        idle: IdleStrategy.Mode, readers: Int = 1, membership: SessionMembership?
    ) {
        self.membership = membership
        self.source = source
        self.output = output
        self.recorder = recorder
        self.speed = speed
        self.durationNs = durationSeconds.map { Int64($0 * 1e9) }
        self.idleMode = idle
        self.readers = readers
    }

    public func forEachInput(_ body: (FrameSource) -> Void) {}

    public func doWork(now: Int64) throws(AgentStop) -> Int {
        guard let startWall else {
            try publishDefinitions()
            startWall = SystemClock.monotonicNanoseconds()
            return 1
        }
        if let durationNs, now - startWall >= durationNs { throw .endOfStream }
        var work = 0
        for _ in 0..<(speed == nil ? FeedAgent.maxStepsPerCycle : 1) {
            publishInstruments()
            batch.removeAll()
            let step: SourceStep
            // A live socket's wait: the frames already published reach the readers now.
            if source.mayWait { output?.wakeDeferred() }
            do {
                step = try source.next(into: batch)
            } catch {
                // Bad input ends the feed: what went out before it still reaches the readers.
                throw AgentStop(code: error.exitCode, message: error.description)
            }
            switch step {
            case .end:
                throw .endOfStream
            case .idle:
                return try flushed(work)
            case .frames(let sourceTime):
                if let speed {
                    let first = firstSourceTime ?? sourceTime
                    firstSourceTime = first
                    output!.wakeDeferred() // what went out before this pause
                    sleep(until: startWall + Int64(Double(sourceTime - first) / speed))
                }
            }
            if source.receiveTimeIsRelease {
                // The batch "arrives" now, after pacing: latency is measured from here.
                let released = SystemClock.realtimeNanoseconds()
                for index in 0..<batch.count { batch.storage[index].header.receiveTimeNs = released }
            }
            for index in 0..<batch.count { try write(batch[index]) }
            work += 1 // a step, even one whose message made no frame (a damaged line skipped)
            // Paced, every batch goes out at once (the runner flushes after each cycle).
            if speed == nil && framesWritten - framesAtFlush >= FeedAgent.maxSpeedFlushFrames { break }
        }
        return try flushed(work)
    }

    public func idle(_ strategy: inout IdleStrategy) { strategy.idle() }

    public func finish(_ stop: AgentStop) -> AgentStop {
        if startWall != nil && stop.code == ExitCode.success { StandardError.line(source.summary) }
        do { try recorder?.close() } catch { return .system("feed: closing \(recorder!.endpoint): \(error)") }
        return stop
    }

    private func publishDefinitions() throws(AgentStop) {
        var header = FrameHeader(type: .instrumentDefinition, receiveTimeNs: SystemClock.realtimeNanoseconds())
        for instrument in source.instruments {
            header.instrument = instrument.id
            try write(Frame(InstrumentDefinition(instrument, header: header)))
        }
        _ = try flushed(0)
    }

    /// Adds the instruments the source has learnt since the last cycle to the session's table.
    private func publishInstruments() {
        guard let membership, source.instruments.count > instrumentsPublished else { return }
        for instrument in source.instruments[instrumentsPublished...] {
            do {
                try membership.controlBlock.addInstrument(instrument)
            } catch {
                StandardError.line("feed: \(error)")
            }
        }
        instrumentsPublished = source.instruments.count
    }

    private func write(_ frame: Frame) throws(AgentStop) {
        var frame = frame
        timeline.stamp(&frame.header)
        do {
            try output!.write(frame, idle: idleMode, stop: { SignalCounters.shutdownRequested })
            try recorder?.write(frame, idle: idleMode)
        } catch {
            throw .system("feed: writing \(output!.endpoint): \(error)")
        }
        framesWritten &+= 1
    }

    /// The recording flushed with what this cycle wrote; the runner flushes the output next.
    private func flushed(_ work: Int) throws(AgentStop) -> Int {
        guard framesWritten > framesAtFlush else { return work }
        framesAtFlush = framesWritten
        do { try recorder?.flush() } catch { throw .system("feed: writing \(recorder!.endpoint): \(error)") }
        return work
    }

    /// Sleeps to a monotonic deadline (pacing; the feed is the pipeline's clock, not a hot loop).
    private func sleep(until deadline: Int64) {
        var request = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &request, nil) == EINTR
            && !SignalCounters.shutdownRequested
        {}
    }
}
