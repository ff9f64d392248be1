import Glibc
import Synchronization

/// A session's control block in shared memory: the instrument table, the process registry,
/// and the halt and flatten flags that `risk` sets and every stage obeys.
///
/// Layout: `ControlBlockDescriptor`. The hot path reads only `isHalted`: one relaxed load.
public struct ControlBlock: @unchecked Sendable {
    public let mapping: SharedMemoryMapping
    @usableFromInline let base: UnsafeMutableRawPointer

    static let handshake = SegmentHandshake(
        magic: ControlBlockDescriptor.magic, layoutVersion: ControlBlockDescriptor.layoutVersion,
        layoutVersionOffset: ControlBlockDescriptor.layoutVersionOffset,
        readyOffset: ControlBlockDescriptor.readyOffset, creatorPidOffset: ControlBlockDescriptor.creatorPidOffset,
        headerLength: ControlBlockDescriptor.length)

    init(mapping: SharedMemoryMapping) {
        self.mapping = mapping
        self.base = mapping.base
    }

    public var name: SegmentName { mapping.name }

    /// Creates the control block with its instrument table, 0600 and exclusive.
    public static func create(_ name: SegmentName, instruments: [Instrument]) throws(SegmentError) -> ControlBlock {
        precondition(instruments.count <= ControlBlockDescriptor.maxInstruments, "at most 64 instruments")
        let mapping = try handshake.create(name, length: ControlBlockDescriptor.length)
        let block = ControlBlock(mapping: mapping)
        mapping.base.storeBytes(
            of: SystemClock.realtimeNanoseconds(), toByteOffset: ControlBlockDescriptor.createdTimeOffset,
            as: Int64.self)
        for (index, instrument) in instruments.enumerated() { block.storeInstrument(instrument, at: index) }
        mapping.base.storeBytes(
            of: UInt32(instruments.count), toByteOffset: ControlBlockDescriptor.instrumentCountOffset, as: UInt32.self)
        handshake.markReady(mapping)
        return block
    }

    /// Attaches to a session's control block, validating magic, readiness and version.
    public static func attach(_ name: SegmentName, readyTimeoutMs: Int = 2_000) throws(SegmentError) -> ControlBlock {
        ControlBlock(mapping: try handshake.attach(name, readyTimeoutMs: readyTimeoutMs))
    }

    public var creatorPid: Int32 { base.load(fromByteOffset: ControlBlockDescriptor.creatorPidOffset, as: Int32.self) }

    // MARK: Instruments

    private func storeInstrument(_ instrument: Instrument, at index: Int) {
        let entry = base + ControlBlockDescriptor.instrumentsOffset + index * ControlBlockDescriptor.instrumentEntrySize
        entry.storeBytes(of: instrument.id, toByteOffset: 0, as: UInt32.self)
        entry.storeBytes(of: instrument.tickDecimals, toByteOffset: 4, as: UInt8.self)
        entry.storeBytes(of: instrument.lotDecimals, toByteOffset: 5, as: UInt8.self)
        entry.storeBytes(of: instrument.priceDisplayDecimals, toByteOffset: 6, as: UInt8.self)
        entry.storeBytes(of: instrument.sizeDisplayDecimals, toByteOffset: 7, as: UInt8.self)
        entry.storeBytes(of: instrument.tickMantissa, toByteOffset: 8, as: Int64.self)
        entry.storeBytes(of: instrument.lotMantissa, toByteOffset: 16, as: Int64.self)
        storeText(
            instrument.symbol, at: entry + ControlBlockDescriptor.instrumentSymbolOffset,
            size: ControlBlockDescriptor.instrumentSymbolSize)
    }

    /// The instrument table, validated as it is read (a damaged entry is skipped).
    public var instruments: [Instrument] {
        // Acquire: pairs with the release store of the count in addInstrument.
        let count = min(
            Int(sharedUInt32(base, ControlBlockDescriptor.instrumentCountOffset).pointee.load(ordering: .acquiring)),
            ControlBlockDescriptor.maxInstruments)
        return (0..<count).compactMap { index in
            let entry =
                base + ControlBlockDescriptor.instrumentsOffset + index * ControlBlockDescriptor.instrumentEntrySize
            return try? Instrument(
                id: entry.load(fromByteOffset: 0, as: UInt32.self),
                symbol: loadText(
                    at: entry + ControlBlockDescriptor.instrumentSymbolOffset,
                    size: ControlBlockDescriptor.instrumentSymbolSize),
                tickMantissa: entry.load(fromByteOffset: 8, as: Int64.self),
                tickDecimals: entry.load(fromByteOffset: 4, as: UInt8.self),
                lotMantissa: entry.load(fromByteOffset: 16, as: Int64.self),
                lotDecimals: entry.load(fromByteOffset: 5, as: UInt8.self),
                priceDisplayDecimals: entry.load(fromByteOffset: 6, as: UInt8.self),
                sizeDisplayDecimals: entry.load(fromByteOffset: 7, as: UInt8.self))
        }
    }

