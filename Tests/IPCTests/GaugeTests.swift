import Glibc
import IPC
import XCTest

final class GaugeTests: XCTestCase {
    func testTheHistogramsPercentilesAreTheirBucketsUpperBoundsWithinAnEighth() {
        let histogram = LatencyHistogram()
        XCTAssertNil(histogram.percentile(0.5))
        for value in 1...1_000 { histogram.record(Int64(value) * 1_000) } // 1 µs ... 1 ms
        XCTAssertEqual(histogram.count, 1_000)
        XCTAssertEqual(histogram.max, 1_000_000)
        // The 500th sample is 500 000 ns: 2^18 = 262 144 ≤ it < 2^19, in steps of 2^15 = 32 768,
        // its bucket is [491 520, 524 288).
        XCTAssertEqual(histogram.percentile(0.5), 524_287)
        // The 990th is 990 000 ns: 2^19 ≤ it < 2^20 in steps of 65 536: [983 040, 1 048 576),
        // capped at the largest sample seen.
        XCTAssertEqual(histogram.percentile(0.99), 1_000_000)
        for fraction in [0.1, 0.25, 0.5, 0.75, 0.9] {
            let exact = Double(Int(1_000 * fraction)) * 1_000
            let reported = Double(histogram.percentile(fraction)!)
            XCTAssertGreaterThanOrEqual(reported, exact)
            XCTAssertLessThanOrEqual(reported, exact * 1.125, "p\(fraction)")
        }
        histogram.record(-5) // a clock step counts as 0, not a crash
        histogram.record(7)
        XCTAssertEqual(histogram.percentile(0), 0)
        histogram.reset()
        XCTAssertEqual(histogram.count, 0)
        XCTAssertNil(histogram.percentile(0.99))
        histogram.record(Int64.max)
        XCTAssertEqual(histogram.percentile(1), Int64.max)
    }

    func testGaugesAreReadAcrossAttachmentsAndClearedForTheNextProcess() throws {
        XCTAssertLessThanOrEqual(Gauge.allCases.count, ControlBlockDescriptor.gaugesPerProcess)
        let session = try SessionName("gauge\(getpid())x\(UUIDCounter.next())")
        defer { removeSegment(session.controlBlock) }
        let membership = try SessionMembership(session, role: .exec, detail: "test")
        let reader = try ControlBlock.attach(session.controlBlock)
        XCTAssertNil(reader.gauge(.openOrders, entry: membership.entry), "never written")
        membership.setGauge(.openOrders, 3)
        membership.setGauge(.maxNotional, 1e6)
        XCTAssertEqual(reader.gauge(.openOrders, entry: membership.entry), 3)
        XCTAssertEqual(reader.gauge(.maxNotional, entry: membership.entry), 1e6)
        let histogram = LatencyHistogram()
        for _ in 0..<99 { histogram.record(1_000) }
        histogram.record(2_000_000)
        membership.publishLatency(histogram)
        XCTAssertEqual(reader.gauge(.latencyP50Ns, entry: membership.entry), 1_023)
        XCTAssertEqual(reader.gauge(.latencyMaxNs, entry: membership.entry), 2_000_000)
        XCTAssertEqual(reader.gauge(.latencySamples, entry: membership.entry), 100)
        XCTAssertEqual(histogram.count, 0, "publishing starts the next window")
        // The entry is taken by another process once this one has exited: it starts with no gauges.
        reader.setState(.exited, entry: membership.entry)
        let next = try reader.register(role: .signal)
        XCTAssertEqual(next, membership.entry)
        XCTAssertNil(reader.gauge(.openOrders, entry: next))
    }
}
