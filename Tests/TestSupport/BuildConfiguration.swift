/// True in a debug build, where some loops allocate that the optimiser cleans up: allocation
/// tests count in release builds only (`.ci/run` runs them so).
public var isDebugBuild: Bool {
    #if DEBUG
        return true
    #else
        return false
    #endif
}
