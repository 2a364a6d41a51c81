import CGRPC
import Foundation
import GRPCCore
import SwiftProtobuf

/// The status of a failed call as the C core reported it: what ``EP11Client/mapError(_:method:target:)`` reads to
/// tell a refused connection from a refused certificate.
struct CoreCallFailure: Error, CustomStringConvertible {
    var status: Int
    var message: String
    /// The core's debug text (`error_string`), which names the failed connection attempt.
    var debugText: String

    var description: String { debugText.isEmpty ? message : "\(message) (\(debugText))" }
}

/// A `grpc_call*` for the cancellation handler: `grpc_call_cancel` may be called from any thread.
struct CoreCallHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// What a ``CoreCall`` keeps beside its batch: the core's call and the task waiting for it.
struct CoreCallHeader {
    /// `grpc_call*`, unreferenced by ``CoreCall/finish()``.
    let call: OpaquePointer
    var continuation: UnsafeContinuation<Void, Never>?
}

/// One unary call on the C core: a single batch with all six operations, whose completion resumes the task.
///
/// The object and its batch (`hpcs_unary_call`: the operations, the metadata, the request buffer, and the result
/// fields the core writes into) are one allocation, at a fixed address for as long as the object lives; the batch's
/// tag holds a reference until the completion-queue thread takes it back. ``finish()`` frees what the core handed
/// over.
final class CoreCall: ManagedBuffer<CoreCallHeader, hpcs_unary_call> {
    /// A call on `call` (which it unreferences in ``finish()``) sending `message` (referenced) with the metadata.
    static func make(
        call: OpaquePointer,
        message: inout CoreSlice,
        authorization: String?,
        instanceID: UnsafePointer<grpc_slice>?
    ) -> CoreCall {
        let object = unsafeDowncast(
            create(minimumCapacity: 1) { _ in CoreCallHeader(call: call, continuation: nil) }, to: CoreCall.self)
        object.withUnsafeMutablePointerToElements { state in
            if var authorization {
                // The call owns this slice (`hpcs_unary_call_destroy` releases it).
                var slice = authorization.withUTF8 { text in
                    grpc_slice_from_copied_buffer(
                        UnsafeRawPointer(text.baseAddress)?.assumingMemoryBound(to: CChar.self), text.count)
                }
                hpcs_unary_call_init(
                    state, &message.slice, &slice, instanceID, CoreMetadataKeys.authorization,
                    CoreMetadataKeys.bluemixInstance)
            } else {
                hpcs_unary_call_init(
                    state, &message.slice, nil, instanceID, CoreMetadataKeys.authorization,
                    CoreMetadataKeys.bluemixInstance)
            }
        }
        return object
    }

    /// The core's call, read alone (the cancellation handler reads it while the queue thread resumes the task).
    private var call: OpaquePointer { withUnsafeMutablePointerToHeader { $0.pointee.call } }

    /// The batch; its address is fixed while the object lives.
    private var state: UnsafeMutablePointer<hpcs_unary_call> { withUnsafeMutablePointerToElements { $0 } }

