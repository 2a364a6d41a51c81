import CGRPC
import Foundation
import GRPCCore
import SwiftProtobuf

/// What the C core hands back for one unary call, filled in by its single batch.
struct CoreCallResults {
    var initialMetadata = grpc_metadata_array()
    var trailingMetadata = grpc_metadata_array()
    var message: UnsafeMutablePointer<grpc_byte_buffer>?
    var status = GRPC_STATUS_UNKNOWN
    var details = grpc_slice()
    var errorString: UnsafePointer<CChar>?
}

/// The status of a failed call as the C core reported it: what ``EP11Client/mapError(_:method:target:)`` reads to
/// tell a refused connection from a refused certificate.
struct CoreCallFailure: Error, CustomStringConvertible {
    var status: Int
    var message: String
    /// The core's debug text (`error_string`), which names the failed connection attempt.
    var debugText: String

    var description: String { debugText.isEmpty ? message : "\(message) (\(debugText))" }
}

/// One unary call on the C core: a single batch with all six operations, whose completion resumes the task.
///
/// Everything the batch points at lives here until the batch completes and is freed by ``finish()``: the metadata
/// values, the request buffer, and the result fields the core writes into.
final class CoreCall: @unchecked Sendable {
    private let call: OpaquePointer
    private let ops: UnsafeMutablePointer<grpc_op>
    private let sendMetadata: UnsafeMutablePointer<grpc_metadata>
    private var sendMetadataCount = 0
    private var sendMessage: UnsafeMutablePointer<grpc_byte_buffer>?
    private var authorizationSlice: grpc_slice?
    let results: UnsafeMutablePointer<CoreCallResults>
    private var continuation: UnsafeContinuation<Void, Never>?

    private static let operationCount = 6

    init(call: OpaquePointer) {
        self.call = call
        ops = .allocate(capacity: Self.operationCount)
        ops.initialize(repeating: grpc_op(), count: Self.operationCount)
        sendMetadata = .allocate(capacity: 2)
        sendMetadata.initialize(repeating: grpc_metadata(), count: 2)
        results = .allocate(capacity: 1)
        results.initialize(to: CoreCallResults())
    }

    /// Runs the call to completion. Cancelling the task cancels the call (`grpc_call_cancel`); the call then
    /// completes with `CANCELLED`.
    func run(
        request: [UInt8],
        authorization: String?,
        instanceID: grpc_slice?
    ) async {
        if let authorization {
            let slice = authorization.utf8CString.withUnsafeBufferPointer { buffer in
                // Without the terminating NUL.
                grpc_slice_from_copied_buffer(buffer.baseAddress, max(0, buffer.count - 1))
            }
            authorizationSlice = slice
            sendMetadata[sendMetadataCount].key = CoreMetadataKeys.authorization
            sendMetadata[sendMetadataCount].value = slice
            sendMetadataCount += 1
        }
        if let instanceID {
            sendMetadata[sendMetadataCount].key = CoreMetadataKeys.bluemixInstance
            sendMetadata[sendMetadataCount].value = instanceID
            sendMetadataCount += 1
        }
        var requestSlice = request.withUnsafeBufferPointer { buffer in
            grpc_slice_from_copied_buffer(
                UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self), buffer.count)
        }
        sendMessage = grpc_raw_byte_buffer_create(&requestSlice, 1)
        grpc_slice_unref(requestSlice)

        ops[0].op = GRPC_OP_SEND_INITIAL_METADATA
        ops[0].data.send_initial_metadata.count = sendMetadataCount
        ops[0].data.send_initial_metadata.metadata = sendMetadata
        ops[1].op = GRPC_OP_SEND_MESSAGE
        ops[1].data.send_message.send_message = sendMessage
        ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT
        ops[3].op = GRPC_OP_RECV_INITIAL_METADATA
        ops[3].data.recv_initial_metadata.recv_initial_metadata = results.pointer(to: \.initialMetadata)
        ops[4].op = GRPC_OP_RECV_MESSAGE
        ops[4].data.recv_message.recv_message = results.pointer(to: \.message)
        ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT
        ops[5].data.recv_status_on_client.trailing_metadata = results.pointer(to: \.trailingMetadata)
        ops[5].data.recv_status_on_client.status = results.pointer(to: \.status)
        ops[5].data.recv_status_on_client.status_details = results.pointer(to: \.details)
        ops[5].data.recv_status_on_client.error_string = results.pointer(to: \.errorString)

        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                self.continuation = continuation
                let tag = Unmanaged.passRetained(self).toOpaque()
                let started = grpc_call_start_batch(self.call, self.ops, Self.operationCount, tag, nil)
                if started != GRPC_CALL_OK {
                    // The batch never reaches the queue: take the reference back and report it as the status.
                    Unmanaged<CoreCall>.fromOpaque(tag).release()
                    self.results.pointee.status = GRPC_STATUS_INTERNAL
                    self.continuation = nil
                    continuation.resume()
                }
            }
        } onCancel: {
            // Thread-safe in the core; the call is unreferenced only after this handler is gone.
            grpc_call_cancel(self.call, nil)
        }
    }

    /// Called on the completion-queue thread when the batch is done.
    func complete() {
        let continuation = self.continuation
        self.continuation = nil
        continuation?.resume()
    }

    /// Decodes the response, or builds the `RPCError` grpc-swift-2 would have raised for the same status, with the
    /// `grpc-status-details-bin` trailer in its metadata.
    func response<Output: SwiftProtobuf.Message>(as type: Output.Type) throws -> Output {
        let status = results.pointee.status
        if status == GRPC_STATUS_OK {
            guard let buffer = results.pointee.message else {
                throw RPCError(code: .internalError, message: "the server sent no response message")
            }
            var reader = grpc_byte_buffer_reader()
            guard grpc_byte_buffer_reader_init(&reader, buffer) != 0 else {
                throw RPCError(code: .internalError, message: "the response message could not be read")
            }
            var slice = grpc_byte_buffer_reader_readall(&reader)
            grpc_byte_buffer_reader_destroy(&reader)
            defer { grpc_slice_unref(slice) }
            let bytes = UnsafeRawBufferPointer(
                start: hpcs_grpc_slice_start(&slice), count: hpcs_grpc_slice_length(&slice))
            do {
                return try Output(serializedBytes: [UInt8](bytes))
            } catch {
                throw RPCError(code: .internalError, message: "the response message could not be decoded", cause: error)
            }
        }
        var details = results.pointee.details
        let message = String(decoding: Self.bytes(of: &details), as: UTF8.self)
        let debugText = results.pointee.errorString.map { String(cString: $0) } ?? ""
        var metadata = Metadata()
        let trailers = results.pointee.trailingMetadata
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

    /// Frees everything the call held; the call must have completed.
    func finish() {
        grpc_metadata_array_destroy(results.pointer(to: \.initialMetadata))
        grpc_metadata_array_destroy(results.pointer(to: \.trailingMetadata))
        if let message = results.pointee.message { grpc_byte_buffer_destroy(message) }
        grpc_slice_unref(results.pointee.details)
        if let errorString = results.pointee.errorString {
            gpr_free(UnsafeMutableRawPointer(mutating: errorString))
        }
        if let sendMessage { grpc_byte_buffer_destroy(sendMessage) }
        if let authorizationSlice { grpc_slice_unref(authorizationSlice) }
        grpc_call_unref(call)
        results.deinitialize(count: 1)
        results.deallocate()
        sendMetadata.deinitialize(count: 2)
        sendMetadata.deallocate()
        ops.deinitialize(count: Self.operationCount)
        ops.deallocate()
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
