/// A Double printed with a fixed number of decimals, never in exponent form and without binary
/// noise (`0.1 + 0.2` at 4 places is "0.3000"): for JSON lines, screens and reports. The books
/// themselves stay in integer ticks and lots; this is only how a derived figure is shown.
public enum FixedDecimal {
    /// `value` rounded to `decimals` places (at most 18); a non-finite value prints as `null`,
    /// as JSON wants it.
    public static func text(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return "null" }
        let places = max(0, min(decimals, 18))
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e18 else { return "\(value)" }
        let units = Int64(scaled)
        let sign = value < 0 && units != 0 ? "-" : ""
        if places == 0 { return "\(sign)\(units)" }
        let whole = units / Int64(scale)
        var fraction = String(units % Int64(scale))
        fraction = String(repeating: "0", count: places - fraction.count) + fraction
        return "\(sign)\(whole).\(fraction)"
    }
}
