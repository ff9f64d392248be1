/// A Unix epoch time in ns as a UTC date and clock time ("2024-08-08", "23:54:14"), without
/// Foundation: the days to a civil date by Howard Hinnant's `civil_from_days`.
public struct UTCTime: Equatable, Sendable {
    public let ns: Int64

    public init(ns: Int64) { self.ns = ns }

    public var text: (date: String, time: String) {
        // Seconds rounded down (before 1970 too), without a subtraction that could overflow.
        let seconds = ns / 1_000_000_000 - (ns % 1_000_000_000 < 0 ? 1 : 0)
        var days = seconds / 86_400
        var ofDay = seconds % 86_400
        if ofDay < 0 {
            ofDay += 86_400
            days -= 1
        }
        // civil_from_days: eras of 400 years from 0000-03-01.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return (
            "\(year)-\(two(month))-\(two(day))", "\(two(ofDay / 3_600)):\(two(ofDay / 60 % 60)):\(two(ofDay % 60))"
        )
    }
}