    /// Runs the call to completion. Cancelling the task cancels the call (`grpc_call_cancel`); the call then
    /// completes with `CANCELLED`.
    ///
    /// The cancellation handler and the continuation are the forms that inherit the caller's executor: like this
    /// method (`nonisolated(nonsending)`), they run where the caller runs, and they skip the two executor checks
    /// each of the `isolation:` forms makes (with a task executor preference, each check walks the task's status
    /// records under its lock: together about a fifth of a microsecond per call, in `hpcs-bench` profiles).
    nonisolated(nonsending) func run() async {
        let call = CoreCallHandle(pointer: self.call)
        await _unsafeInheritExecutor_withTaskCancellationHandler {
            await _unsafeInheritExecutor_withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                self.withUnsafeMutablePointerToHeader { $0.pointee.continuation = continuation }
                let tag = Unmanaged.passRetained(self).toOpaque()
                CoreCompletionQueue.shared.callStarting()
                let started = grpc_call_start_batch(self.call, self.state.pointer(to: \.ops.0), 6, tag, nil)
                if started != GRPC_CALL_OK {
                    // The batch never reaches the queue: take the reference back and report it as the status.
                    CoreCompletionQueue.shared.callNotStarted()
                    Unmanaged<CoreCall>.fromOpaque(tag).release()
                    self.state.pointee.status = GRPC_STATUS_INTERNAL
                    self.withUnsafeMutablePointerToHeader { $0.pointee.continuation = nil }
                    continuation.resume()
                }
            }
        } onCancel: {
            // Thread-safe in the core; the call is unreferenced only after this handler is gone.
            grpc_call_cancel(call.pointer, nil)
        }
    }

    /// Called on the completion-queue thread when the batch is done.
    func complete() {
        let continuation = withUnsafeMutablePointerToHeader { header in
            defer { header.pointee.continuation = nil }
            return header.pointee.continuation
        }
        continuation?.resume()
    }

    /// Decodes the response, or builds the `RPCError` grpc-swift-2 would have raised for the same status, with the
    /// `grpc-status-details-bin` trailer in its metadata.
    func response<Output: SwiftProtobuf.Message>(as type: Output.Type) throws -> Output {
        let results = state
        let status = results.pointee.status
        if status == GRPC_STATUS_OK {
            guard results.pointee.recv_message != nil else {
                throw RPCError(code: .internalError, message: "the server sent no response message")
            }
            do {
                if let slice = hpcs_unary_call_single_slice(results) {
                    // Decoded in place: the call owns the slice.
                    return try Output(serializedBytes: CoreSlice(borrowing: slice.pointee))
                }
                var reader = grpc_byte_buffer_reader()
                guard grpc_byte_buffer_reader_init(&reader, results.pointee.recv_message) != 0 else {
                    throw RPCError(code: .internalError, message: "the response message could not be read")
                }
                var whole = CoreSlice(owning: grpc_byte_buffer_reader_readall(&reader))
                grpc_byte_buffer_reader_destroy(&reader)
                defer { whole.release() }
                return try Output(serializedBytes: whole)
            } catch let error as RPCError {
                throw error
            } catch {
                throw RPCError(code: .internalError, message: "the response message could not be decoded", cause: error)
            }
        }
        var details = results.pointee.details
        let message = String(decoding: Self.bytes(of: &details), as: UTF8.self)
        let debugText = results.pointee.error_string.map { String(cString: $0) } ?? ""
        var metadata = Metadata()
        let trailers = results.pointee.trailing_metadata
        for index in 0..<trailers.count {
            guard let entry = trailers.metadata?[index] else { continue }
            var key = entry.key
            var value = entry.value
            if Self.bytes(of: &key).elementsEqual("grpc-status-details-bin".utf8) {
                metadata.addBinary(Array(Self.bytes(of: &value)), forKey: "grpc-status-details-bin")
            }
        }
        let code =
            Status.Code(rawValue: Int(status.rawValue)).flatMap { RPCError.Code($0) } ?? .unknown
        throw RPCError(
            code: code, message: message, metadata: metadata,
            cause: CoreCallFailure(status: Int(status.rawValue), message: message, debugText: debugText))
    }

    private static func bytes(of slice: UnsafeMutablePointer<grpc_slice>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: hpcs_grpc_slice_start(slice), count: hpcs_grpc_slice_length(slice))
    }

    /// Frees everything the call held; the batch must have completed (or never started).
    func finish() {
        hpcs_unary_call_destroy(state)
        grpc_call_unref(call)
    }
}

/// Metadata keys as static slices: their bytes live as long as the program.
enum CoreMetadataKeys {
    // Static slices: no reference count, bytes in the binary's read-only data.
    nonisolated(unsafe) static let authorization = staticSlice("authorization")
    nonisolated(unsafe) static let bluemixInstance = staticSlice("bluemix-instance")

    private static func staticSlice(_ text: StaticString) -> grpc_slice {
        grpc_slice_from_static_buffer(text.utf8Start, text.utf8CodeUnitCount)
    }
}

/// Bytes in a `grpc_slice`, as swift-protobuf writes and reads them: a request is encoded straight into the slice
/// the core sends, and a response decoded straight from the slice the core received.
///
/// A value made by swift-protobuf (`init(repeating:count:)`, `init(_:)`) or by ``init(owning:)`` holds one
/// reference, given back by ``release()``; one made by ``init(borrowing:)`` holds none.
struct CoreSlice: SwiftProtobufContiguousBytes {
    var slice: grpc_slice

    init(owning slice: grpc_slice) { self.slice = slice }

    init(borrowing slice: grpc_slice) { self.slice = slice }

    init(repeating byte: UInt8, count: Int) {
        slice = grpc_slice_malloc(max(0, count))
        let start = hpcs_grpc_slice_mutable_start(&slice)
        if count > 0, let start { memset(start, Int32(byte), count) }
    }

    init<S: Sequence>(_ sequence: S) where S.Element == UInt8 {
        let bytes = Array(sequence)
        slice = bytes.withUnsafeBufferPointer { buffer in
            grpc_slice_from_copied_buffer(
                UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self), buffer.count)
        }
    }

    var count: Int {
        var copy = slice
        return hpcs_grpc_slice_length(&copy)
    }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        // A small slice keeps its bytes inline: read them where this copy holds them.
        var copy = slice
        return try Swift.withUnsafePointer(to: &copy) { pointer in
            try body(
                UnsafeRawBufferPointer(start: hpcs_grpc_slice_start(pointer), count: hpcs_grpc_slice_length(pointer)))
        }
    }

    mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeMutablePointer(to: &slice) { pointer in
            try body(
                UnsafeMutableRawBufferPointer(
                    start: hpcs_grpc_slice_mutable_start(pointer), count: hpcs_grpc_slice_length(pointer)))
        }
    }

    /// Gives back the reference this value holds.
    mutating func release() {
        grpc_slice_unref(slice)
        slice = grpc_empty_slice()
    }
}
