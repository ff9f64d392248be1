import CMallocCounter
import Glibc
import IPC
import TestSupport
import XCTest

@testable import RiskCore
@testable import SignalCore

/// The agent runner's duty cycle allocates nothing in steady state, with a real agent from
/// another module: risk, reading a ring of book tops. (A `modify` the runner reached through a
/// getter and a setter allocated its coroutine frame on every cycle: 5,000 allocations a second
/// in the pipeline benchmark's risk.) Counted in release builds (`.ci/run`).
final class AgentAllocationTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(
            malloc_counter_is_counting() != 0, "a sanitizer build: its runtime owns malloc, nothing is counted")
        try XCTSkipIf(
            isDebugBuild,
            "allocations are counted in a release build: swift test -c release --filter Allocation (.ci/run does)")
    }

    /// `inner`, a new top published before every other duty cycle: for `warmUpNs`, then for
    /// `countedNs` with its allocations counted. Both phases are timed, not counted in cycles:
    /// risk's limit checks run every 20 ms, and the first check after an instrument is learnt
    /// instantiates what the runtime instantiates lazily (`Double(UInt128)`'s witness table: an
    /// allocation, once per process) — it must fall in the warm-up, and the counted phase must
    /// hold checks of its own.
    struct Counted<Inner: Agent>: Agent {
        var inner: Inner
        var market: RingProducer
        /// For signal merging exec's output in market time: exec's progress before each top,
        /// and a position snapshot now and then, due a report latency later.
        var exec: RingProducer?
        var top: BookTop
        let warmUpNs: Int64
        let countedNs: Int64
        var start: Int64?
        var counting = false
        var cycles = 0
        var countedCycles = 0
        var before: UInt64 = 0
        var allocations: UInt64 = 0

        let name = "counted"
        var membership: SessionMembership? { inner.membership }
        var readers: Int { inner.readers }
        var output: FrameSink? {
            get { inner.output }
            _modify { yield &inner.output }
        }
        func forEachInput(_ body: (FrameSource) -> Void) { inner.forEachInput(body) }
        func idle(_ strategy: inout IdleStrategy) { inner.idle(&strategy) }
        mutating func housekeeping(now: Int64) { inner.housekeeping(now: now) }
        func publishGauges(_ membership: SessionMembership) { inner.publishGauges(membership) }

        mutating func doWork(now: Int64) throws(AgentStop) -> Int {
            cycles += 1
            let start = self.start ?? now
            self.start = start
            if !counting, now - start >= warmUpNs {
                counting = true
                before = malloc_counter_thread_allocations()
            }
            if counting {
                countedCycles += 1
                if now - start >= warmUpNs + countedNs {
                    allocations = malloc_counter_thread_allocations() - before
                    throw .endOfStream
                }
            }
            if cycles % 2 == 0 {
                if exec != nil {
                    let header = FrameHeader(type: .control, flags: .endOfMessage, receiveTimeNs: now)
                    _ = exec!.write(Frame(Control(header: header, command: .progress, senderPid: 1, value: now)))
                    if cycles % 100 == 0 {
                        let position = FrameHeader(type: .positionSnapshot, instrument: 1, receiveTimeNs: now)
                        _ = exec!.write(
                            Frame(
                                PositionSnapshot(
                                    header: position, position: Int64(cycles % 9) - 4, markPrice: 1_005,
                                    unrealizedPnl: 0)))
                    }
                    exec!.publish()
                }
                top.bidPrice = 1_000 + Int64(cycles % 7)
                top.header.receiveTimeNs = now
                _ = market.write(Frame(top))
                market.publish()
            }
            return try inner.doWork(now: now)
        }
    }

    func testTheRunnersCycleWithTheRiskAgentAllocatesNothing() throws {
        let session = "agentalloc\(getpid())"
        let ring = try SegmentName("tickpipe.\(session).tops")
        let market = try RingProducer.create(ring, capacity: 4_096)
        defer { try? SharedMemoryMapping.unlink(ring) }
        let options = try RiskOptions(["--session", session, "--market", "shm:\(ring)"])
        let membership = try SessionMembership(try SessionName(session), role: .risk, detail: "test")
        let instrument = try Instrument(
            id: 1, symbol: "BTCUSDT", tickMantissa: 1, tickDecimals: 2, lotMantissa: 1, lotDecimals: 5,
            priceDisplayDecimals: 8, sizeDisplayDecimals: 8)
        try membership.controlBlock.addInstrument(instrument)
        let source = try FrameSource(.ring(ring), tool: "risk", idle: .yield, mode: .lossy)
        let risk = RiskAgent(options: options, membership: membership, exec: nil, market: source)
        let top = BookTop(
            header: FrameHeader(type: .bookTop, flags: .endOfMessage, instrument: 1), bidPrice: 1_000, bidSize: 5,
            askPrice: 1_010, askSize: 5)
        let checks = RiskAgent.checkIntervalNs
        var agent = Counted(
            inner: risk, market: market, exec: nil, top: top, warmUpNs: 3 * checks, countedNs: 5 * checks)
        let stop = AgentRunner(idle: .spin).run(&agent)
        agent.market.close()
        XCTAssertEqual(stop, .endOfStream)
        XCTAssertGreaterThan(agent.countedCycles, 10_000)
        XCTAssertEqual(agent.allocations, 0, "allocations over \(agent.countedCycles) duty cycles (100 ms)")
    }

    /// signal on its per-frame path with exec's output merged in market time (`ReportMerge`):
    /// tops, exec's progress and position snapshots read, quotes and progress frames written.
    func testTheRunnersCycleWithSignalMergingExecsReportsAllocatesNothing() throws {
        let prefix = "tickpipe.signalalloc\(getpid())"
        let (tops, exec, quotes) = (
            try SegmentName("\(prefix).tops"), try SegmentName("\(prefix).exec"), try SegmentName("\(prefix).quotes")
        )
        let market = try RingProducer.create(tops, capacity: 4_096)
        let execRing = try RingProducer.create(exec, capacity: 4_096)
        defer { for name in [tops, exec, quotes] { try? SharedMemoryMapping.unlink(name) } }
        let instrument = try Instrument(
            id: 1, symbol: "BTCUSDT", tickMantissa: 1, tickDecimals: 2, lotMantissa: 1, lotDecimals: 5,
            priceDisplayDecimals: 8, sizeDisplayDecimals: 8)
        let options = try SignalOptions([
            "--in", "shm:\(tops)", "--out", "shm:\(quotes)", "--readers", "0", "--pass-tops", "--positions",
            "shm:\(exec)", "--report-latency-ms", "5", "--strategy", "as", "--min-requote-ms", "0",
            "--quote-size", "0.01", "--max-position", "1", "--idle", "spin"
        ])
        let signal = try SignalAgent<AvellanedaStoikov>(options)
        var definitions = market
        _ = definitions.write(
            Frame(InstrumentDefinition(instrument, header: FrameHeader(type: .instrumentDefinition, instrument: 1))))
        definitions.publish()
        let top = BookTop(
            header: FrameHeader(type: .bookTop, flags: .endOfMessage, instrument: 1), bidPrice: 1_000, bidSize: 5,
            askPrice: 1_010, askSize: 5)
        var agent = Counted(
            inner: signal, market: definitions, exec: execRing, top: top, warmUpNs: 50_000_000,
            countedNs: 100_000_000)
        let stop = AgentRunner(idle: .spin).run(&agent)
        agent.market.close()
        agent.exec!.close()
        XCTAssertEqual(stop, .endOfStream)
        XCTAssertGreaterThan(agent.countedCycles, 10_000)
        XCTAssertGreaterThan(signal.processor.intentsSent, 1_000, "signal quoted the tops")
        XCTAssertEqual(agent.allocations, 0, "allocations over \(agent.countedCycles) duty cycles (100 ms)")
    }
}
