import CGRPC
import Foundation

/// The completion queue every C-core call of the process reports to, drained by one dedicated thread.
///
/// `grpc_completion_queue_next` blocks, so it runs on its own `Thread`, never on the Swift cooperative pool. Each
/// call's batch is tagged with its retained ``CoreCall``; the thread takes the reference back and resumes the task
/// waiting for it. There is no thread per call, and a call that completed leaves nothing behind.
final class CoreCompletionQueue: @unchecked Sendable {
    /// The process's queue; its thread starts on first use and lives as long as the process, like the C core's own.
    static let shared = CoreCompletionQueue()

    /// `grpc_completion_queue*`, immutable after init.
    let queue: OpaquePointer

    private init() {
        _ = CoreRuntime.initialised
        guard let queue = grpc_completion_queue_create_for_next(nil) else {
            // Only when the C core is out of memory.
            preconditionFailure("grpc_completion_queue_create_for_next failed")
        }
        self.queue = queue
        let thread = Thread { [self] in Self.drain(self.queue) }
        thread.name = "hpcs.ep11.grpc-cq"
        thread.start()
    }

    private static func drain(_ queue: OpaquePointer) {
        while true {
            let event = grpc_completion_queue_next(queue, gpr_inf_future(GPR_CLOCK_MONOTONIC), nil)
            switch event.type {
            case GRPC_OP_COMPLETE:
                guard let tag = event.tag else { continue }
                Unmanaged<CoreCall>.fromOpaque(tag).takeRetainedValue().complete()
            case GRPC_QUEUE_SHUTDOWN:
                return
            default:
                continue
            }
        }
    }
}