    /// Appends an instrument to the table (the feed learns a replay's symbols as they appear).
    /// Readers see it once the count, stored last with release, includes it.
    public func addInstrument(_ instrument: Instrument) throws(InvalidArgument) {
        let counter = sharedUInt32(base, ControlBlockDescriptor.instrumentCountOffset)
        let count = Int(counter.pointee.load(ordering: .acquiring))
        if instruments.contains(instrument) { return }
        guard count < ControlBlockDescriptor.maxInstruments else {
            throw InvalidArgument("the session's instrument table is full (\(ControlBlockDescriptor.maxInstruments))")
        }
        storeInstrument(instrument, at: count)
        // Release: the entry is complete before the count includes it.
        counter.pointee.store(UInt32(count + 1), ordering: .releasing)
    }

    // MARK: Resync requests

    /// Instrument id N's counter (ids run 1...64); nil outside them.
    func resyncCounter(_ instrument: UInt32) -> UnsafeMutablePointer<Atomic<UInt32>>? {
        guard instrument >= 1, instrument <= UInt32(ControlBlockDescriptor.maxInstruments) else { return nil }
        return sharedUInt32(base, ControlBlockDescriptor.resyncRequestsOffset + Int(instrument - 1) * 4)
    }

    /// Asks the feed for a fresh snapshot of `instrument` (a book found a gap).
    public func requestResync(instrument: UInt32) {
        resyncCounter(instrument)?.pointee.add(1, ordering: .releasing)
    }

    /// Resync requests so far for `instrument`; a feed compares with the count it last acted on.
    public func resyncRequests(instrument: UInt32) -> UInt32 {
        resyncCounter(instrument)?.pointee.load(ordering: .acquiring) ?? 0
    }

    // MARK: Halt and flatten

    @inlinable var halted: UnsafeMutablePointer<Atomic<UInt32>> {
        sharedUInt32(base, ControlBlockDescriptor.haltedOffset)
    }
    var flattenCounter: UnsafeMutablePointer<Atomic<UInt32>> {
        sharedUInt32(base, ControlBlockDescriptor.flattenRequestsOffset)
    }

    /// Whether trading is halted. One relaxed load: stages check it every cycle.
    @inlinable
    public var isHalted: Bool { halted.pointee.load(ordering: .relaxed) != 0 }

    /// Halts trading with a reason; the first halt's reason stands until `resume()`.
    /// Returns false if trading was already halted.
    @discardableResult
    public func halt(reason: String) -> Bool {
        // 2 = a halt being written; readers treat any non-zero value as halted.
        guard halted.pointee.compareExchange(expected: 0, desired: 2, ordering: .acquiringAndReleasing).exchanged else {
            return false
        }
        base.storeBytes(of: getpid(), toByteOffset: ControlBlockDescriptor.haltPidOffset, as: Int32.self)
        base.storeBytes(
            of: SystemClock.realtimeNanoseconds(), toByteOffset: ControlBlockDescriptor.haltTimeOffset, as: Int64.self)
        storeText(
            reason, at: base + ControlBlockDescriptor.haltReasonOffset, size: ControlBlockDescriptor.haltReasonSize)
        // Release: the reason, pid and time are visible to whoever acquires `halted == 1`.
        halted.pointee.store(1, ordering: .releasing)
        return true
    }

    /// Lifts a halt.
    public func resume() {
        halted.pointee.store(0, ordering: .releasing)
    }

    /// The reason given by the halt in force, or nil while trading.
    public var haltReason: String? {
        // Acquire: pairs with the release store in halt().
        guard halted.pointee.load(ordering: .acquiring) == 1 else { return isHalted ? "halt in progress" : nil }
        return loadText(at: base + ControlBlockDescriptor.haltReasonOffset, size: ControlBlockDescriptor.haltReasonSize)
    }

