import Foundation

extension JSONDecoder {
    /// Decodes `type` from `bytes`, or throws the error `failure` makes of the decoding error: the typed error with
    /// the message of the place that reads the JSON (a keyfile, a tool's output).
    func decode<Value: Decodable, Failure: Error>(
        _ type: Value.Type, from bytes: [UInt8], orThrow failure: (any Error) -> Failure
    ) throws(Failure) -> Value {
        do {
            return try decode(type, from: Data(bytes))
        } catch {
            throw failure(error)
        }
    }
}
