import Glibc
import IPC

/// The feed's duty cycle over any source: instrument definitions first, then each batch the
/// source produces, released at `speed` × the source's own pace (or at once), written to the
/// output and to the capture file if recording.
struct Feed<Source: MarketDataSource> {
    var source: Source
    var output: FrameSink
    var recorder: FrameSink?
    let speed: Double?
    let durationNs: Int64?
    let idle: IdleStrategy.Mode
    /// The session, if the feed joined one: heartbeats and the instrument table.
    let membership: SessionMembership?
    private var instrumentsPublished = 0
    private let batch = FrameBatch(capacity: 1 << 16)
    private var timeline = MessageTimeline()
    private(set) var framesWritten: UInt64 = 0
    private var framesAtFlush: UInt64 = 0
    static var maxSpeedFlushFrames: UInt64 { 256 }

    init(source: Source, output: FrameSink, recorder: FrameSink?, speed: Double?, durationSeconds: Double?,
         idle: IdleStrategy.Mode, membership: SessionMembership?) {
        self.membership = membership
        self.source = source
        self.output = output
        self.recorder = recorder
        self.speed = speed
        self.durationNs = durationSeconds.map { Int64($0 * 1e9) }
        self.idle = idle
    }

    /// Runs until the source ends, the duration passes or SIGINT/SIGTERM; then closes the output.
    mutating func run(readers: Int) throws(FeedError) {
        switch output.awaitReadersOrClose(readers, membership: membership, tool: "feed") {
        case .attached:
            break
        case .stopped:
            membership?.leave()
            return
        case .timedOut(let reason):
            membership?.leave()
            throw .system(reason)
        }
        var header = FrameHeader(type: .instrumentDefinition, receiveTimeNs: SystemClock.realtimeNanoseconds())
        for instrument in source.instruments {
            header.instrument = instrument.id
            try write(Frame(InstrumentDefinition(instrument, header: header)))
        }
        try flush()
        let startWall = SystemClock.monotonicNanoseconds()
        var firstSourceTime: Int64?
        var idleStrategy = IdleStrategy(idle)
        var steps: UInt64 = 0
        while !SignalFlags.shutdownRequested {
            // The clock (duration, heartbeats) on every paced or idle step, and every 64th at full
            // speed: a replay step takes well under a microsecond, and on this VM reading the
            // clock cost more than a step (a third of a capture replay's time).
            if speed != nil || steps & 63 == 0 {
                let now = SystemClock.monotonicNanoseconds()
                if let durationNs, now - startWall >= durationNs { break }
                output.heartbeat(now: now)
                membership?.heartbeat(now: now)
            }
            steps &+= 1
            publishInstruments()
            batch.removeAll()
            let step: SourceStep
            do {
                step = try source.next(into: batch)
            } catch {
                // Bad input ends the feed: what went out before it still reaches the readers.
                try flush()
                throw error
            }
            switch step {
            case .end:
                try close()
                return
            case .idle:
                if framesWritten > framesAtFlush { try flush() }
                output.wakeDeferred()
                idleStrategy.idle()
                steps = 0 // the clock again on the next step
                continue
            case .frames(let sourceTime):
                idleStrategy.reset()
                if let speed {
                    let first = firstSourceTime ?? sourceTime
                    firstSourceTime = first
                    sleep(until: startWall + Int64(Double(sourceTime - first) / speed))
                }
            }
            if source.receiveTimeIsRelease {
                // The batch "arrives" now, after pacing: latency is measured from here.
                let released = SystemClock.realtimeNanoseconds()
                for index in 0..<batch.count { batch.storage[index].header.receiveTimeNs = released }
            }
            for index in 0..<batch.count { try write(batch[index]) }
            // Paced, every batch goes out at once; at full speed, in batches of frames, so a
            // replay costs one write (or one publish) per ~256 frames, not one per message, and
            // readers asleep on the ring wake for a batch of those (or when the feed idles).
            if speed != nil {
                try flush()
            } else if framesWritten - framesAtFlush >= Feed.maxSpeedFlushFrames {
                try flush(deferringWake: true)
            }
        }
        try close()
    }

    /// Adds the instruments the source has learnt since the last cycle to the session's table.
    private mutating func publishInstruments() {
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

    private mutating func write(_ frame: Frame) throws(FeedError) {
        let idle = self.idle
        var frame = frame
        timeline.stamp(&frame.header)
        do {
            try output.write(frame, idle: idle, stop: { SignalFlags.shutdownRequested })
            try recorder?.write(frame, idle: idle)
        } catch {
            throw .system("feed: writing \(output.endpoint): \(error)")
        }
        framesWritten &+= 1
    }

    private mutating func flush(deferringWake: Bool = false) throws(FeedError) {
        framesAtFlush = framesWritten
        do {
            try output.flush(deferringWake: deferringWake)
            try recorder?.flush()
        } catch {
            throw .system("feed: writing \(output.endpoint): \(error)")
        }
    }

    private mutating func close() throws(FeedError) {
        StandardError.line(source.summary)
        membership?.leave()
        do {
            try output.close()
            try recorder?.close()
        } catch {
            throw .system("feed: closing \(output.endpoint): \(error)")
        }
    }

    /// Sleeps to a monotonic deadline (pacing; the feed is the pipeline's clock, not a hot loop).
    private func sleep(until deadline: Int64) {
        var request = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &request, nil) == EINTR && !SignalFlags.shutdownRequested {}
    }
}