    /// The pid that halted trading (valid while halted).
    public var haltPid: Int32 { base.load(fromByteOffset: ControlBlockDescriptor.haltPidOffset, as: Int32.self) }

    /// Asks every stage to flatten; stages compare the count with the last one they acted on.
    public func requestFlatten() {
        flattenCounter.pointee.add(1, ordering: .releasing)
    }

    public var flattenRequests: UInt32 { flattenCounter.pointee.load(ordering: .acquiring) }

    var flattensDoneCounter: UnsafeMutablePointer<Atomic<UInt32>> {
        sharedUInt32(base, ControlBlockDescriptor.flattensDoneOffset)
    }

    /// exec says it has carried out every flatten request up to `count`: no order working, no
    /// position left.
    public func flattenDone(upTo count: UInt32) {
        flattensDoneCounter.pointee.store(count, ordering: .releasing)
    }

    /// The flatten requests exec has carried out.
    public var flattensDone: UInt32 { flattensDoneCounter.pointee.load(ordering: .acquiring) }

    // MARK: Resume

    var resumeRequestCounter: UnsafeMutablePointer<Atomic<UInt32>> {
        sharedUInt32(base, ControlBlockDescriptor.resumeRequestsOffset)
    }
    var resumesAnsweredCounter: UnsafeMutablePointer<Atomic<UInt32>> {
        sharedUInt32(base, ControlBlockDescriptor.resumesAnsweredOffset)
    }

    /// Asks the session's risk to lift the halt (`risk resume`); returns the request's number,
    /// answered once `resumesAnswered` reaches it.
    public func requestResume() -> UInt32 { resumeRequestCounter.pointee.add(1, ordering: .releasing).newValue }

    public var resumeRequests: UInt32 { resumeRequestCounter.pointee.load(ordering: .acquiring) }

    /// risk answers every resume request up to `count`: the halt lifted (`refusal` nil), or why not.
    public func answerResume(upTo count: UInt32, refusal: String?) {
        storeText(
            refusal ?? "", at: base + ControlBlockDescriptor.resumeRefusalOffset,
            size: ControlBlockDescriptor.resumeRefusalSize)
        // Release: the refusal is visible to whoever acquires the count.
        resumesAnsweredCounter.pointee.store(count, ordering: .releasing)
    }

    public var resumesAnswered: UInt32 { resumesAnsweredCounter.pointee.load(ordering: .acquiring) }

    /// Why risk's last answer did not lift the halt (nil: it did).
    public var resumeRefusal: String? {
        let text = loadText(
            at: base + ControlBlockDescriptor.resumeRefusalOffset, size: ControlBlockDescriptor.resumeRefusalSize)
        return text.isEmpty ? nil : text
    }

    // MARK: Process registry

    func processEntry(_ index: Int) -> UnsafeMutableRawPointer {
        base + ControlBlockDescriptor.processesOffset + index * ControlBlockDescriptor.processEntrySize
    }

    func processState(_ index: Int) -> UnsafeMutablePointer<Atomic<UInt32>> {
        sharedUInt32(processEntry(index), ControlBlockDescriptor.processStateOffset)
    }

    func processHeartbeat(_ index: Int) -> UnsafeMutablePointer<Atomic<Int64>> {
        sharedInt64(processEntry(index), ControlBlockDescriptor.processHeartbeatOffset)
    }

    /// Takes a free registry entry for this process. Entries of exited and dead processes are
    /// reclaimed, never one still `starting`: its pid field may not be its taker's yet (one left
    /// `starting` by a process that died while registering stays taken).
    public func register(role: ProcessRole, detail: String = "") throws(SegmentError) -> Int {
        for index in 0..<ControlBlockDescriptor.maxProcesses {
            let state = processState(index)
            var current = state.pointee.load(ordering: .acquiring)
            if current != ProcessState.free.rawValue {
                let pid = processEntry(index).load(
                    fromByteOffset: ControlBlockDescriptor.processPidOffset, as: Int32.self)
                let reclaimable =
                    current == ProcessState.exited.rawValue
                    || (current != ProcessState.starting.rawValue && !ProcessLiveness.isAlive(pid))
                guard reclaimable else { continue }
            }
            guard
                state.pointee.compareExchange(
                    expected: current, desired: ProcessState.starting.rawValue, ordering: .acquiringAndReleasing
                ).exchanged
            else { continue }
            current = ProcessState.starting.rawValue
            let entry = processEntry(index)
            entry.storeBytes(of: role.rawValue, toByteOffset: ControlBlockDescriptor.processRoleOffset, as: UInt32.self)
            entry.storeBytes(of: getpid(), toByteOffset: ControlBlockDescriptor.processPidOffset, as: Int32.self)
            entry.storeBytes(
                of: SystemClock.realtimeNanoseconds(), toByteOffset: ControlBlockDescriptor.processStartedOffset,
                as: Int64.self)
            storeText(
                detail, at: entry + ControlBlockDescriptor.processDetailOffset,
                size: ControlBlockDescriptor.processDetailSize)
            processHeartbeat(index).pointee.store(SystemClock.monotonicNanoseconds(), ordering: .relaxed)
            clearGauges(entry: index)
            return index
        }
        throw SegmentError.noFreeProcessEntry(name, maxProcesses: ControlBlockDescriptor.maxProcesses)
    }

