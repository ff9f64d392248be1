import IPC

/// A value per instrument id, in the order the instruments were defined: what a strategy keeps
/// for each instrument it trades. Read and written in place (`table[id].field = …` touches no
/// copy of the value, so a value holding arrays is never copied on write); the storage grows
/// only when an instrument is defined.
public struct InstrumentTable<Value> {
    /// The values, in the order of definition.
    @usableFromInline var values: [Value] = []
    /// Each instrument id's index in `values` (-1: none yet).
    @usableFromInline var index: [Int32] = Array(repeating: -1, count: Instrument.idSlots)
    /// The ids that have a value, in the order they got it.
    public private(set) var ids: [UInt32] = []

    public init() {}

    /// Whether `id` has a value.
    @inlinable
    public func contains(_ id: UInt32) -> Bool {
        Int(id) < index.count && index[Int(id)] >= 0
    }

    /// `id`'s value; `id` must have one (`contains`).
    @inlinable
    public subscript(id: UInt32) -> Value {
        get { values[Int(index[Int(id)])] }
        _modify { yield &values[Int(index[Int(id)])] }
    }

    /// Gives `id` a value, or replaces the one it has. `id` is an instrument id (1 up to
    /// `Instrument.idSlots − 1`).
    public mutating func set(_ id: UInt32, _ value: Value) {
        precondition(id >= 1 && Int(id) < index.count, "instrument id \(id) out of range")
        if index[Int(id)] >= 0 {
            values[Int(index[Int(id)])] = value
        } else {
            index[Int(id)] = Int32(values.count)
            values.append(value)
            ids.append(id)
        }
    }

    public var count: Int { values.count }
}
