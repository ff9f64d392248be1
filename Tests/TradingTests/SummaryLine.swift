/// The "position …" part of exec's or risk's summary line ("exec: BTCUSDT: 83 fills, …,
/// position 0.03000000, realized …"), as printed, to compare the two.
func positionField(_ line: Substring) -> Substring? {
    line.range(of: "position ").map { line[$0.lowerBound...].prefix { $0 != "," } }
}