    public func setState(_ state: ProcessState, entry index: Int) {
        // Release: the entry's fields are visible before its state says so.
        processState(index).pointee.store(state.rawValue, ordering: .releasing)
    }

    public func heartbeat(entry index: Int, now: Int64) {
        processHeartbeat(index).pointee.store(now, ordering: .relaxed)
    }

    /// A registry entry as read at one moment.
    public struct ProcessEntry: Equatable, Sendable {
        public var index: Int
        public var role: ProcessRole?
        public var pid: Int32
        public var state: ProcessState
        public var heartbeatNs: Int64
        public var startedTimeNs: Int64
        public var detail: String
    }

    /// The first registered process of `role` that is running and whose pid is alive: the one to
    /// ask (a flatten, a resume) or to stop.
    public func runningProcess(_ role: ProcessRole) -> ProcessEntry? {
        processes.first { $0.role == role && $0.state == .running && ProcessLiveness.isAlive($0.pid) }
    }

    /// Every entry in use.
    public var processes: [ProcessEntry] {
        var entries: [ProcessEntry] = []
        forEachProcess { index, role, pid, state, heartbeatNs in
            let entry = processEntry(index)
            entries.append(
                ProcessEntry(
                    index: index, role: role, pid: pid, state: state, heartbeatNs: heartbeatNs,
                    startedTimeNs: entry.load(
                        fromByteOffset: ControlBlockDescriptor.processStartedOffset, as: Int64.self),
                    detail: loadText(
                        at: entry + ControlBlockDescriptor.processDetailOffset,
                        size: ControlBlockDescriptor.processDetailSize)))
        }
        return entries
    }

    /// Every entry in use, without its text: for a watchdog that runs every few milliseconds
    /// and must not allocate.
    public func forEachProcess(
        _ body: (_ index: Int, _ role: ProcessRole?, _ pid: Int32, _ state: ProcessState, _ heartbeatNs: Int64) -> Void
    ) {
        for index in 0..<ControlBlockDescriptor.maxProcesses {
            guard let state = ProcessState(rawValue: processState(index).pointee.load(ordering: .acquiring)),
                state != .free
            else { continue }
            let entry = processEntry(index)
            body(
                index,
                ProcessRole(
                    rawValue: entry.load(fromByteOffset: ControlBlockDescriptor.processRoleOffset, as: UInt32.self)),
                entry.load(fromByteOffset: ControlBlockDescriptor.processPidOffset, as: Int32.self),
                state,
                processHeartbeat(index).pointee.load(ordering: .relaxed))
        }
    }

    /// Removes the segment's name (clean shutdown of the session).
    public func unlink() throws(SystemError) {
        try SharedMemoryMapping.unlink(name)
    }
}

/// Stores UTF-8 text NUL-padded into `size` bytes, cut at a character boundary to fit.
func storeText(_ text: String, at address: UnsafeMutableRawPointer, size: Int) {
    address.initializeMemory(as: UInt8.self, repeating: 0, count: size)
    var bytes = Array(text.utf8.prefix(size - 1))
    while !bytes.isEmpty, String(validating: bytes, as: UTF8.self) == nil { bytes.removeLast() }
    if bytes.isEmpty { return }
    bytes.withUnsafeBytes { address.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
}

/// Loads NUL-padded UTF-8 text, replacing anything invalid.
func loadText(at address: UnsafeRawPointer, size: Int) -> String {
    let bytes = UnsafeRawBufferPointer(start: address, count: size)
    let end = bytes.firstIndex(of: 0) ?? size
    return String(decoding: bytes[0..<end], as: UTF8.self)
}
