/// What is wrong with a key or its file, in words that never include the key.
public struct KeyError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
